package projection_test

import (
	"context"
	"errors"
	"fmt"
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

// flaky is a read model whose apply fails on "poison" while poisoned is set,
// changing nothing when it fails.
type flaky struct {
	names
	mu       sync.Mutex
	poisoned bool
	failures int
}

func (f *flaky) apply(commit []eventstore.RecordedEvent) error {
	f.mu.Lock()
	for _, e := range commit {
		if e.Event.(*wrapperspb.StringValue).GetValue() == "poison" && f.poisoned {
			f.failures++
			f.mu.Unlock()
			return errors.New("the model cannot take this event yet")
		}
	}
	f.mu.Unlock()
	return f.names.apply(commit)
}

func (f *flaky) heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.poisoned = false
}

// Issue 11, item 1: a read model that stops updating used to fail silently —
// WaitFor(0) answered nil and queries were served from a frozen model. Now
// the failure is reported by WaitFor (every position, 0 included) and
// Ready, the runner restarts its subscription, and once it has caught up
// again all is well.
func TestAFailingReadModelIsLoudAndRecovers(t *testing.T) {
	s := newStore(t)
	m := &flaky{poisoned: true}
	r := projection.NewRunner("flaky", s, nil, m.apply, nil)
	r.MaxWait = 2 * time.Second
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	appendOne(t, s, "ctx", "a", "first")
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.Ready(); err != nil {
		t.Fatalf("caught up, Ready = %v", err)
	}
	poison := appendOne(t, s, "ctx", "b", "poison")

	// The failure shows, for a query without a position too.
	waitUntil(t, "the runner reports its failure", func() bool { return errors.Is(r.Ready(), projection.ErrFailing) })
	if err := r.WaitFor(ctx, 0); !errors.Is(err, projection.ErrFailing) {
		t.Fatalf("WaitFor(0) on a failing model = %v, want ErrFailing", err)
	}
	if err := r.WaitFor(ctx, poison.Position); !errors.Is(err, projection.ErrFailing) {
		t.Fatalf("WaitFor(%d) on a failing model = %v, want ErrFailing", poison.Position, err)
	}
	// It keeps trying: the subscription is restarted and fails again.
	waitUntil(t, "a restart", func() bool { m.mu.Lock(); defer m.mu.Unlock(); return m.failures >= 2 })

	// Once the model can take the event, the runner catches up and is well.
	m.heal()
	after := appendOne(t, s, "ctx", "c", "after")
	waitUntil(t, "the runner recovers", func() bool { return r.Ready() == nil })
	if err := r.WaitFor(ctx, after.Position); err != nil {
		t.Fatalf("WaitFor after recovery = %v", err)
	}
	if got := m.list(); len(got) != 3 || got[0] != "first" || got[1] != "poison" || got[2] != "after" {
		t.Fatalf("model holds %v, want every event once, in order", got)
	}
}

// Before Start has caught up, the runner is not ready.
func TestNotReadyBeforeStart(t *testing.T) {
	s := newStore(t)
	m := &names{}
	r := projection.NewRunner("late", s, nil, m.apply, nil)
	if err := r.Ready(); !errors.Is(err, projection.ErrFailing) {
		t.Fatalf("Ready before Start = %v, want ErrFailing", err)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Issue 11, item 2: a read model skips another context's events it does not
// know, logging and counting them; its own context's unknown event means the
// binary is older than its data, and the model stops (not ready) rather than
// answer from part of its history.
func TestUnknownEventsSkippedFromOthersRefusedFromOwn(t *testing.T) {
	s := newStore(t)
	m := &names{}
	r := projection.NewRunner("mine", s, nil, func(c []eventstore.RecordedEvent) error {
		var known []eventstore.RecordedEvent
		for _, e := range c {
			if !eventstore.Unknown(e) {
				known = append(known, e)
			}
		}
		return m.apply(known)
	}, nil)
	r.Own = "mine"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	other, err := s.Append(ctx, eventstore.StreamID{Context: "theirs", Aggregate: "thing", ID: "x"}, eventstore.Any, eventstore.Metadata{},
		natstest.UnlinkedEvent(t, "carecoop.theirs.v9.SomethingNew", "x"))
	if err != nil {
		t.Fatal(err)
	}
	after := appendOne(t, s, "mine", "a", "known")
	if err := r.WaitFor(ctx, after.Position); err != nil {
		t.Fatalf("WaitFor past another context's unknown event: %v", err)
	}
	if got := r.Skipped(); got["carecoop.theirs.v9.SomethingNew"] != 1 {
		t.Fatalf("skipped %v, want the one unknown event of another context (at %d)", got, other.Position)
	}
	if r.Ready() != nil {
		t.Fatalf("another context's unknown event made the model not ready: %v", r.Ready())
	}

	if _, err := s.Append(ctx, eventstore.StreamID{Context: "mine", Aggregate: "thing", ID: "b"}, eventstore.Any, eventstore.Metadata{},
		natstest.UnlinkedEvent(t, "carecoop.mine.v2.Renamed", "b")); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the model to stop", func() bool { return errors.Is(r.Ready(), eventstore.ErrOlderThanData) })
	if err := r.WaitFor(ctx, 0); !errors.Is(err, projection.ErrFailing) {
		t.Fatalf("a query on a model older than its data: %v, want ErrFailing", err)
	}
}

// Issue 16: the runner no longer asks the store after every commit whether
// it has reached a waiter's position. A query waiting for another context's
// commit written behind a burst of followed ones must still see all of them.
func TestWaitForAForeignPositionBehindABurst(t *testing.T) {
	s := newStore(t)
	n := &names{}
	r := projection.NewRunner("test", s, []string{eventstore.ContextFilter("alpha")}, n.apply, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for round := range 5 {
		const burst = 200
		for i := range burst {
			appendOne(t, s, "alpha", fmt.Sprintf("x%d", i%7), "v")
		}
		foreign := appendOne(t, s, "beta", "y", "not followed")
		if err := r.WaitFor(ctx, foreign.Position); err != nil {
			t.Fatal(err)
		}
		if got := len(n.list()); got != (round+1)*burst {
			t.Fatalf("round %d: WaitFor(%d) answered with %d values applied, want %d", round, foreign.Position, got, (round+1)*burst)
		}
	}
}
