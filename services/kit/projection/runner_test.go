package projection_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/kit/projection"
)

func newStore(t testing.TB) *jetstream.Store {
	t.Helper()
	_, s := natstest.Store(t)
	return s
}

// names is a read model: the string values seen, in order.
type names struct {
	mu  sync.Mutex
	got []string
}

func (n *names) apply(commit []eventstore.RecordedEvent) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, e := range commit {
		n.got = append(n.got, e.Event.(*wrapperspb.StringValue).GetValue())
	}
	return nil
}

func (n *names) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.got...)
}

func appendOne(t testing.TB, s eventstore.Store, ctxName, id, value string) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(context.Background(), eventstore.StreamID{Context: ctxName, Aggregate: "thing", ID: id}, eventstore.Any, eventstore.Metadata{}, wrapperspb.String(value))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestStartCatchesUpWithHistoryBeforeServing(t *testing.T) {
	s := newStore(t)
	for i, v := range []string{"a", "b", "c"} {
		appendOne(t, s, "alpha", "x"+string(rune('0'+i)), v)
	}
	appendOne(t, s, "beta", "y", "not followed") // last commit is another context's
	n := &names{}
	r := projection.NewRunner("test", s, []string{eventstore.ContextFilter("alpha")}, n.apply, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := n.list(); len(got) != 3 || got[2] != "c" {
		t.Fatalf("after Start the model holds %v, want [a b c]", got)
	}
}

func TestWaitForGivesReadYourWrites(t *testing.T) {
	s := newStore(t)
	n := &names{}
	r := projection.NewRunner("test", s, []string{eventstore.ContextFilter("alpha")}, n.apply, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		res := appendOne(t, s, "alpha", "x", string(rune('a'+i)))
		if err := r.WaitFor(ctx, res.Position); err != nil {
			t.Fatal(err)
		}
		if got := n.list(); len(got) != i+1 {
			t.Fatalf("after WaitFor(%d) the model holds %d values, want %d", res.Position, len(got), i+1)
		}
	}
}

func TestWaitForAForeignPositionAnswersAtOnce(t *testing.T) {
	s := newStore(t)
	n := &names{}
	r := projection.NewRunner("test", s, []string{eventstore.ContextFilter("alpha")}, n.apply, nil)
	r.MaxWait = 2 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	appendOne(t, s, "alpha", "x", "a")
	foreign := appendOne(t, s, "beta", "y", "b")
	start := time.Now()
	if err := r.WaitFor(ctx, foreign.Position); err != nil {
		t.Fatalf("WaitFor a commit outside the filter: %v", err)
	}
	if got := n.list(); len(got) != 1 {
		t.Fatalf("model holds %v, want [a]", got)
	}
	if time.Since(start) >= r.MaxWait {
		t.Fatal("WaitFor ran into its bound instead of seeing nothing was pending")
	}
}

func TestWaitForAPositionNotYetWrittenTimesOut(t *testing.T) {
	s := newStore(t)
	r := projection.NewRunner("test", s, nil, (&names{}).apply, nil)
	r.MaxWait = 200 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.WaitFor(ctx, 1000); !errors.Is(err, projection.ErrNotReached) {
		t.Fatalf("WaitFor(1000) on an empty store = %v, want ErrNotReached", err)
	}
}
