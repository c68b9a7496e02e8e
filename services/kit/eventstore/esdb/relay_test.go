package esdb

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/esdb/esdbtest"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/kit/projection"
)

func relayEnv(t *testing.T) (*Store, natsjs.JetStream) {
	t.Helper()
	srv := esdbtest.Start(t)
	s, err := New(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	nc, _ := natstest.JetStream(t)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return s, js
}

// appendCommits appends n commits over three streams of context ctxName,
// every third one of two events, and returns their positions in order.
func appendCommits(t *testing.T, s *Store, ctxName string, n int) []uint64 {
	t.Helper()
	var out []uint64
	for i := range n {
		sid := eventstore.StreamID{Context: ctxName, Aggregate: "thing", ID: fmt.Sprint("t", i%3)}
		evs := []proto.Message{wrapperspb.String(fmt.Sprint("e", i))}
		if i%3 == 0 {
			evs = append(evs, wrapperspb.String(fmt.Sprint("e", i, "b")))
		}
		res, err := s.Append(t.Context(), sid, eventstore.Any, eventstore.Metadata{RequestID: uuid.NewString()}, evs...)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.Position)
	}
	return out
}

// relayed lists the ESDB positions of the messages on the event stream, in
// stream order.
func relayed(t *testing.T, js natsjs.JetStream) []uint64 {
	t.Helper()
	st, err := js.Stream(t.Context(), jetstream.DefaultStreamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out []uint64
	for seq := uint64(1); seq <= info.State.LastSeq; seq++ {
		m, err := st.GetMsg(t.Context(), seq)
		if err != nil {
			t.Fatal(err)
		}
		p, err := strconv.ParseUint(m.Header.Get(jetstream.HeaderPosition), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

var errKilled = errors.New("relay killed here")

// A relay killed between the ESDB append and the NATS publish, and one
// killed between the publish and its checkpoint: after a restart every
// commit is on NATS exactly once, in $all order.
func TestRelayFaultEveryCommitOnceAfterRestart(t *testing.T) {
	s, js := relayEnv(t)
	positions := appendCommits(t, s, "relayf", 10)

	// Killed after publishing commit 4, before checkpointing it.
	r1, err := NewRelay(t.Context(), s, js, nil)
	if err != nil {
		t.Fatal(err)
	}
	r1.beforeCheckpoint = func(pos uint64) error {
		if pos == positions[3] {
			return errKilled
		}
		return nil
	}
	if err := r1.RunOnce(t.Context()); !errors.Is(err, errKilled) {
		t.Fatalf("first relay: %v", err)
	}
	if from, err := r1.Resume(t.Context()); err != nil || from != positions[3] {
		t.Fatalf("resume after a publish without checkpoint = %d, %v; want %d (the published commit)", from, err, positions[3])
	}

	// Killed after the store has commit 7, before publishing it.
	r2, err := NewRelay(t.Context(), s, js, nil)
	if err != nil {
		t.Fatal(err)
	}
	r2.beforePublish = func(pos uint64) error {
		if pos == positions[6] {
			return errKilled
		}
		return nil
	}
	if err := r2.RunOnce(t.Context()); !errors.Is(err, errKilled) {
		t.Fatalf("second relay: %v", err)
	}
	positions = append(positions, appendCommits(t, s, "relayf", 5)...)

	ctx, cancel := context.WithCancel(t.Context())
	r3, err := NewRelay(ctx, s, js, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- r3.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(relayed(t, js)) < len(positions) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("relay: %v", err)
	}
	if got := relayed(t, js); fmt.Sprint(got) != fmt.Sprint(positions) {
		t.Fatalf("event stream holds positions\n%v\nwant each commit once, in order:\n%v", got, positions)
	}
	// A read model fed from the relayed stream (the JetStream store's
	// Subscribe, as on a JetStream-only run) sees the very commits one fed
	// from ESDB sees: ids, versions, positions, metadata.
	js1, err := jetstream.New(t.Context(), js)
	if err != nil {
		t.Fatal(err)
	}
	fromNATS, fromESDB := commits(t, js1, len(positions)), commits(t, s, len(positions))
	for i := range fromNATS {
		for j := range fromNATS[i] {
			// Events compared as protos; the rest field by field.
			if !proto.Equal(fromNATS[i][j].Event, fromESDB[i][j].Event) {
				t.Fatalf("commit %d event %d: %v through the relay, %v in ESDB", i, j, fromNATS[i][j].Event, fromESDB[i][j].Event)
			}
			fromNATS[i][j].Event, fromESDB[i][j].Event = nil, nil
		}
	}
	if !reflect.DeepEqual(fromNATS, fromESDB) {
		t.Fatalf("commits through the relay differ from ESDB's:\n%+v\n%+v", fromNATS, fromESDB)
	}
	e, err := r3.kv.Get(t.Context(), RelayKey)
	if err != nil || string(e.Value()) != strconv.FormatUint(positions[len(positions)-1], 10) {
		t.Fatalf("checkpoint = %v, %v; want %d", e, err, positions[len(positions)-1])
	}
}

// Read-your-writes across the relay: a reaction gets the event with the
// position its append returned (the ESDB commit position), and a read model
// fed from ESDB answers WaitFor that position with the event applied.
func TestRelayReadYourWrites(t *testing.T) {
	s, js := relayEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	r, err := NewRelay(ctx, s, js, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.Run(ctx) }()

	var mu sync.Mutex
	applied := map[string]bool{}
	runner := projection.NewRunner("ryw", s, []string{eventstore.ContextFilter("ryw")}, func(c []eventstore.RecordedEvent) error {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range c {
			applied[e.EventID] = true
		}
		return nil
	}, nil)
	if err := runner.Start(ctx); err != nil {
		t.Fatal(err)
	}

	type seen struct {
		pos     uint64
		applied bool
	}
	got := make(chan seen, 10)
	bs := WithBus(s, js, "")
	go func() {
		_ = bus.ConsumeStore(ctx, bs, bus.Config{Durable: "ryw", FilterSubjects: []string{eventstore.ContextFilter("ryw")}},
			func(ctx context.Context, e eventstore.RecordedEvent) error {
				err := runner.WaitFor(ctx, e.Position)
				mu.Lock()
				defer mu.Unlock()
				got <- seen{e.Position, err == nil && applied[e.EventID]}
				return nil
			})
	}()
	// Commits of another context in between: positions are not dense.
	appendCommits(t, s, "other", 2)
	want := appendCommits(t, s, "ryw", 3)
	appendCommits(t, s, "other", 2)
	for i, p := range want {
		var g seen
		select {
		case g = <-got:
		case <-time.After(10 * time.Second):
			t.Fatalf("reaction %d never ran", i)
		}
		if g.pos != p || !g.applied {
			t.Fatalf("reaction %d: position %d (applied by the read model: %v), want %d applied", i, g.pos, g.applied, p)
		}
		if i%3 == 0 { // the two-event commit delivers both
			if g2 := <-got; g2.pos != p || !g2.applied {
				t.Fatalf("reaction %d, second event: %+v", i, g2)
			}
		}
	}
}

// commits subscribes to every carecoop commit from the start until n
// arrived, with Pending cleared (a JetStream hint ESDB does not give).
func commits(t *testing.T, s eventstore.Store, n int) [][]eventstore.RecordedEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var out [][]eventstore.RecordedEvent
	err := s.Subscribe(ctx, 0, nil, func(c []eventstore.RecordedEvent) error {
		for i := range c {
			c[i].Pending = 0
			c[i].OccurredAt = c[i].OccurredAt.UTC()
		}
		out = append(out, c)
		if len(out) == n {
			cancel()
		}
		return nil
	})
	if len(out) != n {
		t.Fatalf("%T: %d commits (%v), want %d", s, len(out), err, n)
	}
	return out
}
