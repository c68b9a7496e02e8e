package aggregate_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

// roster is the test decider: a set of names, each added once. Its event is
// a google.protobuf.StringValue holding the name added.
type roster struct{ names []string }

func (r roster) has(name string) bool { return slices.Contains(r.names, name) }

var rosterEvolver = aggregate.Evolver[roster]{
	Initial: func() roster { return roster{} },
	Evolve: func(r roster, e proto.Message) roster {
		r.names = append(slices.Clip(r.names), e.(*wrapperspb.StringValue).GetValue())
		return r
	},
}

// add decides to add names, refusing any already on the roster.
func add(names ...string) func(roster) ([]proto.Message, error) {
	return func(r roster) ([]proto.Message, error) {
		var out []proto.Message
		for _, n := range names {
			if r.has(n) {
				return nil, domainerr.Rule("roster.unique_name", "%s is already on the roster", n)
			}
			out = append(out, wrapperspb.String(n))
		}
		return out, nil
	}
}

var meta = eventstore.Metadata{
	Actor:         eventstore.Actor{Subject: "user:1", Organisation: "consortium:north", Role: "lead"},
	CorrelationID: "corr-1",
}

func withRequest(id string) eventstore.Metadata {
	m := meta
	m.RequestID = id
	return m
}

func newStore(t *testing.T, opts ...jetstream.Option) *jetstream.Store {
	t.Helper()
	stores := newStores(t, 1, opts...)
	return stores[0]
}

