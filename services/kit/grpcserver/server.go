// Package grpcserver is the gRPC bootstrap every carecoop service shares:
// one constructor gives a *grpc.Server with the health service (and
// reflection, when asked for), the same interceptor chain, message limits and
// keepalive everywhere, and TLS or mutual TLS as its Transport says.
//
// # The chain
//
// Every unary and streaming call passes, in this order:
//
//  1. correlation id: the "x-correlation-id" request metadata, or a new
//     UUIDv7; available as CorrelationID(ctx) and echoed in the response
//     header;
//  2. request logging (zap): method, code, duration, correlation id and the
//     caller's subject and organisation;
//  3. decoding: a request message that is not valid protobuf (wire format,
//     UTF-8 of strings, nesting deeper than MaxNesting) is INVALID_ARGUMENT;
//  4. started: until the host has built the read models, a call is
//     UNAVAILABLE;
//  5. panic recovery: a panic is logged with its stack and answered INTERNAL
//     with no detail, and the server carries on;
//  6. authentication: a bearer JWT in the "authorization" metadata, checked
//     by the configured auth.Verifier (missing or invalid: UNAUTHENTICATED);
//  7. authorization: the service's auth.Policy (no entry, or none of the
//     rule's roles: PERMISSION_DENIED);
//  8. validation: protovalidate rules declared on the request message
//     (INVALID_ARGUMENT with a google.rpc.BadRequest detail, one field
//     violation per invalid field);
//  9. the handler, whose error is mapped to a status by StatusOf.
//
// With Config.Metrics, go-grpc-middleware's Prometheus interceptor comes
// before all of these, so it counts refusals too (package metrics), though
// not a unary request refused as undecodable before any interceptor; with
// tracing on, an OpenTelemetry stats handler wraps the
// whole call (package tracing).
//
// Authorization runs before validation on purpose: a caller who may not call
// an RPC learns nothing about what a valid request to it looks like.
// Decoding is the exception for unary calls, because grpc-go decodes their
// request before any interceptor runs: a malformed one is INVALID_ARGUMENT
// even without a token. A stream's messages are read by its handler, after
// authorization.
//
// The grpc.health.v1 and reflection services are exempt from steps 4, 6, 7
// and 8: they are served while starting, without a token or a policy entry.
//
// # Policy coverage
//
// Every RPC needs a policy entry. New checks the table itself
// (auth.Policy.Validate); Serve — called once every service is registered —
// refuses to start, returning an error, if any registered RPC has no entry
// (CheckPolicyCoverage). Services also call CheckPolicyCoverage from a test so
// the gap is caught before anything runs. An RPC without an entry that is
// served anyway (via GRPC().Serve) is still refused on every call.
package grpcserver

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"buf.build/go/protovalidate"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/metrics"
	"github.com/carecoop/carecoop/services/kit/tracing"
)

// DefaultShutdownTimeout bounds GracefulStop when Config.ShutdownTimeout is 0.
const DefaultShutdownTimeout = 10 * time.Second

// Config configures New.
type Config struct {
	// Name of the service, added to every log line as "service".
	Name string
	// Logger; nil logs nothing.
	Logger *zap.Logger
	// Verifier authenticates bearer tokens. Required.
	Verifier auth.Verifier
	// Policy is the service's authorization table. Required.
	Policy auth.Policy
	// ShutdownTimeout bounds GracefulStop before in-flight calls are cut
	// (DefaultShutdownTimeout if 0).
	ShutdownTimeout time.Duration
	// Transport secures the port: TLS, mutual TLS, or plaintext (on
	// loopback, or anywhere with Insecure).
	Transport Transport
	// Reflection serves gRPC reflection. Off unless asked for: it describes
	// every RPC and message to anyone who can connect, without a token.
	Reflection bool
	// ServerOptions are passed to grpc.NewServer after the kit's own
	// (interceptors, credentials, limits and keepalive), so they may
	// override them.
	ServerOptions []grpc.ServerOption
	// Metrics, if not nil, count and time every call (see package metrics).
	Metrics *metrics.Metrics
}

// Server wraps a *grpc.Server built with the kit's interceptor chain.
type Server struct {
	grpc            *grpc.Server
	health          *health.Server
	log             *zap.Logger
	policy          auth.Policy
	transport       Transport
	shutdownTimeout time.Duration
	started         *atomic.Bool
}

