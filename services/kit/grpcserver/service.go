package grpcserver

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/metrics"
)

// ServiceConfig is what every service needs from its host process (the
// standalone command or `carecoop dev`).
type ServiceConfig struct {
	// Addr to listen on (host:port; port 0 picks a free one; "" the
	// service's default).
	Addr     string
	Store    eventstore.Store
	Verifier auth.Verifier
	Logger   *zap.Logger
	// Clock replaces the wall clock (tests).
	Clock func() time.Time
	// Transport secures the gRPC port (plaintext on loopback if zero).
	Transport Transport
	// Reflection serves gRPC reflection (off if false).
	Reflection bool
	// Metrics of the service (none if nil): the host serves them on its
	// metrics port.
	Metrics *metrics.Metrics
}

// Service is what StartService needs of one service's application: its read
// models' start and its gRPC registration.
type Service struct {
	Name        string
	DefaultAddr string
	Policy      auth.Policy
	Start       func(ctx context.Context) error
	// Ready reports whether the read models follow the store (see HostConfig).
	Ready    func() error
	Register func(grpc.ServiceRegistrar)
	// Stopped: see HostConfig.
	Stopped func(ctx context.Context)
}

// Log is cfg's logger, or one that logs nothing.
func (cfg ServiceConfig) Log() *zap.Logger {
	if cfg.Logger == nil {
		return zap.NewNop()
	}
	return cfg.Logger
}

// StartService checks cfg and hosts svc on it (see Host).
func StartService(ctx context.Context, cfg ServiceConfig, svc Service) (*Running, error) {
	if cfg.Store == nil || cfg.Verifier == nil {
		return nil, errors.New(svc.Name + ": a store and a token verifier are required")
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.ForService(ctx, svc.Name) // a host of several services
	}
	addr := cfg.Addr
	if addr == "" {
		addr = svc.DefaultAddr
	}
	return Host(ctx, HostConfig{Name: svc.Name, Addr: addr, Logger: cfg.Log(), Verifier: cfg.Verifier, Policy: svc.Policy, Start: svc.Start, Ready: svc.Ready, Register: svc.Register, Stopped: svc.Stopped,
		Transport: cfg.Transport, Reflection: cfg.Reflection, Metrics: cfg.Metrics})
}
