package bus_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

const waitLimit = 10 * time.Second

func setup(t *testing.T) (natsjs.JetStream, *jetstream.Store) {
	t.Helper()
	return natstest.Store(t)
}

// fastConfig keeps redeliveries quick.
func fastConfig(durable string) bus.Config {
	return bus.Config{
		Durable:        durable,
		FilterSubjects: []string{eventstore.ContextFilter("purchasing")},
		AckWait:        time.Second,
		MaxDeliver:     5,
		Backoff:        []time.Duration{20 * time.Millisecond},
	}
}

func sid(ctxName, agg, id string) eventstore.StreamID {
	return eventstore.StreamID{Context: ctxName, Aggregate: agg, ID: id}
}

func appendEvents(t *testing.T, s eventstore.Store, stream eventstore.StreamID, meta eventstore.Metadata, events ...proto.Message) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(context.Background(), stream, eventstore.Any, meta, events...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func str(v string) proto.Message { return wrapperspb.String(v) }

// label names an event for assertions: its string value, or its int value.
func label(e eventstore.RecordedEvent) string {
	switch m := e.Event.(type) {
	case *wrapperspb.StringValue:
		return m.GetValue()
	case *wrapperspb.Int64Value:
		return fmt.Sprint(m.GetValue())
	}
	return e.Type
}

// recorder collects what a handler saw.
type recorder struct {
	mu  sync.Mutex
	got []eventstore.RecordedEvent
}

func (r *recorder) add(e eventstore.RecordedEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, e)
}

func (r *recorder) events() []eventstore.RecordedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

