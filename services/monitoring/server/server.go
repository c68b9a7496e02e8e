// Package server wires the contract monitoring service together:
// application, read model, reactions, gRPC server with the kit's
// interceptors and the policy table. The standalone command and `carecoop
// dev` both start it through Start.
package server

import (
	"context"

	"google.golang.org/grpc"

	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/kit/status"
	"github.com/carecoop/carecoop/services/monitoring/app"
	"github.com/carecoop/carecoop/services/monitoring/grpcapi"
)

// DefaultAddr is the monitoring service's port in the dev stack.
const DefaultAddr = "127.0.0.1:7104"

// Config is what the service needs from its host process.
type Config = grpcserver.ServiceConfig

// Running is a started monitoring service.
type Running struct {
	*grpcserver.Running
	App *app.Service
}

// Start builds the read model from the store, starts the reactions, then
// serves gRPC on cfg.Addr.
func Start(ctx context.Context, cfg Config, opts ...app.Option) (*Running, error) {
	if cfg.Clock != nil {
		opts = append([]app.Option{app.WithClock(cfg.Clock)}, opts...)
	}
	svc := app.New(cfg.Store, cfg.Log(), opts...)
	r, err := grpcserver.StartService(ctx, cfg, grpcserver.Service{
		Name: "monitoring", DefaultAddr: DefaultAddr, Policy: status.WithPolicy(grpcapi.Policy), Start: svc.Start, Ready: svc.Ready,
		Stopped: func(ctx context.Context) { projection.WaitStopped(ctx, svc.ReadModels()...) },
		Register: func(g grpc.ServiceRegistrar) {
			grpcapi.Register(g, svc)
			status.Register(g, "monitoring", svc.ReadModels()...)
		},
	})
	if err != nil {
		return nil, err
	}
	return &Running{Running: r, App: svc}, nil
}
