// Package server wires the framework service together: application, read
// model, gRPC server with the kit's interceptors and the policy table. The
// standalone command and `carecoop dev` both start it through Start.
package server

import (
	"context"

	"google.golang.org/grpc"

	"github.com/carecoop/carecoop/services/framework/app"
	"github.com/carecoop/carecoop/services/framework/grpcapi"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/kit/status"
)

// DefaultAddr is the framework service's port in the dev stack.
const DefaultAddr = "127.0.0.1:7101"

// Config is what the service needs from its host process.
type Config = grpcserver.ServiceConfig

// Running is a started framework service: Addr, Stop and Done come from the
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
		Name: "framework", DefaultAddr: DefaultAddr, Policy: status.WithPolicy(grpcapi.Policy), Start: svc.Start, Ready: svc.Ready,
		Stopped: func(ctx context.Context) { projection.WaitStopped(ctx, svc.ReadModels()...) },
		Register: func(g grpc.ServiceRegistrar) {
			grpcapi.Register(g, svc)
			status.Register(g, "framework", svc.ReadModels()...)
		},
	})
	if err != nil {
		return nil, err
	}
	return &Running{Running: r, App: svc}, nil
}