// newStores returns n stores over one server, each on its own connection,
// as n replicas of a service would have.
func newStores(t *testing.T, n int, opts ...jetstream.Option) []*jetstream.Store {
	t.Helper()
	nc, srv := natstest.JetStream(t)
	var out []*jetstream.Store
	for i := range n {
		conn := nc
		if i > 0 {
			var err error
			if conn, err = srv.Connect(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(conn.Close)
		}
		js, err := natsjs.New(conn)
		if err != nil {
			t.Fatal(err)
		}
		s, err := jetstream.New(context.Background(), js, opts...)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func stream(id string) eventstore.StreamID {
	return eventstore.StreamID{Context: "test", Aggregate: "roster", ID: id}
}

func lastPosition(t *testing.T, s eventstore.Store) uint64 {
	t.Helper()
	p, err := s.LastPosition(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func readNames(t *testing.T, s eventstore.Store, sid eventstore.StreamID) []string {
	t.Helper()
	events, err := s.ReadStream(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		out = append(out, e.Event.(*wrapperspb.StringValue).GetValue())
	}
	return out
}

func appendNames(t *testing.T, s eventstore.Store, sid eventstore.StreamID, names ...string) eventstore.AppendResult {
	t.Helper()
	var events []proto.Message
	for _, n := range names {
		events = append(events, wrapperspb.String(n))
	}
	res, err := s.Append(context.Background(), sid, eventstore.Any, eventstore.Metadata{}, events...)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestLoadFoldsEventsInOrder(t *testing.T) {
	s := newStore(t)
	sid := stream("r1")
	appendNames(t, s, sid, "ada")
	appendNames(t, s, stream("other"), "not folded")
	last := appendNames(t, s, sid, "grace", "linus") // one commit, two events
	repo := aggregate.New(s, rosterEvolver)

	l, err := repo.Load(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"ada", "grace", "linus"}; !slices.Equal(l.State.names, want) {
		t.Fatalf("state %v, want %v", l.State.names, want)
	}
	if l.Version != 3 || l.Position != last.Position {
		t.Fatalf("loaded version %d at position %d, want 3 at %d", l.Version, l.Position, last.Position)
	}

	empty, err := repo.Load(context.Background(), stream("new"))
	if err != nil {
		t.Fatal(err)
	}
	if len(empty.State.names) != 0 || empty.Version != 0 || empty.Position != 0 {
		t.Fatalf("a new aggregate loads as %+v, want the initial state at version 0", empty)
	}
}

// A repository whose Evolver has a Fold loads with it, one call per load,
// and decides on the same state as one folding event by event.
func TestLoadUsesFoldWhenGiven(t *testing.T) {
	s := newStore(t)
	sid := stream("folded")
	appendNames(t, s, sid, "ada")
	appendNames(t, s, sid, "grace", "linus")
	var folds atomic.Int32
	folding := rosterEvolver
	folding.Fold = func(r roster, events []proto.Message) roster {
		folds.Add(1)
		r.names = slices.Clone(r.names)
		for _, e := range events {
			r.names = append(r.names, e.(*wrapperspb.StringValue).GetValue())
		}
		return r
	}
	repo := aggregate.New(s, folding)
	l, err := repo.Load(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"ada", "grace", "linus"}; !slices.Equal(l.State.names, want) || l.Version != 3 || folds.Load() != 1 {
		t.Fatalf("loaded %v at version %d with %d folds, want %v at 3 with one fold", l.State.names, l.Version, folds.Load(), want)
	}
	if _, err := repo.Handle(context.Background(), aggregate.Command[roster]{Stream: sid, Meta: meta, Decide: add("grace")}); err == nil {
		t.Fatal("the folded state lost a name: grace was added twice")
	}
}

func TestHandleAppendsTheDecision(t *testing.T) {
	s := newStore(t)
	repo := aggregate.New(s, rosterEvolver)
	sid := stream("r1")
	ctx := context.Background()

	first, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: withRequest("req-1"), Decide: add("ada")})
	if err != nil {
		t.Fatal(err)
	}
	if first.StreamVersion != 1 || first.Position == 0 || first.Duplicate || len(first.Events) != 1 {
		t.Fatalf("first command: %+v", first)
	}
	second, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: meta, Decide: add("grace", "linus")})
	if err != nil {
		t.Fatal(err)
	}
	if second.StreamVersion != 3 || second.Position <= first.Position || len(second.Events) != 2 {
		t.Fatalf("second command: %+v (first at %d)", second, first.Position)
	}

	events, err := s.ReadStream(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 {
		t.Fatalf("%d events stored, want 3", len(events))
	}
	if e := events[0]; e.Position != first.Position || e.Actor != meta.Actor || e.CorrelationID != meta.CorrelationID || e.RequestID != "req-1" {
		t.Fatalf("first event stored as %+v", e)
	}
	for _, e := range events[1:] {
		if e.Position != second.Position {
			t.Fatalf("event %d at position %d, want the second commit's %d", e.Version, e.Position, second.Position)
		}
	}
	if got := lastPosition(t, s); got != second.Position {
		t.Fatalf("store ends at %d, want %d", got, second.Position)
	}
}

func TestDecisionErrorIsReturnedUnchangedAndNothingIsWritten(t *testing.T) {
	s := newStore(t)
	repo := aggregate.New(s, rosterEvolver)
	sid := stream("r1")
	appendNames(t, s, sid, "ada")
	before := lastPosition(t, s)
	ctx := context.Background()

	_, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: meta, Decide: add("ada")})
	de, ok := domainerr.As(err)
	if !ok || de.Kind != domainerr.Precondition || de.Rule != "roster.unique_name" {
		t.Fatalf("Handle returned %v, want the decider's roster.unique_name rule", err)
	}
	if code := grpcserver.StatusOf(err).Code(); code != codes.FailedPrecondition {
		t.Fatalf("the rule maps to %s at the edge, want FAILED_PRECONDITION", code)
	}

	sentinel := errors.New("a plain decision error")
	_, err = repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: meta, Decide: func(roster) ([]proto.Message, error) {
		return []proto.Message{wrapperspb.String("half-made")}, sentinel
	}})
	if err != sentinel {
		t.Fatalf("Handle returned %v, want the decision's error itself", err)
	}
	if got := lastPosition(t, s); got != before {
		t.Fatalf("a refused command wrote: store moved from %d to %d", before, got)
	}
}

