package server_test

import (
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc/codes"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	framework "github.com/carecoop/carecoop/services/framework/server"
	"github.com/carecoop/carecoop/services/kit/metrics"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/kit/tracing"
	"github.com/carecoop/carecoop/services/monitoring/app"
	"github.com/carecoop/carecoop/services/monitoring/server"
	purchasing "github.com/carecoop/carecoop/services/purchasing/server"
)

// obsHarness is newHarness with each service's metrics on (nil: off).
func obsHarness(t *testing.T, pm, mm *metrics.Metrics) *harness {
	t.Helper()
	env := servicetest.New(t, start)
	h := &harness{Env: env, t: t, pclient: map[string]purchasingv1.PurchasingServiceClient{}, fclient: map[string]frameworkv1.FrameworkServiceClient{}}
	p, err := purchasing.Start(h.Ctx, purchasing.Config{Addr: "127.0.0.1:0", Store: env.Store, Verifier: env.Verifier, Clock: env.Clock.Now, Metrics: pm})
	if err != nil {
		t.Fatalf("purchasing: %v", err)
	}
	t.Cleanup(p.Stop)
	f, err := framework.Start(h.Ctx, framework.Config{Addr: "127.0.0.1:0", Store: env.Store, Verifier: env.Verifier, Clock: env.Clock.Now})
	if err != nil {
		t.Fatalf("framework: %v", err)
	}
	t.Cleanup(f.Stop)
	h.purchasing, h.framework = p, f
	m, err := server.Start(h.Ctx, server.Config{Addr: "127.0.0.1:0", Store: env.Store, Verifier: env.Verifier, Clock: env.Clock.Now, Metrics: mm}, app.WithSweepEvery(0))
	if err != nil {
		t.Fatalf("monitoring: %v", err)
	}
	h.monitoring, h.mclient = m, map[string]monitoringv1.MonitoringServiceClient{}
	t.Cleanup(m.Stop)
	return h
}

