// Package metrics is what a carecoop service tells Prometheus: its gRPC
// calls by method and code with their latency, the latency and conflicts of
// its appends to the event store, how far each read model lags behind the
// store, and its bus consumers' redeliveries and dead letters. Every
// service has its own registry (New), served on its own metrics port
// (Serve, path /metrics), never on the gRPC port: several services in one
// process (`carecoop dev`, tests) never share one.
//
// Code far from the server (the aggregate repository, the bus) finds the
// service's metrics in its context (FromContext): the gRPC chain puts them
// in every call's context and the host in the context its read models and
// reactions run in. Every method of a nil *Metrics does nothing, so that
// code need not ask whether metrics are on.
package metrics

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"google.golang.org/grpc"
)

// Path is where Serve answers.
const Path = "/metrics"

// Names of the series this package defines (the gRPC ones are
// go-grpc-middleware's: grpc_server_handled_total, grpc_server_started_total
// and grpc_server_handling_seconds). The dashboard in deploy/grafana queries
// them; a test checks it queries nothing else.
const (
	AppendSeconds       = "carecoop_eventstore_append_seconds"
	AppendConflicts     = "carecoop_eventstore_append_conflicts_total"
	ReadModelLag        = "carecoop_read_model_lag_events"
	ReadModelReady      = "carecoop_read_model_ready"
	BusHandled          = "carecoop_bus_handled_total"
	BusRedeliveries     = "carecoop_bus_redeliveries_total"
	BusDeadLetters      = "carecoop_bus_dead_letters_total"
	HTTPRequests        = "carecoop_http_requests_total"
	HTTPRequestDuration = "carecoop_http_request_duration_seconds"
)

// Outcomes of an append (the "outcome" label of AppendSeconds).
const (
	OutcomeOK       = "ok"
	OutcomeConflict = "conflict"
	OutcomeError    = "error"
)

// latencyBuckets suit calls and appends that take from a fraction of a
// millisecond (a read from memory) to seconds (a store failing over).
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Metrics is one service's registry and the series it records.
type Metrics struct {
	service  string
	reg      *prometheus.Registry
	grpc     *grpcprom.ServerMetrics
	appends  *prometheus.HistogramVec
	conflict *prometheus.CounterVec
	handled  *prometheus.CounterVec
	redeliv  *prometheus.CounterVec
	dead     *prometheus.CounterVec
	http     *prometheus.CounterVec
	httpTime *prometheus.HistogramVec
}

// New is the metrics of the named service, on a registry of its own; every
// series carries the label service=name. The Go runtime's and the
// process's own series are registered too.
func New(service string) *Metrics {
	m := &Metrics{service: service, reg: prometheus.NewRegistry()}
	r := prometheus.WrapRegistererWith(prometheus.Labels{"service": service}, m.reg)
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.grpc = grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(grpcprom.WithHistogramBuckets(latencyBuckets)))
	m.appends = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: AppendSeconds,
		Help:    "Time to append a commit to the event store, by outcome (ok, conflict, error).",
		Buckets: latencyBuckets}, []string{"outcome"})
	m.conflict = prometheus.NewCounterVec(prometheus.CounterOpts{Name: AppendConflicts,
		Help: "Appends refused because another writer changed the stream first, by aggregate (context.aggregate)."}, []string{"aggregate"})
	m.handled = prometheus.NewCounterVec(prometheus.CounterOpts{Name: BusHandled,
		Help: "Commits a bus consumer settled, by consumer and outcome (ack, retry, dead)."}, []string{"consumer", "outcome"})
	m.redeliv = prometheus.NewCounterVec(prometheus.CounterOpts{Name: BusRedeliveries,
		Help: "Commits delivered to a bus consumer again (after a failure, or a replica that died holding them)."}, []string{"consumer"})
	m.dead = prometheus.NewCounterVec(prometheus.CounterOpts{Name: BusDeadLetters,
		Help: "Commits a bus consumer gave up on and recorded as dead letters."}, []string{"consumer"})
	m.http = prometheus.NewCounterVec(prometheus.CounterOpts{Name: HTTPRequests,
		Help: "HTTP requests served (the portal), by method and status code."}, []string{"method", "code"})
	m.httpTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: HTTPRequestDuration,
		Help: "Time to answer an HTTP request (the portal), by method.", Buckets: latencyBuckets}, []string{"method"})
	// The HTTP series stay empty, so absent from a scrape, in a process
	// that serves no HTTP.
	r.MustRegister(m.grpc, m.appends, m.conflict, m.handled, m.redeliv, m.dead, m.http, m.httpTime)
	return m
}

// Service is the name the metrics were made for.
func (m *Metrics) Service() string { return m.service }