func TestEmptyDecisionWritesNothing(t *testing.T) {
	s := newStore(t)
	repo := aggregate.New(s, rosterEvolver)
	sid := stream("r1")
	at := appendNames(t, s, sid, "ada", "grace")
	appendNames(t, s, stream("other"), "later commit elsewhere")
	before := lastPosition(t, s)
	nothing := func(roster) ([]proto.Message, error) { return nil, nil }

	res, err := repo.Handle(context.Background(), aggregate.Command[roster]{Stream: sid, Meta: withRequest("noop"), Decide: nothing})
	if err != nil {
		t.Fatal(err)
	}
	if res.StreamVersion != 2 || res.Position != at.Position || res.Duplicate || len(res.Events) != 0 {
		t.Fatalf("empty decision answered %+v, want version 2 at the aggregate's last position %d", res, at.Position)
	}
	res, err = repo.Handle(context.Background(), aggregate.Command[roster]{Stream: stream("new"), Meta: meta, Decide: nothing})
	if err != nil {
		t.Fatal(err)
	}
	if res.StreamVersion != 0 || res.Position != 0 {
		t.Fatalf("empty decision on a new aggregate answered %+v, want version 0 at 0", res)
	}
	if got := lastPosition(t, s); got != before {
		t.Fatalf("an empty decision wrote: store moved from %d to %d", before, got)
	}
}

func TestStaleExpectedVersionIsAConflict(t *testing.T) {
	s := newStore(t)
	repo := aggregate.New(s, rosterEvolver)
	sid := stream("r1")
	appendNames(t, s, sid, "ada")
	appendNames(t, s, sid, "grace")
	before := lastPosition(t, s)
	ctx := context.Background()

	decided := false
	_, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: meta, ExpectedVersion: 1,
		Decide: func(r roster) ([]proto.Message, error) { decided = true; return add("linus")(r) }})
	assertConflict(t, err)
	if decided {
		t.Fatal("a stale command was decided")
	}
	if got := lastPosition(t, s); got != before {
		t.Fatalf("a stale command wrote: store moved from %d to %d", before, got)
	}

	// The version the caller saw moves while the command runs: still a
	// conflict, not a silent retry on a state the caller never saw.
	calls := 0
	_, err = repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: meta, ExpectedVersion: 2,
		Decide: func(r roster) ([]proto.Message, error) {
			calls++
			appendNames(t, s, sid, "interloper")
			return add("linus")(r)
		}})
	assertConflict(t, err)
	if calls != 1 {
		t.Fatalf("decided %d times, want 1 (no retry with an expected version)", calls)
	}
	if got, want := readNames(t, s, sid), []string{"ada", "grace", "interloper"}; !slices.Equal(got, want) {
		t.Fatalf("stream holds %v, want %v", got, want)
	}

	res, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: meta, ExpectedVersion: 3, Decide: add("linus")})
	if err != nil || res.StreamVersion != 4 {
		t.Fatalf("a command at the current version answered %+v, %v; want version 4", res, err)
	}
}

func assertConflict(t *testing.T, err error) {
	t.Helper()
	de, ok := domainerr.As(err)
	if !ok || de.Kind != domainerr.Conflict {
		t.Fatalf("Handle returned %v, want a domainerr Conflict", err)
	}
	if code := grpcserver.StatusOf(err).Code(); code != codes.Aborted {
		t.Fatalf("the conflict maps to %s at the edge, want ABORTED", code)
	}
}

