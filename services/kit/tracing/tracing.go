// Package tracing follows a request across the platform with OpenTelemetry:
// a span for every gRPC call (server and the kit's client), for every
// append to the event store and for every commit a bus consumer handles,
// joined into one trace across the NATS hop by the W3C trace context that
// an append writes into its commit's headers and a consumer reads back. A
// council's award in purchasing and the contract monitoring starts from it
// are one trace.
//
// Off unless configured (Setup with an OTLP endpoint, or Use): then
// nothing is recorded, no header is written and no handler is installed,
// so tracing costs nothing.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync/atomic"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"google.golang.org/grpc"
)

// Headers of a commit message that carry the trace context (W3C Trace
// Context, as the CloudEvents distributed tracing extension names them).
const (
	HeaderTraceParent = "traceparent"
	HeaderTraceState  = "tracestate"
)

// EnvEndpoint and EnvTracesEndpoint are the standard OpenTelemetry
// variables that turn the OTLP exporter on.
const (
	EnvEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
)

const instrumentation = "github.com/carecoop/carecoop/services/kit/tracing"

var (
	enabled    atomic.Bool
	propagator = propagation.TraceContext{}
)

// Enabled reports whether spans are recorded (Setup found an endpoint, or
// Use was called).
func Enabled() bool { return enabled.Load() }

// Use records spans with tp from now on, for the whole process: gRPC
// servers and clients made after it, appends and consumers. Tests use it
// with an in-memory recorder; Setup with the OTLP exporter. Use(nil) turns
// tracing off again.
func Use(tp trace.TracerProvider) {
	if tp == nil {
		enabled.Store(false)
		otel.SetTracerProvider(noop.NewTracerProvider())
		return
	}
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagator)
	enabled.Store(true)
}

// Setup exports spans over OTLP/gRPC when an endpoint is configured: the
// endpoint argument (a URL such as http://collector:4317) or else the
// standard OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, whose companions (headers,
// certificates, OTEL_EXPORTER_OTLP_INSECURE) apply as usual. Without one
// tracing stays off. shutdown flushes the spans not yet sent.
func Setup(ctx context.Context, service, endpoint string) (shutdown func(context.Context) error, err error) {
	noShutdown := func(context.Context) error { return nil }
	if endpoint == "" && os.Getenv(EnvEndpoint) == "" && os.Getenv(EnvTracesEndpoint) == "" {
		return noShutdown, nil
	}
	var opts []otlptracegrpc.Option
	if endpoint != "" {
		opts = append(opts, otlptracegrpc.WithEndpointURL(endpoint))
	}
	exp, err := otlptracegrpc.New(ctx, opts...)
	if err != nil {
		return noShutdown, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, if set, win.
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(attribute.String("service.name", service)))
	if err == nil {
		res, err = resource.Merge(res, resource.Environment())
	}
	if err != nil {
		res = resource.Default()
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	Use(tp)
	return func(ctx context.Context) error {
		Use(nil)
		return tp.Shutdown(ctx)
	}, nil
}

// ServerOptions trace every call a gRPC server serves, when enabled.
func ServerOptions() []grpc.ServerOption {
	if !Enabled() {
		return nil
	}
	return []grpc.ServerOption{grpc.StatsHandler(otelgrpc.NewServerHandler())}
}

// DialOptions trace every call a gRPC client makes, when enabled, and send
// the trace context with it.
func DialOptions() []grpc.DialOption {
	if !Enabled() {
		return nil
	}
	return []grpc.DialOption{grpc.WithStatsHandler(otelgrpc.NewClientHandler())}
}

// Start begins a span named name as a child of ctx's (a span that records
// nothing when tracing is off). End it with End.
func Start(ctx context.Context, name string, kind trace.SpanKind, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	if !Enabled() {
		return ctx, trace.SpanFromContext(ctx)
	}
	return otel.Tracer(instrumentation).Start(ctx, name, trace.WithSpanKind(kind), trace.WithAttributes(attrs...))
}

// End ends a span begun by Start, marking it failed if err is not nil.
// When tracing is off it does nothing (the span is not Start's own).
func End(span trace.Span, err error) {
	if !Enabled() {
		return
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// Inject writes ctx's trace context into a message's headers (a NATS
// header is a map of lowercase names here): nothing when tracing is off or
// ctx has no span.
func Inject(ctx context.Context, h map[string][]string) {
	if !Enabled() || h == nil {
		return
	}
	propagator.Inject(ctx, carrier(h))
}

// Extract is ctx with the trace context of a message's headers as its
// remote parent (ctx unchanged when tracing is off or there is none).
func Extract(ctx context.Context, h map[string][]string) context.Context {
	if !Enabled() || len(h) == 0 {
		return ctx
	}
	return propagator.Extract(ctx, carrier(h))
}

// carrier reads and writes the header names as they are (NATS headers are
// case-sensitive; http.Header would capitalise them).
type carrier map[string][]string

func (c carrier) Get(key string) string {
	if v := c[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (c carrier) Set(key, value string) { c[key] = []string{value} }

func (c carrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// HTTPHandler traces every request h serves (the portal), continuing a
// trace the request carries, when enabled; h itself otherwise. The gRPC
// calls a page makes are children of its span.
func HTTPHandler(h http.Handler, name string) http.Handler {
	if !Enabled() {
		return h
	}
	return otelhttp.NewHandler(h, name, otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
		return name + " " + r.Method // the path holds ids: not a span name
	}))
}