// Registry is the registry every series is on (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in Prometheus' text or OpenMetrics format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, EnableOpenMetrics: true,
		// A read model that cannot answer leaves out its own series, not the rest.
		ErrorHandling: promhttp.ContinueOnError})
}

// Register adds a collector of the service's own (read-model lag) with the
// service label.
func (m *Metrics) Register(c prometheus.Collector) error {
	return prometheus.WrapRegistererWith(prometheus.Labels{"service": m.service}, m.reg).Register(c)
}

// InitializeGRPC pre-creates the series of every method registered on s,
// so a dashboard shows zero for a method never called rather than nothing.
func (m *Metrics) InitializeGRPC(s *grpc.Server) { m.grpc.InitializeMetrics(s) }

// UnaryServerInterceptor counts and times every unary call, and puts m in
// its context; it goes first in the chain, so it counts refusals too.
func (m *Metrics) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	count := m.grpc.UnaryServerInterceptor()
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		return count(WithContext(ctx, m), req, info, handler)
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streams.
func (m *Metrics) StreamServerInterceptor() grpc.StreamServerInterceptor {
	count := m.grpc.StreamServerInterceptor()
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		return count(srv, &stream{ServerStream: ss, ctx: WithContext(ss.Context(), m)}, info, handler)
	}
}

type stream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *stream) Context() context.Context { return s.ctx }

// ObserveAppend records one append to the store of aggregate (the stream's
// context.aggregate) that took d and ended with err: a conflict when err
// is a concurrency error (isConflict), otherwise ok or error.
func (m *Metrics) ObserveAppend(aggregate string, d time.Duration, err error, isConflict bool) {
	if m == nil {
		return
	}
	outcome := OutcomeOK
	switch {
	case err != nil && isConflict:
		outcome = OutcomeConflict
		m.conflict.WithLabelValues(aggregate).Inc()
	case err != nil:
		outcome = OutcomeError
	}
	m.appends.WithLabelValues(outcome).Observe(d.Seconds())
}

// Bus outcomes of a delivered commit (the "outcome" label of BusHandled).
const (
	BusAck   = "ack"
	BusRetry = "retry"
	BusDead  = "dead"
)

// Delivered records a commit delivered to consumer for the delivered-th
// time: every delivery after the first is a redelivery.
func (m *Metrics) Delivered(consumer string, delivered uint64) {
	if m == nil || delivered <= 1 {
		return
	}
	m.redeliv.WithLabelValues(consumer).Inc()
}

// Settled records how consumer settled a commit (BusAck, BusRetry,
// BusDead); BusDead is also a dead letter.
func (m *Metrics) Settled(consumer, outcome string) {
	if m == nil {
		return
	}
	m.handled.WithLabelValues(consumer, outcome).Inc()
	if outcome == BusDead {
		m.dead.WithLabelValues(consumer).Inc()
	}
}

// InstrumentHTTP counts and times the requests h serves (the portal).
func (m *Metrics) InstrumentHTTP(h http.Handler) http.Handler {
	if m == nil {
		return h
	}
	return promhttp.InstrumentHandlerCounter(m.http, promhttp.InstrumentHandlerDuration(m.httpTime, h))
}

type ctxKey struct{}

// WithContext returns ctx carrying m.
func WithContext(ctx context.Context, m *Metrics) context.Context {
	return context.WithValue(ctx, ctxKey{}, m)
}

// FromContext is the metrics ctx carries, or nil (whose methods do nothing).
func FromContext(ctx context.Context) *Metrics {
	m, _ := ctx.Value(ctxKey{}).(*Metrics)
	return m
}

// Serve serves m's Handler on addr at Path (an empty addr serves nothing
// and returns a nil address) until ctx ends. It returns once listening,
// with the address it listens on, so a port 0 can be read back.
func Serve(ctx context.Context, addr string, m *Metrics, log *zap.Logger) (net.Addr, error) {
	if addr == "" || m == nil {
		return nil, nil
	}
	if log == nil {
		log = zap.NewNop()
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+Path, m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics: serving stopped", zap.Error(err))
		}
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Info("serving metrics", zap.String("service", m.service), zap.String("addr", "http://"+lis.Addr().String()+Path))
	return lis.Addr(), nil
}

type servicesKey struct{}

// WithServices returns ctx carrying the metrics of several services by
// name, for a host that starts them all (`carecoop dev`): each finds its
// own with ForService.
func WithServices(ctx context.Context, byName map[string]*Metrics) context.Context {
	return context.WithValue(ctx, servicesKey{}, byName)
}

// ForService is the named service's metrics in ctx (WithServices), or nil.
func ForService(ctx context.Context, name string) *Metrics {
	byName, _ := ctx.Value(servicesKey{}).(map[string]*Metrics)
	return byName[name]
}