func TestConcurrentCommandsAllSucceedWithDenseVersions(t *testing.T) {
	const writers = 16
	// Two stores on two connections: the writers are two replicas of a
	// service, so the conflicts are found by the server, not just by one
	// store's cache.
	stores := newStores(t, 2)
	repos := []*aggregate.Repository[roster]{aggregate.New(stores[0], rosterEvolver), aggregate.New(stores[1], rosterEvolver)}
	sid := stream("busy")

	var (
		wg       sync.WaitGroup
		startAll = make(chan struct{})
		results  = make([]aggregate.Result, writers)
		errs     = make([]error, writers)
	)
	for i := range writers {
		wg.Go(func() {
			<-startAll
			results[i], errs[i] = repos[i%2].Handle(context.Background(), aggregate.Command[roster]{
				Stream: sid, Meta: withRequest(fmt.Sprintf("add-%d", i)), Decide: add(fmt.Sprintf("item-%d", i)),
			})
		})
	}
	close(startAll)
	wg.Wait()

	var versions []uint64
	for i := range writers {
		if errs[i] != nil {
			t.Fatalf("writer %d: %v", i, errs[i])
		}
		if results[i].Duplicate {
			t.Fatalf("writer %d was answered as a duplicate", i)
		}
		versions = append(versions, results[i].StreamVersion)
	}
	slices.Sort(versions)
	for i, v := range versions {
		if v != uint64(i)+1 {
			t.Fatalf("versions returned %v, want 1..%d each once", versions, writers)
		}
	}
	names := readNames(t, stores[0], sid) // ReadStream also checks versions are dense
	if len(names) != writers {
		t.Fatalf("%d events stored, want %d: %v", len(names), writers, names)
	}
	for i := range writers {
		if !slices.Contains(names, fmt.Sprintf("item-%d", i)) {
			t.Fatalf("item-%d was lost: %v", i, names)
		}
	}
}

func TestContentionBeyondTheRetryBoundIsErrConcurrency(t *testing.T) {
	s := newStore(t)
	repo := aggregate.New(s, rosterEvolver)
	sid := stream("hot")
	var calls atomic.Int32
	_, err := repo.Handle(context.Background(), aggregate.Command[roster]{Stream: sid, Meta: meta,
		Decide: func(r roster) ([]proto.Message, error) {
			// Another writer commits between every load and append.
			n := calls.Add(1)
			appendNames(t, s, sid, fmt.Sprintf("interloper-%d", n))
			return add(fmt.Sprintf("mine-%d", n))(r)
		}})
	if !errors.Is(err, eventstore.ErrConcurrency) {
		t.Fatalf("Handle returned %v, want an error wrapping eventstore.ErrConcurrency", err)
	}
	if _, ok := domainerr.As(err); ok {
		t.Fatalf("contention surfaced as a domain error: %v", err)
	}
	if code := grpcserver.StatusOf(err).Code(); code != codes.Aborted {
		t.Fatalf("contention maps to %s at the edge, want ABORTED", code)
	}
	if n := calls.Load(); n != aggregate.DefaultMaxAttempts {
		t.Fatalf("decided %d times, want %d", n, aggregate.DefaultMaxAttempts)
	}
	for _, name := range readNames(t, s, sid) {
		if name[:4] == "mine" {
			t.Fatalf("the losing command's %s was stored", name)
		}
	}
}

func TestRequestIDIsAppliedOnce(t *testing.T) {
	// A short dedupe window: the repeat below comes after the store has
	// forgotten the request id, so the repository's own check must answer.
	s := newStore(t, jetstream.WithDuplicateWindow(100*time.Millisecond))
	repo := aggregate.New(s, rosterEvolver)
	sid := stream("r1")
	ctx := context.Background()

	first, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: withRequest("req-1"), Decide: add("ada")})
	if err != nil {
		t.Fatal(err)
	}
	// The immediate retry: within the store's window.
	again, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: withRequest("req-1"), Decide: add("ada")})
	if err != nil {
		t.Fatalf("retry: %v (a retried request must not hit the decider's unique-name rule)", err)
	}
	if !again.Duplicate || again.StreamVersion != first.StreamVersion || again.Position != first.Position {
		t.Fatalf("retry answered %+v, want a duplicate of %+v", again, first)
	}

	for i, n := range []string{"grace", "linus"} {
		if _, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: withRequest(fmt.Sprintf("req-%d", i+2)), Decide: add(n)}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(300 * time.Millisecond) // past the store's dedupe window
	before := lastPosition(t, s)
	decided := false
	late, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: withRequest("req-1"),
		Decide: func(roster) ([]proto.Message, error) {
			decided = true
			return []proto.Message{wrapperspb.String("other")}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if decided {
		t.Fatal("a request already handled was decided again")
	}
	if !late.Duplicate || late.StreamVersion != first.StreamVersion || late.Position != first.Position {
		t.Fatalf("late retry answered %+v, want a duplicate of version %d at %d", late, first.StreamVersion, first.Position)
	}
	if len(late.Events) != 1 || late.Events[0].(*wrapperspb.StringValue).GetValue() != "ada" {
		t.Fatalf("late retry reports events %v, want the original [ada]", late.Events)
	}
	if got := lastPosition(t, s); got != before {
		t.Fatalf("a repeated request wrote: store moved from %d to %d", before, got)
	}
	if got, want := readNames(t, s, sid), []string{"ada", "grace", "linus"}; !slices.Equal(got, want) {
		t.Fatalf("stream holds %v, want %v", got, want)
	}
}