// scrape GETs a metrics port over HTTP, as Prometheus does.
func (h *harness) scrape(m *metrics.Metrics) metrics.Families {
	h.t.Helper()
	addr, err := metrics.Serve(h.Ctx, "127.0.0.1:0", m, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	res, err := http.Get("http://" + addr.String() + metrics.Path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		h.t.Fatalf("GET %s: %s", metrics.Path, res.Status)
	}
	fams, err := metrics.Parse(res.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return fams
}

type series struct {
	name    string
	labels  map[string]string
	want    float64 // -1: present, any value
	atLeast bool
}

func (h *harness) wantSeries(fams metrics.Families, want []series) {
	h.t.Helper()
	for _, s := range want {
		got, ok := fams.Value(s.name, s.labels)
		switch {
		case !ok:
			h.t.Errorf("no series %s%v; families: %v", s.name, s.labels, fams.Names())
		case s.want < 0:
		case s.atLeast && got < s.want, !s.atLeast && got != s.want:
			h.t.Errorf("%s%v = %v, want %v", s.name, s.labels, got, s.want)
		}
	}
}

// After real calls — an award, a refused one, a malformed one — each
// service's metrics port shows what the dashboard charts: calls by method
// and code with their latency, appends, read-model lag and the reaction
// that made the provider's contract.
func TestObsMetricsAfterAnAward(t *testing.T) {
	pm, mm := metrics.New("purchasing"), metrics.New("monitoring")
	h := obsHarness(t, pm, mm)
	dps := h.market()
	h.place(dps, "352", "obs-award", provA, "SC100001")

	award := &purchasingv1.AwardPlacementRequest{RequestId: "award-again", ReferralId: "ref-x", OfferId: "offer-x", Reason: "Nearest suitable home"}
	_, err := h.presponder(provA).AwardPlacement(h.Ctx, award) // a provider may not award
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.pcouncil("352").AwardPlacement(h.Ctx, &purchasingv1.AwardPlacementRequest{})
	servicetest.WantCode(t, err, codes.InvalidArgument)

	method := func(code string) map[string]string {
		return map[string]string{"service": "purchasing", "grpc_service": "carecoop.purchasing.v1.PurchasingService", "grpc_method": "AwardPlacement", "grpc_code": code}
	}
	h.wantSeries(h.scrape(pm), []series{
		{"grpc_server_handled_total", method("OK"), 1, false},
		{"grpc_server_handled_total", method("PermissionDenied"), 1, false},
		{"grpc_server_handled_total", method("InvalidArgument"), 1, false},
		{"grpc_server_handled_total", method("Unavailable"), 0, false}, // pre-created: a dashboard shows 0, not nothing
		{"grpc_server_handling_seconds", map[string]string{"service": "purchasing", "grpc_method": "AwardPlacement"}, 3, false},
		{metrics.AppendSeconds, map[string]string{"service": "purchasing", "outcome": metrics.OutcomeOK}, 10, true},
		{metrics.ReadModelLag, map[string]string{"service": "purchasing"}, -1, false},
		{metrics.ReadModelReady, map[string]string{"service": "purchasing"}, -1, false},
	})
	// Nothing of purchasing's reaches monitoring's port, nor the reverse.
	if _, ok := h.scrape(mm).Value("grpc_server_handled_total", map[string]string{"grpc_method": "AwardPlacement"}); ok {
		t.Error("monitoring's port shows purchasing's AwardPlacement")
	}

	h.wantSeries(h.scrape(mm), []series{
		{metrics.BusHandled, map[string]string{"service": "monitoring", "consumer": "monitoring-contracts", "outcome": metrics.BusAck}, 1, true},
		{metrics.AppendSeconds, map[string]string{"service": "monitoring", "outcome": metrics.OutcomeOK}, 1, true},
		{metrics.ReadModelReady, map[string]string{"service": "monitoring", "read_model": "monitoring"}, 1, false},
	})
	h.eventually("monitoring's read model has no lag", func() bool {
		lag, ok := h.scrape(mm).Value(metrics.ReadModelLag, map[string]string{"service": "monitoring", "read_model": "monitoring"})
		return ok && lag == 0
	})
}

// One trace runs from a council's award in purchasing, across NATS, to the
// provider's contract started by monitoring's reaction.
func TestObsOneTraceFromAwardToContract(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tracing.Use(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { tracing.Use(nil) })
	h := obsHarness(t, nil, nil)
	dps := h.market()
	contract := h.place(dps, "352", "obs-trace", provA, "SC100001")

	var spans []sdktrace.ReadOnlySpan
	var started sdktrace.ReadOnlySpan
	h.eventually("the contract's append span has ended", func() bool {
		spans = rec.Ended()
		for _, s := range spans {
			if s.Name() == "append monitoring.contract" && hasAttr(s, "carecoop.stream", "monitoring.contract."+contract) {
				started = s
				return true
			}
		}
		return false
	})
	byID := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byID[s.SpanContext().SpanID()] = s
	}
	// The contract's ancestry, from its append back to the trace's root.
	var path []string
	for s := started; s != nil; s = byID[s.Parent().SpanID()] {
		path = append(path, s.Name())
		if s.SpanContext().TraceID() != started.SpanContext().TraceID() {
			t.Fatalf("span %q is in another trace", s.Name())
		}
	}
	chain := strings.Join(path, " <- ")
	t.Logf("the contract's trace: %s", chain)
	for _, want := range []string{"append monitoring.contract", "consume monitoring-contracts", "append purchasing.referral",
		"carecoop.purchasing.v1.PurchasingService/AwardPlacement"} {
		if !strings.Contains(chain, want) {
			t.Errorf("the contract's trace %q has no span %q", chain, want)
		}
	}
	var server bool
	for _, s := range spans {
		if s.Name() == "carecoop.purchasing.v1.PurchasingService/AwardPlacement" && s.SpanKind() == trace.SpanKindServer &&
			s.SpanContext().TraceID() == started.SpanContext().TraceID() {
			server = true
		}
	}
	if !server {
		t.Errorf("no AwardPlacement server span in the contract's trace %q", chain)
	}
}

func hasAttr(s sdktrace.ReadOnlySpan, key, value string) bool {
	for _, kv := range s.Attributes() {
		if kv.Key == attribute.Key(key) && kv.Value.AsString() == value {
			return true
		}
	}
	return false
}
