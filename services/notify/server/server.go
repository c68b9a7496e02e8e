// Package server wires the notifications service together: application,
// read model, reaction, channel, gRPC server with the kit's interceptors
// and the policy table. The standalone command and `carecoop dev` both
// start it through Start.
package server

import (
	"context"

	"google.golang.org/grpc"

	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/kit/status"
	"github.com/carecoop/carecoop/services/notify/app"
	"github.com/carecoop/carecoop/services/notify/grpcapi"
)

// DefaultAddr is the notifications service's port in the dev stack.
const DefaultAddr = "127.0.0.1:7105"

// Config is what the service needs from its host process.
type Config = grpcserver.ServiceConfig

// Running is a started notifications service.
type Running struct {
	*grpcserver.Running
	App *app.Service
}

// Start builds the read model from the store, starts the reaction, then
// serves gRPC on cfg.Addr. The channel, the portal's address and dev mode
// come as options (app.WithChannel, app.WithPortalURL, app.WithDev).
func Start(ctx context.Context, cfg Config, opts ...Option) (*Running, error) {
	if cfg.Clock != nil {
		opts = append([]app.Option{app.WithClock(cfg.Clock)}, opts...)
	}
	svc := app.New(cfg.Store, cfg.Log(), opts...)
	r, err := grpcserver.StartService(ctx, cfg, grpcserver.Service{
		Name: "notify", DefaultAddr: DefaultAddr, Policy: status.WithPolicy(grpcapi.Policy), Start: svc.Start, Ready: svc.Ready,
		Stopped: func(ctx context.Context) { projection.WaitStopped(ctx, svc.ReadModels()...) },
		Register: func(g grpc.ServiceRegistrar) {
			grpcapi.Register(g, svc)
			status.Register(g, "notify", svc.ReadModels()...)
		},
	})
	if err != nil {
		return nil, err
	}
	return &Running{Running: r, App: svc}, nil
}
