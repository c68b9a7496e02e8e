// Package server wires the framework service together: application, read
// model, gRPC server with the kit's interceptors and the policy table. The
// standalone command and `carecoop dev` both start it through Start.
package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/carecoop/carecoop/services/framework/app"
	"github.com/carecoop/carecoop/services/framework/grpcapi"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// DefaultAddr is the framework service's port in the dev stack.
const DefaultAddr = "127.0.0.1:7101"

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

// Running is a started framework service.
type Running struct {
	App  *app.Service
	Addr net.Addr

	grpc   *grpcserver.Server
	cancel context.CancelFunc
	served chan error    // Serve's result, for Done
	ended  chan struct{} // closed once Serve has returned
}

// Start builds the read model from the store, then serves gRPC on cfg.Addr.
func Start(ctx context.Context, cfg Config) (*Running, error) {
	if cfg.Store == nil || cfg.Verifier == nil {
		return nil, errors.New("framework: a store and a token verifier are required")
	}
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	var opts []app.Option
	if cfg.Clock != nil {
		opts = append(opts, app.WithClock(cfg.Clock))
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	svc := app.New(cfg.Store, log, opts...)
	if err := svc.Start(runCtx); err != nil {
		cancel()
		return nil, fmt.Errorf("framework: building read model: %w", err)
	}
	gs, err := grpcserver.New(grpcserver.Config{Name: "framework", Logger: log, Verifier: cfg.Verifier, Policy: grpcapi.Policy})
	if err != nil {
		cancel()
		return nil, err
	}
	grpcapi.Register(gs.Registrar(), svc)
	addr := cfg.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("framework: listen on %s: %w", addr, err)
	}
	r := &Running{App: svc, Addr: lis.Addr(), grpc: gs, cancel: cancel, served: make(chan error, 1), ended: make(chan struct{})}
	go func() {
		err := gs.Serve(lis)
		if errors.Is(err, grpc.ErrServerStopped) {
			err = nil // stopped before serving began: a stop, not a failure
		}
		r.served <- err
		close(r.ended)
	}()
	log.Info("framework service listening", zap.String("addr", lis.Addr().String()))
	return r, nil
}

// Stop drains in-flight calls, then stops the read model. It may be called
// more than once, and after Done has reported.
func (r *Running) Stop() {
	r.grpc.GracefulStop()
	r.cancel()
	<-r.ended
}

// Done reports the end of serving (with its error, if any).
func (r *Running) Done() <-chan error { return r.served }