func TestConcurrentSameRequestIDCommitsOnce(t *testing.T) {
	const callers = 8
	stores := newStores(t, 2)
	repos := []*aggregate.Repository[roster]{aggregate.New(stores[0], rosterEvolver), aggregate.New(stores[1], rosterEvolver)}
	sid := stream("r1")
	appendNames(t, stores[0], sid, "ada") // not a new stream: the expected-version path

	var (
		wg       sync.WaitGroup
		startAll = make(chan struct{})
		results  = make([]aggregate.Result, callers)
		errs     = make([]error, callers)
	)
	for i := range callers {
		wg.Go(func() {
			<-startAll
			// The same request sent by a client that retried too eagerly,
			// reaching two replicas.
			results[i], errs[i] = repos[i%2].Handle(context.Background(), aggregate.Command[roster]{
				Stream: sid, Meta: withRequest("req-twice"), Decide: add("grace"),
			})
		})
	}
	close(startAll)
	wg.Wait()

	originals := 0
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if !results[i].Duplicate {
			originals++
		}
		if results[i].StreamVersion != 2 || results[i].Position != results[0].Position {
			t.Fatalf("caller %d answered %+v, caller 0 %+v: want the same commit at version 2", i, results[i], results[0])
		}
	}
	if originals != 1 {
		t.Fatalf("%d callers committed, want exactly 1", originals)
	}
	if got, want := readNames(t, stores[0], sid), []string{"ada", "grace"}; !slices.Equal(got, want) {
		t.Fatalf("stream holds %v, want %v", got, want)
	}
}

// A caller who may not see an aggregate learns nothing of it: not its
// version (from a stale expected version), not a stored answer (from a
// request id it replays), not its rules.
func TestInvisibleAggregateIsNotFoundBeforeAnythingElse(t *testing.T) {
	s := newStore(t)
	repo := aggregate.New(s, rosterEvolver)
	sid := stream("secret")
	appendNames(t, s, sid, "ada")
	ctx := context.Background()
	first, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: withRequest("req-1"), Decide: add("grace")})
	if err != nil {
		t.Fatal(err)
	}
	before := lastPosition(t, s)

	hidden := func(roster) error { return domainerr.Missing("roster", "there is no roster that you may see") }
	for name, cmd := range map[string]aggregate.Command[roster]{
		"stale version":    {Stream: sid, Meta: meta, ExpectedVersion: 999, Visible: hidden, Decide: add("linus")},
		"replayed request": {Stream: sid, Meta: withRequest("req-1"), Visible: hidden, Decide: add("grace")},
		"broken rule":      {Stream: sid, Meta: meta, Visible: hidden, Decide: add("ada")},
	} {
		decided := false
		inner := cmd.Decide
		cmd.Decide = func(r roster) ([]proto.Message, error) { decided = true; return inner(r) }
		_, err := repo.Handle(ctx, cmd)
		if code := grpcserver.StatusOf(err).Code(); code != codes.NotFound {
			t.Errorf("%s: answered %v, want NOT_FOUND", name, err)
		}
		if decided {
			t.Errorf("%s: decided on an aggregate the caller may not see", name)
		}
	}
	if got := lastPosition(t, s); got != before {
		t.Fatalf("refused commands wrote: store moved from %d to %d", before, got)
	}
	// Whoever may see it still gets the stored answer.
	res, err := repo.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: withRequest("req-1"), Visible: func(roster) error { return nil }, Decide: add("grace")})
	if err != nil || !res.Duplicate || res.StreamVersion != first.StreamVersion {
		t.Fatalf("the visible retry answered %+v, %v; want the first answer %+v", res, err, first)
	}
}

