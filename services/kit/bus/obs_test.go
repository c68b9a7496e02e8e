package bus_test

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/metrics"
	"github.com/carecoop/carecoop/services/kit/tracing"
)

// A consumer counts, in the metrics of its context, each redelivery and
// each commit it settles; a poison event is a dead letter.
func TestObsConsumerCountsRedeliveriesAndDeadLetters(t *testing.T) {
	js, s := setup(t)
	o := sid("purchasing", "order", "o")
	for _, v := range []string{"poison", "next"} {
		appendEvents(t, s, o, eventstore.Metadata{}, str(v))
	}
	m := metrics.New("test")
	cfg := fastConfig("obs-poison")
	cfg.MaxDeliver = 3
	rec := &recorder{}
	startCtx(t, metrics.WithContext(context.Background(), m), js, cfg, func(_ context.Context, e eventstore.RecordedEvent) error {
		rec.add(e)
		if label(e) == "poison" {
			return errors.New("cannot ever handle this")
		}
		return nil
	})
	value := func(name string, labels map[string]string) float64 {
		fams, err := m.Gather()
		if err != nil {
			t.Fatal(err)
		}
		v, _ := fams.Value(name, labels)
		return v
	}
	consumer := map[string]string{"service": "test", "consumer": "obs-poison"}
	waitUntil(t, "the next event is acknowledged", func() bool {
		return value(metrics.BusHandled, map[string]string{"consumer": "obs-poison", "outcome": metrics.BusAck}) == 1
	})
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{metrics.BusRedeliveries, consumer, 2}, // the poison event's second and third deliveries
		{metrics.BusDeadLetters, consumer, 1},
		{metrics.BusHandled, map[string]string{"consumer": "obs-poison", "outcome": metrics.BusRetry}, 2},
		{metrics.BusHandled, map[string]string{"consumer": "obs-poison", "outcome": metrics.BusDead}, 1},
	} {
		if got := value(c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// The trace of an append goes on in the consumer that handles its commit:
// the handler's span is a child of the appender's, across NATS.
func TestObsConsumerContinuesTheAppendersTrace(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tracing.Use(trace.NewTracerProvider(trace.WithSpanProcessor(rec)))
	t.Cleanup(func() { tracing.Use(nil) })

	js, s := setup(t)
	ctx, span := tracing.Start(context.Background(), "award", oteltrace.SpanKindServer)
	if _, err := s.Append(ctx, sid("purchasing", "order", "traced"), eventstore.Any, eventstore.Metadata{}, str("a")); err != nil {
		t.Fatal(err)
	}
	span.End()
	if _, err := s.Append(context.Background(), sid("purchasing", "order", "untraced"), eventstore.Any, eventstore.Metadata{}, str("b")); err != nil {
		t.Fatal(err)
	}

	var seen []oteltrace.SpanContext
	got := &recorder{}
	start(t, js, fastConfig("obs-traced"), func(ctx context.Context, e eventstore.RecordedEvent) error {
		seen = append(seen, oteltrace.SpanContextFromContext(ctx)) // one handler call at a time
		got.add(e)
		return nil
	})
	waitUntil(t, "both events are handled", func() bool { return got.len() == 2 })
	if seen[0].TraceID() != span.SpanContext().TraceID() {
		t.Errorf("handler of the traced commit runs in trace %s, want the appender's %s", seen[0].TraceID(), span.SpanContext().TraceID())
	}
	if seen[1].TraceID() == span.SpanContext().TraceID() || !seen[1].IsValid() {
		t.Errorf("handler of the untraced commit: %v, want a trace of its own", seen[1])
	}
	var consumed []string
	for _, s := range rec.Ended() {
		if s.Name() == "consume obs-traced" && s.Parent().SpanID() == span.SpanContext().SpanID() {
			consumed = append(consumed, s.Name())
		}
	}
	if len(consumed) != 1 {
		t.Errorf("%d consumer spans whose parent is the appender's, want 1", len(consumed))
	}
}
