package tracing_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"

	"github.com/carecoop/carecoop/services/kit/tracing"
)

// receiver is an OTLP/gRPC trace collector in the test process: what it
// is sent, it keeps.
type receiver struct {
	collectortrace.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans map[string]string // span name → service.name of its resource
}

func (r *receiver) Export(_ context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		service := ""
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				r.spans[s.GetName()] = service
			}
		}
	}
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

// With no endpoint configured, tracing is off; with one, spans go there
// over OTLP, named by the service.
func TestObsSetupExportsOverOTLPOnlyWhenConfigured(t *testing.T) {
	t.Setenv(tracing.EnvEndpoint, "")
	t.Setenv(tracing.EnvTracesEndpoint, "")
	shutdown, err := tracing.Setup(context.Background(), "framework", "")
	if err != nil || tracing.Enabled() {
		t.Fatalf("Setup without an endpoint: enabled %v, %v; want off", tracing.Enabled(), err)
	}
	_ = shutdown(context.Background())

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := &receiver{spans: map[string]string{}}
	g := grpc.NewServer()
	collectortrace.RegisterTraceServiceServer(g, rec)
	go func() { _ = g.Serve(lis) }()
	t.Cleanup(g.Stop)

	t.Setenv(tracing.EnvEndpoint, "http://"+lis.Addr().String()) // http: plaintext, as OTLP's variables say
	shutdown, err = tracing.Setup(context.Background(), "framework", "")
	if err != nil || !tracing.Enabled() {
		t.Fatalf("Setup with %s set: enabled %v, %v", tracing.EnvEndpoint, tracing.Enabled(), err)
	}
	_, span := tracing.Start(context.Background(), "append framework.framework", trace.SpanKindProducer)
	tracing.End(span, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := shutdown(ctx); err != nil { // flushes
		t.Fatal(err)
	}
	if tracing.Enabled() {
		t.Error("tracing still on after shutdown")
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if got := rec.spans["append framework.framework"]; got != "framework" {
		t.Errorf("the collector got %v, want the append span from service framework", rec.spans)
	}
}

// Inject and Extract carry a span's context through a message's headers.
func TestObsHeadersCarryTheTrace(t *testing.T) {
	tracing.Use(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder())))
	t.Cleanup(func() { tracing.Use(nil) })
	ctx, span := tracing.Start(context.Background(), "award", trace.SpanKindServer)
	defer span.End()
	h := map[string][]string{}
	tracing.Inject(ctx, h)
	if len(h[tracing.HeaderTraceParent]) != 1 {
		t.Fatalf("headers %v: no %s", h, tracing.HeaderTraceParent)
	}
	got := trace.SpanContextFromContext(tracing.Extract(context.Background(), h))
	if got.TraceID() != span.SpanContext().TraceID() || got.SpanID() != span.SpanContext().SpanID() || !got.IsRemote() {
		t.Errorf("extracted %v, want the remote parent %v", got, span.SpanContext())
	}
}

// Off, tracing writes no header and costs a few nanoseconds per append or
// delivery (BenchmarkObsOff).
func TestObsOffWritesNothing(t *testing.T) {
	tracing.Use(nil)
	h := map[string][]string{}
	ctx, span := tracing.Start(context.Background(), "x", trace.SpanKindInternal)
	tracing.Inject(ctx, h)
	tracing.End(span, nil)
	if len(h) != 0 || span.SpanContext().IsValid() {
		t.Errorf("tracing off: headers %v, span %v; want none", h, span.SpanContext())
	}
}

// What an append and a delivery pay for tracing when it is off: Start,
// Inject, Extract and End.
func BenchmarkObsOff(b *testing.B) {
	tracing.Use(nil)
	h := map[string][]string{}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		c, span := tracing.Start(ctx, "append", trace.SpanKindProducer)
		tracing.Inject(c, h)
		c = tracing.Extract(c, h)
		tracing.End(span, nil)
		_ = c
	}
}

// The same, on, with spans recorded in memory (for comparison).
func BenchmarkObsOn(b *testing.B) {
	tracing.Use(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(tracetest.NewNoopExporter()))))
	b.Cleanup(func() { tracing.Use(nil) })
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		h := map[string][]string{}
		c, span := tracing.Start(ctx, "append", trace.SpanKindProducer)
		tracing.Inject(c, h)
		c = tracing.Extract(c, h)
		tracing.End(span, nil)
		_ = c
	}
}

// The portal's handler continues the trace a request carries, and the
// page's own work is its child.
func TestObsHTTPHandlerContinuesTheRequestsTrace(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tracing.Use(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { tracing.Use(nil) })
	var inner trace.SpanContext
	h := tracing.HTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inner = trace.SpanContextFromContext(r.Context())
	}), "portal")
	ctx, caller := tracing.Start(context.Background(), "browser", trace.SpanKindClient)
	req := httptest.NewRequest("GET", "/referrals/ref-1", nil)
	hdr := map[string][]string{}
	tracing.Inject(ctx, hdr)
	req.Header.Set("traceparent", hdr[tracing.HeaderTraceParent][0])
	h.ServeHTTP(httptest.NewRecorder(), req)
	caller.End()
	if inner.TraceID() != caller.SpanContext().TraceID() {
		t.Fatalf("the page ran in trace %s, want the request's %s", inner.TraceID(), caller.SpanContext().TraceID())
	}
	var names []string
	for _, s := range rec.Ended() {
		names = append(names, s.Name())
	}
	if !slices.Contains(names, "portal GET") {
		t.Errorf("spans %v, want one named \"portal GET\"", names)
	}
}
