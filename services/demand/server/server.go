// Package server wires the demand service together: application, read
// model, gRPC server with the kit's interceptors and the policy table. The
// standalone command and `carecoop dev` both start it through Start.
package server

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/carecoop/carecoop/services/demand/app"
	"github.com/carecoop/carecoop/services/demand/grpcapi"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// DefaultAddr is the demand service's port in the dev stack.
const DefaultAddr = "127.0.0.1:7103"

// Config is what the service needs from its host process.
type Config struct {
	// Addr to listen on (host:port; port 0 picks a free one).
	Addr     string
	Store    eventstore.Store
	Verifier auth.Verifier
	Logger   *zap.Logger
	// Clock replaces the wall clock (tests).
	Clock func() time.Time
}

// Running is a started demand service.
type Running struct {
	*grpcserver.Running
	App *app.Service
}

// Start builds the read model from the store, then serves gRPC on cfg.Addr.
func Start(ctx context.Context, cfg Config) (*Running, error) {
	if cfg.Store == nil || cfg.Verifier == nil {
		return nil, errors.New("demand: a store and a token verifier are required")
	}
	var opts []app.Option
	if cfg.Clock != nil {
		opts = append(opts, app.WithClock(cfg.Clock))
	}
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	svc := app.New(cfg.Store, log, opts...)
	addr := cfg.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	r, err := grpcserver.Host(ctx, grpcserver.HostConfig{
		Name: "demand", Addr: addr, Logger: log, Verifier: cfg.Verifier, Policy: grpcapi.Policy,
		Start:    svc.Start,
		Register: func(g grpc.ServiceRegistrar) { grpcapi.Register(g, svc) },
	})
	if err != nil {
		return nil, err
	}
	return &Running{Running: r, App: svc}, nil
}
