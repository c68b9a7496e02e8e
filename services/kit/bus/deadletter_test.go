package bus_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
)

// letters lists durable's dead letters, failing the test on an error.
func letters(t *testing.T, js natsjs.JetStream, durable string) []bus.DeadLetter {
	t.Helper()
	ls, err := bus.ListDeadLetters(context.Background(), js, durable)
	if err != nil {
		t.Fatal(err)
	}
	return ls
}

// follow runs bus.Follow until the test ends.
func follow(t *testing.T, store eventstore.Store, cfg bus.Config, h bus.Handler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		bus.Follow(ctx, store, cfg, h)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(waitLimit):
				t.Error("Follow did not return after its context ended")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// poisonOnce appends a poison event and a next one, and runs Follow with a
// handler that fails on the poison while broken says so, until the letter is
// recorded and next handled. It returns the poison's position.
func poisonOnce(t *testing.T, js natsjs.JetStream, s *jetstream.Store, cfg bus.Config, broken func() bool, rec *recorder) uint64 {
	t.Helper()
	o := sid("purchasing", "provider", "p1")
	poison := appendEvents(t, s, o, eventstore.Metadata{}, str("poison"))
	appendEvents(t, s, o, eventstore.Metadata{}, str("next"))
	stop := follow(t, s, cfg, func(_ context.Context, e eventstore.RecordedEvent) error {
		rec.add(e)
		if label(e) == "poison" && broken() {
			return fmt.Errorf("provider %s unknown", e.StreamID.ID)
		}
		return nil
	})
	waitUntil(t, "the consumer moves past the poison event", func() bool { return slices.Contains(rec.labels(), "next") })
	stop()
	return poison.Position
}

// A handler that keeps failing: after MaxDeliver the event's letter is in
// the bucket — the consumer, the position, the event and the error — and
// the consumer has moved on to the next event.
func TestGivenUpEventIsRecordedAsADeadLetter(t *testing.T) {
	js, s := setup(t)
	o := sid("purchasing", "provider", "p1")
	poison := appendEvents(t, s, o, eventstore.Metadata{}, str("poison"))
	appendEvents(t, s, o, eventstore.Metadata{}, str("next"))
	core, logs := observer.New(zapcore.WarnLevel)
	cfg := fastConfig("dead")
	cfg.MaxDeliver = 3
	cfg.Logger = zap.New(core)
	rec := &recorder{}
	start(t, js, cfg, func(_ context.Context, e eventstore.RecordedEvent) error {
		rec.add(e)
		if label(e) == "poison" {
			return errors.New("provider p1 unknown")
		}
		return nil
	})
	waitUntil(t, "the consumer moves past the poison event", func() bool { return rec.len() >= 4 })
	if got, want := rec.labels(), []string{"poison", "poison", "poison", "next"}; !slices.Equal(got, want) {
		t.Fatalf("handled %v, want %v", got, want)
	}
	ls := letters(t, js, "dead")
	if len(ls) != 1 {
		t.Fatalf("%d letters, want 1: %+v", len(ls), ls)
	}
	l := ls[0]
	ev := rec.events()[0]
	if l.Durable != "dead" || l.Position != poison.Position || l.Subject != o.Subject() || l.Stream != jetstream.DefaultStreamName ||
		l.EventID != ev.EventID || l.EventType != "google.protobuf.StringValue" || l.Delivered != 3 || l.State != bus.StateDead ||
		!strings.Contains(l.Error, "provider p1 unknown") || l.DiedAt.IsZero() {
		t.Fatalf("letter %+v; want consumer dead, position %d, subject %s, event %s, 3 deliveries, the error", l, poison.Position, o.Subject(), ev.EventID)
	}
	if l.Key() != fmt.Sprintf("dead.%d", poison.Position) {
		t.Fatalf("key %s", l.Key())
	}
	// The log line is kept, and names the letter.
	given := logs.FilterMessageSnippet("giving up").All()
	if len(given) != 1 || given[0].ContextMap()["dead_letter"] != l.Key() {
		t.Fatalf("giving-up logs %v, want one naming %s", given, l.Key())
	}
	if others := letters(t, js, "someone-else"); len(others) != 0 {
		t.Fatalf("another durable has letters %+v", others)
	}
}

// A commit that cannot be decoded gets its letter too, and the consumer
// moves on.
func TestUndecodableCommitIsRecordedAsADeadLetter(t *testing.T) {
	js, s := setup(t)
	subject := sid("purchasing", "provider", "garbled").Subject()
	ack, err := js.Publish(context.Background(), subject, []byte{0xff, 0xff, 0xff})
	if err != nil {
		t.Fatal(err)
	}
	appendEvents(t, s, sid("purchasing", "provider", "fine"), eventstore.Metadata{}, str("next"))
	rec := &recorder{}
	start(t, js, fastConfig("garbled"), func(_ context.Context, e eventstore.RecordedEvent) error {
		rec.add(e)
		return nil
	})
	waitUntil(t, "the next commit is handled", func() bool { return rec.len() >= 1 })
	if got := rec.labels(); !slices.Equal(got, []string{"next"}) {
		t.Fatalf("handled %v", got)
	}
	ls := letters(t, js, "garbled")
	if len(ls) != 1 || ls[0].Position != ack.Sequence || ls[0].Subject != subject || ls[0].EventID != "" ||
		!strings.HasPrefix(ls[0].Error, "undecodable commit") || ls[0].State != bus.StateDead {
		t.Fatalf("letters %+v, want the undecodable commit at %d", ls, ack.Sequence)
	}
}

// Replay is an operator's decision: a restarted service with a fixed
// handler counts the letter in its log and leaves it; once asked, it handles
// the event once and deletes the letter.
func TestReplayRunsTheFixedHandlerOnceAndDeletesTheLetter(t *testing.T) {
	js, s := setup(t)
	cfg := fastConfig("replay")
	cfg.MaxDeliver = 2
	var mu sync.Mutex
	broken := true
	rec := &recorder{}
	pos := poisonOnce(t, js, s, cfg, func() bool { mu.Lock(); defer mu.Unlock(); return broken }, rec)
	if ls := letters(t, js, "replay"); len(ls) != 1 || ls[0].Position != pos {
		t.Fatalf("letters %+v, want one at %d", ls, pos)
	}

	mu.Lock()
	broken = false // the fix is deployed
	mu.Unlock()
	core, logs := observer.New(zapcore.InfoLevel)
	cfg.Logger = zap.New(core)
	fixed := &recorder{}
	follow(t, s, cfg, func(_ context.Context, e eventstore.RecordedEvent) error {
		fixed.add(e)
		return nil
	})
	waitUntil(t, "the count of letters is logged", func() bool {
		return logs.FilterMessage("1 dead letters for durable replay (carecoop dead-letters list --durable replay)").Len() == 1
	})
	if got := fixed.labels(); len(got) != 0 {
		t.Fatalf("the restarted service handled %v before any replay was asked for", got)
	}
	if l, err := bus.DeadLetterState(context.Background(), js, "replay", pos); err != nil || l.State != bus.StateDead {
		t.Fatalf("letter %+v (%v), want still dead", l, err)
	}

	l, err := bus.RequestReplay(context.Background(), js, "replay", pos)
	if err != nil || l.State != bus.StateReplay {
		t.Fatalf("RequestReplay: %+v, %v", l, err)
	}
	waitUntil(t, "the letter is deleted", func() bool {
		_, err := bus.DeadLetterState(context.Background(), js, "replay", pos)
		return errors.Is(err, bus.ErrNoDeadLetter)
	})
	if got := fixed.labels(); !slices.Equal(got, []string{"poison"}) {
		t.Fatalf("replay handled %v, want the poison event once", got)
	}
	if got := fixed.events()[0].Position; got != pos {
		t.Fatalf("replayed the event at %d, want %d", got, pos)
	}
	if ls := letters(t, js, "replay"); len(ls) != 0 {
		t.Fatalf("letters left: %+v", ls)
	}
	if _, err := bus.RequestReplay(context.Background(), js, "replay", pos); !errors.Is(err, bus.ErrNoDeadLetter) {
		t.Fatalf("replaying a deleted letter: %v, want ErrNoDeadLetter", err)
	}
}

// A replay whose handler fails again leaves the letter marked failed-again
// with the new error; it may be replayed again.
func TestReplayThatFailsAgainIsMarkedFailedAgain(t *testing.T) {
	js, s := setup(t)
	cfg := fastConfig("again")
	cfg.MaxDeliver = 1
	rec := &recorder{}
	pos := poisonOnce(t, js, s, cfg, func() bool { return true }, rec)

	var mu sync.Mutex
	attempts := 0
	follow(t, s, cfg, func(_ context.Context, e eventstore.RecordedEvent) error {
		mu.Lock()
		defer mu.Unlock()
		attempts++
		return fmt.Errorf("still broken (attempt %d)", attempts)
	})
	for i := 1; i <= 2; i++ {
		if _, err := bus.RequestReplay(context.Background(), js, "again", pos); err != nil {
			t.Fatal(err)
		}
		var l bus.DeadLetter
		waitUntil(t, "the replay fails", func() bool {
			var err error
			l, err = bus.DeadLetterState(context.Background(), js, "again", pos)
			if err != nil {
				t.Fatal(err)
			}
			return l.State == bus.StateFailedAgain && l.Replays == i
		})
		if want := fmt.Sprintf("still broken (attempt %d)", i); l.Error != want || l.EventType != "google.protobuf.StringValue" {
			t.Fatalf("letter %+v, want error %q", l, want)
		}
	}
}

// A letter that cannot be recorded (here the bucket is configured so that
// letters would expire) is never dropped silently: the message is not
// terminated, the event comes again, and once the bucket is usable the
// letter is recorded and the consumer moves on.
func TestUnrecordedLetterIsNotTerminated(t *testing.T) {
	js, s := setup(t)
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, natsjs.StreamConfig{
		Name: bus.DeadLetterStream, Subjects: []string{bus.DeadLetterSubject(">")}, MaxMsgsPerSubject: 1, MaxAge: time.Hour,
	}); err != nil {
		t.Fatal(err)
	}
	o := sid("purchasing", "provider", "p1")
	poison := appendEvents(t, s, o, eventstore.Metadata{}, str("poison"))
	appendEvents(t, s, o, eventstore.Metadata{}, str("next"))
	core, logs := observer.New(zapcore.WarnLevel)
	cfg := fastConfig("unrecorded")
	cfg.MaxDeliver = 2
	cfg.Logger = zap.New(core)
	rec := &recorder{}
	start(t, js, cfg, func(_ context.Context, e eventstore.RecordedEvent) error {
		rec.add(e)
		if label(e) == "poison" {
			return errors.New("provider p1 unknown")
		}
		return nil
	})
	waitUntil(t, "the poison event is delivered past MaxDeliver", func() bool { return rec.len() >= cfg.MaxDeliver+2 })
	if got := rec.labels(); slices.Contains(got, "next") {
		t.Fatalf("handled %v: the poison event was dropped without its letter", got)
	}
	if logs.FilterMessageSnippet("cannot record the dead letter").Len() == 0 || logs.FilterMessageSnippet("giving up").Len() != 0 {
		t.Fatalf("logs %v, want the failure to record and no giving up", logs.All())
	}

	// The operator removes the bad bucket; the bus creates its own.
	if err := js.DeleteStream(ctx, bus.DeadLetterStream); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the consumer moves on", func() bool { return slices.Contains(rec.labels(), "next") })
	ls := letters(t, js, "unrecorded")
	if len(ls) != 1 || ls[0].Position != poison.Position || ls[0].State != bus.StateDead {
		t.Fatalf("letters %+v, want the poison event's", ls)
	}
}
