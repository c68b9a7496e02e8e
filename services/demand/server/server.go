// Package server wires the demand service together: application, read
// model, gRPC server with the kit's interceptors and the policy table. The
// standalone command and `carecoop dev` both start it through Start.
package server

import (
	"context"

	"google.golang.org/grpc"

	"github.com/carecoop/carecoop/services/demand/app"
	"github.com/carecoop/carecoop/services/demand/grpcapi"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/kit/status"
)

// DefaultAddr is the demand service's port in the dev stack.
const DefaultAddr = "127.0.0.1:7103"

// Config is what the service needs from its host process.
type Config = grpcserver.ServiceConfig

// Running is a started demand service: Addr, Stop and Done come from the
// kit's host.
type Running struct {
	*grpcserver.Running
	App *app.Service
}

// Start builds the read model from the store, then serves gRPC on cfg.Addr.
func Start(ctx context.Context, cfg Config) (*Running, error) {
	var opts []app.Option
	if cfg.Clock != nil {
		opts = append(opts, app.WithClock(cfg.Clock))
	}
	svc := app.New(cfg.Store, cfg.Log(), opts...)
	r, err := grpcserver.StartService(ctx, cfg, grpcserver.Service{
		Name: "demand", DefaultAddr: DefaultAddr, Policy: status.WithPolicy(grpcapi.Policy), Start: svc.Start, Ready: svc.Ready,
		Stopped: func(ctx context.Context) { projection.WaitStopped(ctx, svc.ReadModels()...) },
		Register: func(g grpc.ServiceRegistrar) {
			grpcapi.Register(g, svc)
			status.Register(g, "demand", svc.ReadModels()...)
		},
	})
	if err != nil {
		return nil, err
	}
	return &Running{Running: r, App: svc}, nil
}
