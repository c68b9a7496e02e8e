package bus_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// Follow keeps a service's reaction going: when its consumer is deleted
// under it (as an operator resetting a reaction would), it starts again
// and handles the stream from the start, and it returns when ctx ends.
func TestFollowStartsTheConsumerAgain(t *testing.T) {
	js, store := setup(t)
	appendEvents(t, store, sid("purchasing", "provider", "a"), eventstore.Metadata{}, str("one"))
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	cfg := fastConfig("follow")
	go func() {
		defer close(done)
		bus.Follow(ctx, store, cfg, func(_ context.Context, e eventstore.RecordedEvent) error { rec.add(e); return nil })
	}()
	waitUntil(t, "the first event handled", func() bool { return rec.len() == 1 })
	if err := js.DeleteConsumer(context.Background(), store.StreamName(), "follow"); err != nil {
		t.Fatal(err)
	}
	appendEvents(t, store, sid("purchasing", "provider", "b"), eventstore.Metadata{}, str("two"))
	waitUntil(t, "the stream handled again by a new consumer", func() bool {
		return slices.Equal(rec.labels(), []string{"one", "one", "two"})
	})
	cancel()
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Fatal("Follow did not return after its context ended")
	}
}

// A store that is not a JetStream stream cannot carry a reaction: Follow
// says so and returns at once rather than spinning.
func TestFollowNeedsAJetStreamStore(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		bus.Follow(context.Background(), notJetStream{}, fastConfig("follow"), func(context.Context, eventstore.RecordedEvent) error { return nil })
	}()
	select {
	case <-done:
	case <-time.After(waitLimit):
		t.Fatal("Follow kept running over a store it cannot consume")
	}
}

type notJetStream struct{ eventstore.Store }
