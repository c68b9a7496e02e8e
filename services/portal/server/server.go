// Package server wires the portal together: connections to the four
// services, the sessions bucket, the signing key and the HTTP server. The
// standalone command and `carecoop dev` both start it through Start.
package server

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/metrics"
	"github.com/carecoop/carecoop/services/kit/tracing"
	"github.com/carecoop/carecoop/services/portal/ocds"
	"github.com/carecoop/carecoop/services/portal/session"
	"github.com/carecoop/carecoop/services/portal/web"
)

// DefaultAddr is the portal's address in the dev stack.
const DefaultAddr = "127.0.0.1:8080"

// Config is what the portal needs from its host process.
type Config struct {
	// Addr to listen on ("" for DefaultAddr; port 0 picks a free one).
	Addr string
	// The four services' gRPC addresses.
	Framework, Purchasing, Demand, Monitoring string
	// Notify is the notifications service's address ("" runs the portal
	// without notifications).
	Notify string
	// ServiceTLS, when set, is used to reach the services (nil: plaintext,
	// for services on loopback).
	ServiceTLS credentials.TransportCredentials
	// JetStream holds the sessions bucket.
	JetStream natsjs.JetStream
	// Key signs the signed-in people's service tokens.
	Key ed25519.PrivateKey
	// TLSCert and TLSKey serve HTTPS (cookies Secure, HSTS).
	TLSCert, TLSKey string
	// DevPeople turns on the demo sign-in page (carecoop dev only).
	DevPeople []web.Person
	// OIDC is the sign-in with an OpenID Connect provider (nil: none); see
	// web.LoadOIDCConfig.
	OIDC *web.OIDCConfig
	// OCDSPrefixes are the consortia's ocid prefixes (see web.Config).
	OCDSPrefixes ocds.Prefixes
	Logger       *zap.Logger
	// Clock replaces the wall clock (tests).
	Clock func() time.Time
	// Metrics count and time the requests served (nil: none).
	Metrics *metrics.Metrics
}

// Running is a started portal.
type Running struct {
	Addr   net.Addr
	URL    string
	Web    *web.Server
	http   *http.Server
	conns  []*grpc.ClientConn
	served chan error
}

// Start dials the services, opens the sessions bucket and serves the portal.
func Start(ctx context.Context, cfg Config) (*Running, error) {
	if cfg.JetStream == nil || cfg.Key == nil {
		return nil, errors.New("portal: JetStream and a signing key are required")
	}
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	creds := cfg.ServiceTLS
	if creds == nil {
		creds = insecure.NewCredentials()
	}
	r := &Running{served: make(chan error, 1)}
	dial := func(addr string) (*grpc.ClientConn, error) {
		// A store failover or a service restarting answers UNAVAILABLE:
		// the page waits for it (within its deadline) instead of failing.
		opts := append([]grpc.DialOption{grpc.WithTransportCredentials(creds),
			grpc.WithChainUnaryInterceptor(grpcserver.RetryUnavailable())}, tracing.DialOptions()...)
		c, err := grpc.NewClient(addr, opts...)
		if err == nil {
			r.conns = append(r.conns, c)
		}
		return c, err
	}
	var conns web.Conns
	for _, d := range []struct {
		addr string
		to   *grpc.ClientConnInterface
	}{{cfg.Framework, &conns.Framework}, {cfg.Purchasing, &conns.Purchasing}, {cfg.Demand, &conns.Demand}, {cfg.Monitoring, &conns.Monitoring}} {
		c, err := dial(d.addr)
		if err != nil {
			r.close()
			return nil, fmt.Errorf("portal: dial %s: %w", d.addr, err)
		}
		*d.to = c
	}
	if cfg.Notify != "" {
		c, err := dial(cfg.Notify)
		if err != nil {
			r.close()
			return nil, fmt.Errorf("portal: dial %s: %w", cfg.Notify, err)
		}
		conns.Notify = c
	}
	sessions, err := session.Open(ctx, cfg.JetStream, session.Options{Now: cfg.Clock})
	if err != nil {
		r.close()
		return nil, err
	}
	secure := cfg.TLSCert != ""
	w, err := web.New(web.Config{Conns: conns, Sessions: sessions, Key: cfg.Key, Secure: secure, DevPeople: cfg.DevPeople, OIDC: cfg.OIDC,
		OCDSPrefixes: cfg.OCDSPrefixes, Logger: log, Now: cfg.Clock})
	if err != nil {
		r.close()
		return nil, err
	}
	addr := cfg.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		r.close()
		return nil, fmt.Errorf("portal: listen on %s: %w", addr, err)
	}
	r.Addr, r.Web = lis.Addr(), w
	scheme := "http"
	if secure {
		scheme = "https"
	}
	r.URL = scheme + "://" + lis.Addr().String()
	m := cfg.Metrics
	if m == nil {
		m = metrics.ForService(ctx, "portal") // a host of several services
	}
	r.http = &http.Server{Handler: tracing.HTTPHandler(m.InstrumentHTTP(w.Handler()), "portal"), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: zap.NewStdLog(log)}
	go func() {
		var err error
		if secure {
			err = r.http.ServeTLS(lis, cfg.TLSCert, cfg.TLSKey)
		} else {
			err = r.http.Serve(lis)
		}
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		r.served <- err
	}()
	log.Info("portal listening", zap.String("url", r.URL))
	return r, nil
}

// Stop drains requests in flight (at most 10 s) and closes the connections.
func (r *Running) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = r.http.Shutdown(ctx)
	r.close()
}

// Done reports the end of serving.
func (r *Running) Done() <-chan error { return r.served }

func (r *Running) close() {
	for _, c := range r.conns {
		_ = c.Close()
	}
}