func (r *recorder) labels() []string {
	var out []string
	for _, e := range r.events() {
		out = append(out, label(e))
	}
	return out
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

// running is one Consume call in the background.
type running struct {
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, js natsjs.JetStream, cfg bus.Config, h bus.Handler) *running {
	t.Helper()
	return startCtx(t, context.Background(), js, cfg, h)
}

// startCtx runs Consume until parent ends or stop is called.
func startCtx(t *testing.T, parent context.Context, js natsjs.JetStream, cfg bus.Config, h bus.Handler) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(parent)
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- bus.Consume(ctx, js, cfg, h) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop ends Consume and returns its error (nil if it had already been collected).
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err, ok := <-r.done:
		if ok {
			close(r.done)
		}
		return err
	case <-time.After(waitLimit):
		t.Fatal("Consume did not return after its context ended")
		return nil
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestDeliversEventsOfEachCommitInOrder(t *testing.T) {
	js, s := setup(t)
	a, b := sid("purchasing", "order", "a"), sid("purchasing", "order", "b")
	appendEvents(t, s, a, eventstore.Metadata{}, str("a1"))
	appendEvents(t, s, b, eventstore.Metadata{}, str("b1"), str("b2")) // one commit, two events
	appendEvents(t, s, sid("demand", "need", "n"), eventstore.Metadata{}, str("not followed"))
	appendEvents(t, s, a, eventstore.Metadata{}, str("a2"))

	rec := &recorder{}
	r := start(t, js, fastConfig("in-order"), func(_ context.Context, e eventstore.RecordedEvent) error {
		rec.add(e)
		return nil
	})
	waitUntil(t, "history is delivered", func() bool { return rec.len() >= 4 })
	appendEvents(t, s, b, eventstore.Metadata{}, str("b3")) // a commit after Consume started
	waitUntil(t, "a new commit is delivered", func() bool { return rec.len() >= 5 })

	if got, want := rec.labels(), []string{"a1", "b1", "b2", "a2", "b3"}; !slices.Equal(got, want) {
		t.Fatalf("handled %v, want %v", got, want)
	}
	got := rec.events()
	for i := 1; i < len(got); i++ {
		if got[i].Position < got[i-1].Position {
			t.Fatalf("event %d at position %d follows position %d", i, got[i].Position, got[i-1].Position)
		}
	}
	if got[1].Position != got[2].Position || got[1].Index != 0 || got[2].Index != 1 || got[2].CommitSize != 2 {
		t.Fatalf("the two-event commit came as %+v and %+v", got[1], got[2])
	}
	if got[3].StreamID != a || got[3].Version != 2 || got[3].EventID == "" {
		t.Fatalf("a2 came as %+v, want version 2 of %s with an event id", got[3], a)
	}
	if err := r.stop(t); !errors.Is(err, context.Canceled) {
		t.Fatalf("Consume returned %v after cancel, want context.Canceled", err)
	}
}

func TestFailedHandlerSeesTheEventAgainBeforeLaterOnes(t *testing.T) {
	js, s := setup(t)
	o := sid("purchasing", "order", "o")
	for _, v := range []string{"a", "b", "c"} {
		appendEvents(t, s, o, eventstore.Metadata{}, str(v))
	}
	rec := &recorder{}
	failed := false
	start(t, js, fastConfig("retry"), func(_ context.Context, e eventstore.RecordedEvent) error {
		rec.add(e)
		if label(e) == "b" && !failed {
			failed = true
			return errors.New("downstream not ready")
		}
		return nil
	})
	waitUntil(t, "every event is handled", func() bool { return rec.len() >= 4 })
	time.Sleep(50 * time.Millisecond) // nothing more may come
	if got, want := rec.labels(), []string{"a", "b", "b", "c"}; !slices.Equal(got, want) {
		t.Fatalf("handled %v, want %v (b again, and before c)", got, want)
	}
}

func TestPoisonEventIsTerminatedAfterMaxDeliver(t *testing.T) {
	js, s := setup(t)
	o := sid("purchasing", "order", "o")
	for _, v := range []string{"poison", "next"} {
		appendEvents(t, s, o, eventstore.Metadata{}, str(v))
	}
	core, logs := observer.New(zapcore.WarnLevel)
	cfg := fastConfig("poison")
	cfg.MaxDeliver = 3
	cfg.Logger = zap.New(core)
	rec := &recorder{}
	start(t, js, cfg, func(_ context.Context, e eventstore.RecordedEvent) error {
		rec.add(e)
		if label(e) == "poison" {
			return errors.New("cannot ever handle this")
		}
		return nil
	})
	waitUntil(t, "the consumer moves past the poison event", func() bool { return rec.len() >= 4 })
	time.Sleep(50 * time.Millisecond)
	if got, want := rec.labels(), []string{"poison", "poison", "poison", "next"}; !slices.Equal(got, want) {
		t.Fatalf("handled %v, want %v", got, want)
	}
	if n := logs.FilterLevelExact(zapcore.ErrorLevel).FilterMessageSnippet("giving up").Len(); n != 1 {
		t.Fatalf("%d error logs about giving up, want 1; logs: %v", n, logs.All())
	}
	if n := logs.FilterLevelExact(zapcore.WarnLevel).FilterMessageSnippet("will retry").Len(); n != 2 {
		t.Fatalf("%d retry warnings, want 2", n)
	}
}

func TestRestartedConsumerResumesAfterLastAckedEvent(t *testing.T) {
	js, s := setup(t)
	o := sid("purchasing", "order", "o")
	var all []string
	for i := range 6 {
		v := fmt.Sprintf("e%d", i+1)
		all = append(all, v)
		appendEvents(t, s, o, eventstore.Metadata{}, str(v))
	}
	cfg := fastConfig("resume")
	cfg.AckWait = 150 * time.Millisecond // a message fetched but not handled returns after this

	first := &recorder{}
	ctx1, stop1 := context.WithCancel(context.Background())
	r1 := startCtx(t, ctx1, js, cfg, func(_ context.Context, e eventstore.RecordedEvent) error {
		first.add(e)
		if first.len() == 3 {
			stop1() // the service shuts down while handling e3, which succeeds
		}
		return nil
	})
	<-ctx1.Done()
	if err := r1.stop(t); !errors.Is(err, context.Canceled) {
		t.Fatalf("Consume returned %v, want context.Canceled", err)
	}
	all = append(all, "e7")
	appendEvents(t, s, o, eventstore.Metadata{}, str("e7"))

	second := &recorder{}
	start(t, js, cfg, func(_ context.Context, e eventstore.RecordedEvent) error {
		second.add(e)
		return nil
	})
	waitUntil(t, "the restarted consumer catches up", func() bool { return first.len()+second.len() >= len(all) })
	time.Sleep(2 * cfg.AckWait) // no acked event may come back, even after AckWait
	if got, want := first.labels(), all[:3]; !slices.Equal(got, want) {
		t.Fatalf("first run handled %v, want %v", got, want)
	}
	if got, want := second.labels(), all[3:]; !slices.Equal(got, want) {
		t.Fatalf("restarted run handled %v, want %v (nothing acked again)", got, want)
	}
}

func TestTypesFilterSkipsOtherTypes(t *testing.T) {
	js, s := setup(t)
	o := sid("purchasing", "order", "o")
	appendEvents(t, s, o, eventstore.Metadata{}, str("skipped"))
	appendEvents(t, s, o, eventstore.Metadata{}, wrapperspb.Int64(1))
	appendEvents(t, s, o, eventstore.Metadata{}, str("skipped too"), wrapperspb.Int64(2)) // mixed commit
	appendEvents(t, s, o, eventstore.Metadata{}, str("skipped three"))
	last := appendEvents(t, s, o, eventstore.Metadata{}, wrapperspb.Int64(3))

	cfg := fastConfig("types")
	cfg.Types = []string{"google.protobuf.Int64Value"}
	rec := &recorder{}
	start(t, js, cfg, func(_ context.Context, e eventstore.RecordedEvent) error {
		rec.add(e)
		return nil
	})
	waitUntil(t, "the selected events are handled", func() bool { return rec.len() >= 3 })
	if got, want := rec.labels(), []string{"1", "2", "3"}; !slices.Equal(got, want) {
		t.Fatalf("handled %v, want %v", got, want)
	}
	// Skipped commits are acknowledged too: nothing is left pending.
	waitUntil(t, "every commit is acknowledged", func() bool {
		cons, err := js.Consumer(context.Background(), jetstream.DefaultStreamName, "types")
		if err != nil {
			t.Fatal(err)
		}
		ci, err := cons.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return ci.AckFloor.Stream == last.Position && ci.NumAckPending == 0 && ci.NumPending == 0
	})
}

func TestSlowHandlerIsNotRedeliveredWhileItRuns(t *testing.T) {
	js, s := setup(t)
	o := sid("purchasing", "order", "o")
	appendEvents(t, s, o, eventstore.Metadata{}, str("slow"))
	appendEvents(t, s, o, eventstore.Metadata{}, str("after"))
	cfg := fastConfig("slow")
	// The handler outlives two AckWaits. Progress acks go every AckWait/3,
	// so a second of scheduling delay is tolerated before the server would
	// redeliver: a 100 ms AckWait was redelivered on a loaded CI machine.
	cfg.AckWait = 1500 * time.Millisecond
	rec := &recorder{}
	start(t, js, cfg, func(_ context.Context, e eventstore.RecordedEvent) error {
		rec.add(e)
		if label(e) == "slow" {
			time.Sleep(2 * cfg.AckWait)
		}
		return nil
	})
	waitUntil(t, "both events are handled", func() bool { return rec.len() >= 2 })
	time.Sleep(cfg.AckWait)
	if got, want := rec.labels(), []string{"slow", "after"}; !slices.Equal(got, want) {
		t.Fatalf("handled %v, want %v", got, want)
	}
}

func TestConfigIsChecked(t *testing.T) {
	js, _ := setup(t)
	h := func(context.Context, eventstore.RecordedEvent) error { return nil }
	for name, cfg := range map[string]bus.Config{
		"no durable":    {},
		"dotted name":   {Durable: "a.b"},
		"bad type name": {Durable: "x", Types: []string{"not a name"}},
		"negative wait": {Durable: "x", AckWait: -time.Second},
		"no stream":     {Durable: "x", Stream: "NO_SUCH_STREAM"},
	} {
		if err := bus.Consume(context.Background(), js, cfg, h); err == nil {
			t.Errorf("%s: Consume accepted %+v", name, cfg)
		}
	}
	if err := bus.Consume(context.Background(), js, bus.Config{Durable: "x"}, nil); err == nil {
		t.Error("Consume accepted a nil handler")
	}
}

func TestRequestIDAndReactionMeta(t *testing.T) {
	e := eventstore.RecordedEvent{EventID: "ev-1", CorrelationID: "corr-1"}
	actor := eventstore.Actor{Subject: "system:demand", Organisation: "platform", Role: "system"}
	m := bus.ReactionMeta("demand-tally", e, actor)
	if m.RequestID != bus.RequestID("demand-tally", "ev-1") || m.CausationID != "ev-1" || m.CorrelationID != "corr-1" || m.Actor != actor {
		t.Fatalf("ReactionMeta = %+v", m)
	}
	if bus.RequestID("a", "ev-1") == bus.RequestID("b", "ev-1") || bus.RequestID("a", "ev-1") == bus.RequestID("a", "ev-2") {
		t.Fatal("request ids of different reactions or events collide")
	}
	if m := bus.ReactionMeta("d", eventstore.RecordedEvent{EventID: "root"}, actor); m.CorrelationID != "root" {
		t.Fatalf("an uncorrelated event should start a correlation with its own id, got %q", m.CorrelationID)
	}
}

// tally is a reacting aggregate that is NOT idempotent by state: every
// command appends an event, so only request-id idempotency can keep a
// redelivered event from counting twice.
var tally = aggregate.Evolver[[]string]{
	Initial: func() []string { return nil },
	Evolve: func(s []string, e proto.Message) []string {
		return append(s, e.(*wrapperspb.StringValue).GetValue())
	},
}

func TestEventsConsumedTwiceChangeNothing(t *testing.T) {
	js, s := setup(t)
	o := sid("purchasing", "order", "o")
	appendEvents(t, s, o, eventstore.Metadata{CorrelationID: "corr-1"}, str("x1"))
	appendEvents(t, s, o, eventstore.Metadata{}, str("x2"))
	appendEvents(t, s, o, eventstore.Metadata{}, str("x3"))
	source, err := s.ReadStream(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}

	repo := aggregate.New(s, tally)
	target := sid("demand", "tally", "t1")
	actor := eventstore.Actor{Subject: "system:demand", Role: "system"}
	const durable = "demand-tally"

	type outcome struct {
		event     string
		duplicate bool
	}
	var mu sync.Mutex
	var outcomes []outcome
	failedAfterCommit := false
	react := func(ctx context.Context, e eventstore.RecordedEvent) error {
		v := label(e)
		res, err := repo.Handle(ctx, aggregate.Command[[]string]{
			Stream: target,
			Meta:   bus.ReactionMeta(durable, e, actor),
			Decide: func([]string) ([]proto.Message, error) { return []proto.Message{str("saw " + v)}, nil },
		})
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		outcomes = append(outcomes, outcome{v, res.Duplicate})
		if v == "x2" && !failedAfterCommit {
			// The reaction is committed but the ack never happens (a crash,
			// a lost connection): the event comes again.
			failedAfterCommit = true
			return errors.New("crashed after committing the reaction")
		}
		return nil
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(outcomes)
	}

	r := start(t, js, fastConfig(durable), react)
	waitUntil(t, "the first run handles every event", func() bool { return count() >= 4 })
	r.stop(t)
	want := []outcome{{"x1", false}, {"x2", false}, {"x2", true}, {"x3", false}}
	if !slices.Equal(outcomes, want) {
		t.Fatalf("first run: %v, want %v (the redelivered x2 found its reaction)", outcomes, want)
	}
	reactions, err := s.ReadStream(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if len(reactions) != 3 {
		t.Fatalf("%d reactions stored, want 3", len(reactions))
	}
	for i, re := range reactions {
		src := source[i]
		wantCorr := src.CorrelationID
		if wantCorr == "" {
			wantCorr = src.EventID
		}
		if re.CausationID != src.EventID || re.CorrelationID != wantCorr || re.RequestID != bus.RequestID(durable, src.EventID) || re.Actor != actor {
			t.Fatalf("reaction %d carries %+v; caused by %s", i, re, src.EventID)
		}
	}
	lastBefore, err := s.LastPosition(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	// Deliver everything again: the consumer is recreated from scratch
	// under the same name (the reaction's identity).
	if err := js.DeleteConsumer(context.Background(), jetstream.DefaultStreamName, durable); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	outcomes = nil
	mu.Unlock()
	start(t, js, fastConfig(durable), react)
	waitUntil(t, "the second run handles every event", func() bool { return count() >= 3 })
	want = []outcome{{"x1", true}, {"x2", true}, {"x3", true}}
	mu.Lock()
	got := slices.Clone(outcomes)
	mu.Unlock()
	if !slices.Equal(got, want) {
		t.Fatalf("second run: %v, want %v", got, want)
	}
	lastAfter, err := s.LastPosition(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.ReadStream(context.Background(), target)
	if err != nil {
		t.Fatal(err)
	}
	if lastAfter != lastBefore || len(again) != len(reactions) {
		t.Fatalf("consuming again changed the store: last position %d → %d, reactions %d → %d", lastBefore, lastAfter, len(reactions), len(again))
	}
}

// BenchmarkConsume measures consumers catching up on b.N one-event commits:
// bus.Consume (strict order: one message in flight, a confirmed ack each,
// decoding) against a raw JetStream durable consumer with default settings
// (up to 1000 in flight, fire-and-forget acks, no decoding).
func BenchmarkConsume(b *testing.B) {
	setup := func(b *testing.B) natsjs.JetStream {
		nc, _ := natstest.JetStream(b)
		js, err := natsjs.New(nc)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := jetstream.New(context.Background(), js); err != nil {
			b.Fatal(err)
		}
		for i := range b.N {
			msg, err := jetstream.CommitMsg(sid("purchasing", "order", fmt.Sprint(i)), 0, eventstore.Metadata{}, str("x"))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := js.PublishMsgAsync(msg); err != nil {
				b.Fatal(err)
			}
		}
		<-js.PublishAsyncComplete()
		return js
	}
	b.Run("bus", func(b *testing.B) {
		js := setup(b)
		b.ResetTimer()
		ctx, cancel := context.WithCancel(context.Background())
		n := 0
		err := bus.Consume(ctx, js, bus.Config{Durable: "bench"}, func(context.Context, eventstore.RecordedEvent) error {
			if n++; n == b.N {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("raw-jetstream", func(b *testing.B) {
		js := setup(b)
		b.ResetTimer()
		cons, err := js.CreateOrUpdateConsumer(context.Background(), jetstream.DefaultStreamName, natsjs.ConsumerConfig{
			Durable: "bench", AckPolicy: natsjs.AckExplicitPolicy,
		})
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan struct{})
		n := 0
		cc, err := cons.Consume(func(msg natsjs.Msg) {
			_ = msg.Ack()
			if n++; n == b.N {
				close(done)
			}
		})
		if err != nil {
			b.Fatal(err)
		}
		<-done
		cc.Stop()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
