package jetstream_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
)

// Direct gets may be answered by a replica that lacks the latest commit (a
// replicated stream acknowledges an append once a majority stores it). A
// store that knows of a later commit than the answer holds reads on until
// it arrives, and says so rather than return the stale events: a command
// loading its aggregate right after its own append must see that append
// (TestConformanceR3 once read two events of three).
func TestReadStreamWaitsForACommitItKnowsOf(t *testing.T) {
	a, js := newStore(t, jetstream.WithRequestTimeout(2*time.Second))
	b, err := jetstream.New(t.Context(), js) // another process
	if err != nil {
		t.Fatal(err)
	}
	sid := eventstore.StreamID{Context: "purchasing", Aggregate: "referral", ID: "r1"}
	first, err := a.Append(t.Context(), sid, eventstore.NoStream, eventstore.Metadata{}, wrapperspb.String("one"))
	if err != nil {
		t.Fatal(err)
	}

	// a learns of version 2 before the replica answering it has it.
	a.KnowTip(sid, 2, first.Position+1)
	read := make(chan []eventstore.RecordedEvent, 1)
	go func() {
		evs, err := a.ReadStream(context.Background(), sid)
		if err != nil {
			t.Error(err)
		}
		read <- evs
	}()
	time.Sleep(50 * time.Millisecond) // let the first answer come back short
	if _, err := b.Append(t.Context(), sid, eventstore.Exact(1), eventstore.Metadata{}, wrapperspb.String("two")); err != nil {
		t.Fatal(err)
	}
	if evs := <-read; len(evs) != 2 || evs[1].Event.(*wrapperspb.StringValue).GetValue() != "two" {
		t.Fatalf("read %d events, want both", len(evs))
	}

	// A commit that never arrives: an error naming the gap, not a short read.
	a.KnowTip(sid, 3, first.Position+2)
	evs, err := a.ReadStream(t.Context(), sid)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("read %d events and %v, want the deadline exceeded", len(evs), err)
	}
}