// New builds the server. Register the service implementations on
// Registrar() before calling Serve.
func New(cfg Config) (*Server, error) {
	if cfg.Verifier == nil {
		return nil, errors.New("grpcserver: Config.Verifier is required")
	}
	if cfg.Policy == nil {
		return nil, errors.New("grpcserver: Config.Policy is required")
	}
	if err := cfg.Policy.Validate(); err != nil {
		return nil, fmt.Errorf("grpcserver: %w", err)
	}
	log := cfg.Logger
	if log == nil {
		log = zap.NewNop()
	}
	if cfg.Name != "" {
		log = log.With(zap.String("service", cfg.Name))
	}
	validator, err := protovalidate.New()
	if err != nil {
		return nil, fmt.Errorf("grpcserver: protovalidate: %w", err)
	}
	codec, err := newRequestCodec()
	if err != nil {
		return nil, err
	}
	creds, err := cfg.Transport.credentials()
	if err != nil {
		return nil, err
	}
	started := &atomic.Bool{}
	started.Store(true)
	c := chain{log: log, codec: codec, verifier: cfg.Verifier, policy: cfg.Policy, validator: validator, started: started}
	unary, stream := c.interceptors()
	if cfg.Metrics != nil {
		// First, so refusals are counted too.
		unary = append([]grpc.UnaryServerInterceptor{cfg.Metrics.UnaryServerInterceptor()}, unary...)
		stream = append([]grpc.StreamServerInterceptor{cfg.Metrics.StreamServerInterceptor()}, stream...)
	}
	opts := append([]grpc.ServerOption{
		grpc.ForceServerCodecV2(codec), // every content-subtype, so no request escapes its checks
		grpc.ChainUnaryInterceptor(unary...),
		grpc.ChainStreamInterceptor(stream...),
	}, limitOptions()...)
	if creds != nil {
		opts = append(opts, grpc.Creds(creds))
	}
	opts = append(opts, tracing.ServerOptions()...)
	opts = append(opts, cfg.ServerOptions...)

	s := &Server{
		grpc:            grpc.NewServer(opts...),
		health:          health.NewServer(),
		log:             log,
		policy:          cfg.Policy,
		transport:       cfg.Transport,
		shutdownTimeout: cfg.ShutdownTimeout,
		started:         started,
	}
	if s.shutdownTimeout <= 0 {
		s.shutdownTimeout = DefaultShutdownTimeout
	}
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(s.grpc, s.health)
	if cfg.Reflection {
		reflection.Register(s.grpc)
	}
	return s, nil
}

// starting makes the server answer only health while its host builds the
// read models: health says NOT_SERVING, every other call UNAVAILABLE.
func (s *Server) starting() {
	s.started.Store(false)
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
}

// setReady reports the service's readiness on the health service (the
// overall status "" and the service's own name); the first call also ends
// starting.
func (s *Server) setReady(name string, ready bool) {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if ready {
		st = healthpb.HealthCheckResponse_SERVING
		s.started.Store(true)
	}
	s.health.SetServingStatus("", st)
	if name != "" {
		s.health.SetServingStatus(name, st)
	}
}

// Registrar is where services register their implementations.
func (s *Server) Registrar() grpc.ServiceRegistrar { return s.grpc }

// GRPC is the underlying server.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

// Health is the health service, SERVING from New until GracefulStop; a
// service may report per-service status on it.
func (s *Server) Health() *health.Server { return s.health }

// Serve checks that every registered RPC has a policy entry and that lis
// is not a TCP address other than loopback while the server is plaintext
// and not Insecure — refusing to start, with the reason, if not — then
// serves lis until GracefulStop.
func (s *Server) Serve(lis net.Listener) error {
	if err := s.check(lis); err != nil {
		return err
	}
	s.log.Info("serving gRPC", zap.String("addr", lis.Addr().String()),
		zap.Bool("tls", s.transport.TLS()), zap.Bool("client_certs", s.transport.ClientCAFile != ""))
	if s.transport.Insecure {
		s.log.Warn("serving plaintext gRPC beyond loopback (insecure): TLS must be terminated in front of this service")
	}
	return s.grpc.Serve(lis)
}

// check is Serve's refusal to start.
func (s *Server) check(lis net.Listener) error {
	err := CheckPolicyCoverage(s.grpc, s.policy)
	if err == nil {
		err = s.transport.checkListener(lis)
	}
	if err != nil {
		s.log.Error("refusing to serve", zap.Error(err))
	}
	return err
}

// GracefulStop reports NOT_SERVING, stops accepting calls and waits for the
// calls in flight, for at most the configured shutdown timeout; then it
// cancels what remains.
func (s *Server) GracefulStop() {
	s.health.Shutdown()
	done := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(done)
	}()
	t := time.NewTimer(s.shutdownTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		s.log.Warn("graceful stop timed out; cancelling calls in flight", zap.Duration("timeout", s.shutdownTimeout))
		s.grpc.Stop()
		<-done
	}
}

// exemptServices need no token and no policy entry.
var exemptServices = []string{
	healthpb.Health_ServiceDesc.ServiceName,    // grpc.health.v1.Health
	"grpc.reflection.v1.ServerReflection",      // reflection.Register serves both
	"grpc.reflection.v1alpha.ServerReflection", // versions of the protocol
}

// isExempt reports whether the full method belongs to an exempt service.
func isExempt(fullMethod string) bool {
	svc, _, ok := strings.Cut(strings.TrimPrefix(fullMethod, "/"), "/")
	return ok && slices.Contains(exemptServices, svc)
}

// ErrPolicyCoverage marks the error of CheckPolicyCoverage.
var ErrPolicyCoverage = errors.New("RPCs without a policy entry")

// CheckPolicyCoverage reports every RPC registered on s, other than the health
// and reflection services, that p does not name. The error wraps
// ErrPolicyCoverage and lists the full method names, sorted.
func CheckPolicyCoverage(s *grpc.Server, p auth.Policy) error {
	var missing []string
	for svc, info := range s.GetServiceInfo() {
		if slices.Contains(exemptServices, svc) {
			continue
		}
		for _, m := range info.Methods {
			full := "/" + svc + "/" + m.Name
			if _, ok := p[full]; !ok {
				missing = append(missing, full)
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return fmt.Errorf("grpcserver: %w: %s", ErrPolicyCoverage, strings.Join(missing, ", "))
}