// A version claimed of an aggregate that does not exist is NOT_FOUND, not a
// conflict telling the caller it is "at version 0".
func TestExpectedVersionOfNothingIsNotFound(t *testing.T) {
	s := newStore(t)
	repo := aggregate.New(s, rosterEvolver)
	_, err := repo.Handle(context.Background(), aggregate.Command[roster]{Stream: stream("never"), Meta: meta, ExpectedVersion: 5, Decide: add("ada")})
	st := grpcserver.StatusOf(err)
	if st.Code() != codes.NotFound || strings.Contains(st.Message(), "version") {
		t.Fatalf("answered %v, want NOT_FOUND without a version", err)
	}
	if got := readNames(t, s, stream("never")); len(got) != 0 {
		t.Fatalf("wrote %v", got)
	}
}

// Issue 11, item 2: an event the binary cannot decode used to be skipped by
// Evolve, so an old replica decided on part of the history. Now loading an
// aggregate that holds one is refused, UNAVAILABLE, and nothing is decided.
func TestAnOlderBinaryRefusesToDecide(t *testing.T) {
	s := newStore(t)
	repo := aggregate.New(s, rosterEvolver)
	sid := stream("future")
	appendNames(t, s, sid, "ada")
	if _, err := s.Append(context.Background(), sid, eventstore.Exact(1), meta, natstest.UnlinkedEvent(t, "carecoop.test.v2.NameRetracted", "ada")); err != nil {
		t.Fatal(err)
	}
	decided := false
	_, err := repo.Handle(context.Background(), aggregate.Command[roster]{Stream: sid, Meta: meta,
		Decide: func(r roster) ([]proto.Message, error) { decided = true; return add("ada")(r) }})
	if !errors.Is(err, eventstore.ErrOlderThanData) {
		t.Fatalf("Handle on a history with an unknown event = %v, want ErrOlderThanData", err)
	}
	if st := grpcserver.StatusOf(err); st.Code() != codes.Unavailable || !strings.Contains(st.Message(), "older than its data") {
		t.Fatalf("at the edge: %v, want UNAVAILABLE saying the service is older than its data", st)
	}
	if decided {
		t.Fatal("decided on a partial history")
	}
}

// registerPersonNamed registers the test's upcaster once per process (a
// name has one upcaster; tests may run more than once).
var registerPersonNamed = sync.OnceFunc(func() {
	eventstore.RegisterUpcaster("carecoop.test.v1.PersonNamed", func(old *anypb.Any) ([]proto.Message, error) {
		// The old event held its name in field 1, as StringValue does.
		var v wrapperspb.StringValue
		if err := proto.Unmarshal(old.GetValue(), &v); err != nil {
			return nil, err
		}
		return []proto.Message{wrapperspb.String(strings.ToLower(v.GetValue()))}, nil
	})
})

// A retired type is read through its upcaster: old events replay as the
// events that replaced them, and the aggregate decides on the whole history.
func TestUpcasterReplaysOldEvents(t *testing.T) {
	const retired = "carecoop.test.v1.PersonNamed"
	registerPersonNamed()
	s := newStore(t)
	repo := aggregate.New(s, rosterEvolver)
	sid := stream("renamed")
	if _, err := s.Append(context.Background(), sid, eventstore.NoStream, meta, natstest.UnlinkedEvent(t, retired, "ADA")); err != nil {
		t.Fatal(err)
	}
	appendNames(t, s, sid, "grace")
	l, err := repo.Load(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.State.names, []string{"ada", "grace"}) || l.Version != 2 {
		t.Fatalf("loaded %v at version %d, want [ada grace] at 2", l.State.names, l.Version)
	}
	// The rule sees the upcast event: ada is already on the roster.
	_, err = repo.Handle(context.Background(), aggregate.Command[roster]{Stream: sid, Meta: meta, Decide: add("ada")})
	if de, ok := domainerr.As(err); !ok || de.Rule != "roster.unique_name" {
		t.Fatalf("adding ada again = %v, want roster.unique_name", err)
	}
}
