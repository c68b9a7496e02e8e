package aggregate_test

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
)

// countingStore passes every call to the real store and counts the events
// its reads return, to see how much of a stream a load read.
type countingStore struct {
	*jetstream.Store
	read atomic.Int64
}

func (c *countingStore) ReadStream(ctx context.Context, sid eventstore.StreamID) ([]eventstore.RecordedEvent, error) {
	evs, err := c.Store.ReadStream(ctx, sid)
	c.read.Add(int64(len(evs)))
	return evs, err
}

func (c *countingStore) ReadStreamAfter(ctx context.Context, sid eventstore.StreamID, version, position uint64) ([]eventstore.RecordedEvent, error) {
	evs, err := c.Store.ReadStreamAfter(ctx, sid, version, position)
	c.read.Add(int64(len(evs)))
	return evs, err
}

func names(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", prefix, i)
	}
	return out
}

// A long stream is read whole once; loading it again reads what followed,
// including another writer's commits, and folds to the same state as a
// whole read.
func TestLongStreamLoadsReadOnlyTheTail(t *testing.T) {
	stores := newStores(t, 2)
	s := &countingStore{Store: stores[0]}
	repo := aggregate.New(s, rosterEvolver)
	sid := stream("long")
	ctx := context.Background()
	appendNames(t, s, sid, names(aggregate.DefaultCacheFrom+20, "a")...)

	first, err := repo.Load(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.read.Load(); got != int64(first.Version) {
		t.Fatalf("first load read %d events, want the whole stream's %d", got, first.Version)
	}
	// Another replica's writes, then this one's.
	appendNames(t, stores[1], sid, "other-1", "other-2")
	if _, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: withRequest("req-own"), Decide: add("own")}); err != nil {
		t.Fatal(err)
	}
	s.read.Store(0)
	again, err := repo.Load(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.read.Load(); got != 1 {
		t.Fatalf("loading again read %d events, want only the one after the last load", got)
	}
	whole := readNames(t, stores[1], sid)
	if !slices.Equal(again.State.names, whole) || again.Version != uint64(len(whole)) {
		t.Fatalf("tail-loaded state = %d names at version %d, want the stream's %d", len(again.State.names), again.Version, len(whole))
	}
	if !slices.Equal(first.State.names, whole[:first.Version]) {
		t.Fatal("a state given out earlier changed when the stream was loaded again")
	}
}

// A retried request is recognised however old its commit, even when the
// repository reads only the stream's tail: it answers with the original
// commit and decides nothing.
func TestRetryOlderThanTheTailIsStillRecognised(t *testing.T) {
	s := newStore(t, jetstream.WithDuplicateWindow(100*time.Millisecond))
	repo := aggregate.New(s, rosterEvolver)
	sid := stream("retry")
	ctx := context.Background()
	first, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: withRequest("req-first"), Decide: add("ada")})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names(aggregate.DefaultCacheFrom+4, "b") {
		if _, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: withRequest(fmt.Sprintf("req-%d", i)), Decide: add(n)}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond) // past the store's dedupe window
	before := lastPosition(t, s)
	decided := false
	late, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: withRequest("req-first"),
		Decide: func(roster) ([]proto.Message, error) {
			decided = true
			return []proto.Message{wrapperspb.String("again")}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if decided || !late.Duplicate || late.StreamVersion != first.StreamVersion || late.Position != first.Position {
		t.Fatalf("late retry: decided %v, answered %+v; want the original commit %+v", decided, late, first)
	}
	if len(late.Events) != 1 || late.Events[0].(*wrapperspb.StringValue).GetValue() != "ada" {
		t.Fatalf("late retry reports events %v, want the original [ada]", late.Events)
	}
	if got := lastPosition(t, s); got != before {
		t.Fatalf("a repeated request wrote: store moved from %d to %d", before, got)
	}
}
