package bus_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
)

// A history written with its reactions' effects in it (a simulation) is
// not handled again: the reaction starts after it, and keeps that start
// across restarts of the service.
func TestReactionStartedAfterAHistoryHandlesOnlyWhatFollows(t *testing.T) {
	js, s := setup(t)
	o := sid("purchasing", "order", "o")
	appendEvents(t, s, o, eventstore.Metadata{}, str("old1"))
	appendEvents(t, s, sid("monitoring", "risk", "r"), eventstore.Metadata{}, str("elsewhere"))
	last := appendEvents(t, s, o, eventstore.Metadata{}, str("old2"))
	cfg := fastConfig("after-history")
	ctx := context.Background()
	if err := bus.StartAfter(ctx, js, jetstream.DefaultStreamName, cfg.Durable, last.Position); err != nil {
		t.Fatal(err)
	}

	got := &recorder{}
	r := start(t, js, cfg, func(_ context.Context, e eventstore.RecordedEvent) error {
		got.add(e)
		return nil
	})
	appendEvents(t, s, o, eventstore.Metadata{}, str("new1"))
	waitUntil(t, "the new event is handled", func() bool { return got.len() >= 1 })
	r.stop(t)

	// Asked again (a second simulation, a mistake), it does not move the
	// consumer: what was handled since stays handled, nothing is skipped.
	if err := bus.StartAfter(ctx, js, jetstream.DefaultStreamName, cfg.Durable, 0); err != nil {
		t.Fatal(err)
	}
	appendEvents(t, s, o, eventstore.Metadata{}, str("new2"))
	start(t, js, cfg, func(_ context.Context, e eventstore.RecordedEvent) error {
		got.add(e)
		return nil
	})
	waitUntil(t, "the event after the restart is handled", func() bool { return got.len() >= 2 })
	time.Sleep(2 * cfg.AckWait) // nothing from the history may come late
	if want := []string{"new1", "new2"}; !slices.Equal(got.labels(), want) {
		t.Fatalf("handled %v, want %v (the history before the start is not handled)", got.labels(), want)
	}

	// Consume set the reaction's own filter on the consumer StartAfter made.
	cons, err := js.Consumer(ctx, jetstream.DefaultStreamName, cfg.Durable)
	if err != nil {
		t.Fatal(err)
	}
	if c := cons.CachedInfo().Config; !slices.Equal(c.FilterSubjects, cfg.FilterSubjects) || c.OptStartSeq != last.Position+1 {
		t.Fatalf("consumer filters %v from %d, want %v from %d", c.FilterSubjects, c.OptStartSeq, cfg.FilterSubjects, last.Position+1)
	}
}

func TestStartAfterChecksTheDurableName(t *testing.T) {
	js, _ := setup(t)
	if err := bus.StartAfter(context.Background(), js, jetstream.DefaultStreamName, "no spaces", 1); err == nil {
		t.Fatal("StartAfter accepted a durable name with a space")
	}
}
