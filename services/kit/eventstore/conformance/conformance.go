// Package conformance is the behaviour every eventstore.Store backend must
// show. A backend's test calls Run with a constructor; each subtest asks for
// its own store, and uses fresh stream ids, so a constructor may also hand
// out one shared store.
package conformance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// Run runs the suite against the stores newStore returns.
func Run(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s eventstore.Store)
	}{
		{"AppendNewStream", testAppendNewStream},
		{"ReadUnknownStream", testReadUnknownStream},
		{"NoStreamOnExistingStream", testNoStreamOnExisting},
		{"ExactWrongVersionWritesNothing", testExactWrongVersion},
		{"Any", testAny},
		{"InvalidAppends", testInvalidAppends},
		{"ConcurrentWritersOneWinnerPerRound", testConcurrentWriters},
		{"ConcurrentAnyKeepsVersionsDense", testConcurrentAny},
		{"AtomicMultiEventCommit", testAtomicCommit},
		{"OrderingAcrossStreams", testOrdering},
		{"SubscribeReplaysFromPosition", testSubscribeReplay},
		{"SubscribeReceivesLiveCommits", testSubscribeLive},
		{"SubscribeStopsOnHandlerError", testSubscribeHandlerError},
		{"IdempotentRetry", testIdempotentRetry},
		{"LargeHistory", testLargeHistory},
		{"MetadataRoundTrip", testMetadata},
		{"ReadStreamAfterAVersion", testReadAfter},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, newStore(t))
		})
	}
}

// timeout bounds every call of a subtest so a broken backend fails, not hangs.
const timeout = 30 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	t.Cleanup(cancel)
	return ctx
}

// newStreamID returns a stream id no other subtest or run uses.
func newStreamID(t *testing.T, context string) eventstore.StreamID {
	t.Helper()
	sid, err := eventstore.NewStreamID(context, "thing", uuid.NewString())
	if err != nil {
		t.Fatal(err)
	}
	return sid
}

// newContext returns a context name unique to this run, so that a context
// filter sees only this subtest's streams.
func newContext() string { return "c" + uuid.NewString()[:8] }

func ev(s string) proto.Message { return wrapperspb.String(s) }

func mustAppend(t *testing.T, s eventstore.Store, sid eventstore.StreamID, exp eventstore.ExpectedVersion, meta eventstore.Metadata, events ...proto.Message) eventstore.AppendResult {
	t.Helper()
	res, err := s.Append(testCtx(t), sid, exp, meta, events...)
	if err != nil {
		t.Fatalf("Append(%s, %s): %v", sid, exp, err)
	}
	return res
}

func mustRead(t *testing.T, s eventstore.Store, sid eventstore.StreamID) []eventstore.RecordedEvent {
	t.Helper()
	evs, err := s.ReadStream(testCtx(t), sid)
	if err != nil {
		t.Fatalf("ReadStream(%s): %v", sid, err)
	}
	return evs
}

func values(evs []eventstore.RecordedEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		if sv, ok := e.Event.(*wrapperspb.StringValue); ok {
			out[i] = sv.Value
		} else {
			out[i] = fmt.Sprintf("<%T>", e.Event)
		}
	}
	return out
}

func wantValues(t *testing.T, evs []eventstore.RecordedEvent, want ...string) {
	t.Helper()
	got := values(evs)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events = %q, want %q", got, want)
	}
}

// checkDense asserts versions 1..n and non-decreasing positions.
func checkDense(t *testing.T, evs []eventstore.RecordedEvent) {
	t.Helper()
	for i, e := range evs {
		if e.Version != uint64(i)+1 {
			t.Fatalf("event %d has version %d, want %d", i, e.Version, i+1)
		}
		if i > 0 && e.Position < evs[i-1].Position {
			t.Fatalf("event %d at position %d after %d", i, e.Position, evs[i-1].Position)
		}
	}
}

func wantConcurrency(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, eventstore.ErrConcurrency) {
		t.Fatalf("err = %v, want ErrConcurrency", err)
	}
}

func testAppendNewStream(t *testing.T, s eventstore.Store) {
	sid := newStreamID(t, "conf")
	res := mustAppend(t, s, sid, eventstore.NoStream, eventstore.Metadata{}, ev("a"))
	if res.StreamVersion != 1 || res.Position == 0 || res.Duplicate {
		t.Fatalf("result = %+v, want version 1 at a position", res)
	}
	evs := mustRead(t, s, sid)
	wantValues(t, evs, "a")
	if e := evs[0]; e.Version != 1 || e.Position != res.Position || e.StreamID != sid || e.Index != 0 || e.CommitSize != 1 || !e.LastInCommit() {
		t.Fatalf("recorded = %+v", e)
	}
	last, err := s.LastPosition(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if last < res.Position {
		t.Fatalf("LastPosition = %d, before the commit at %d", last, res.Position)
	}
}

func testReadUnknownStream(t *testing.T, s eventstore.Store) {
	evs, err := s.ReadStream(testCtx(t), newStreamID(t, "conf"))
	if err != nil || len(evs) != 0 {
		t.Fatalf("ReadStream(unknown) = %v, %v; want empty, nil", evs, err)
	}
}

func testNoStreamOnExisting(t *testing.T, s eventstore.Store) {
	sid := newStreamID(t, "conf")
	mustAppend(t, s, sid, eventstore.NoStream, eventstore.Metadata{}, ev("a"))
	_, err := s.Append(testCtx(t), sid, eventstore.NoStream, eventstore.Metadata{}, ev("b"))
	wantConcurrency(t, err)
	_, err = s.Append(testCtx(t), sid, eventstore.Exact(0), eventstore.Metadata{}, ev("b"))
	wantConcurrency(t, err)
	wantValues(t, mustRead(t, s, sid), "a")
}

func testExactWrongVersion(t *testing.T, s eventstore.Store) {
	ctx := testCtx(t)
	sid := newStreamID(t, "conf")
	mustAppend(t, s, sid, eventstore.NoStream, eventstore.Metadata{}, ev("a"))
	res := mustAppend(t, s, sid, eventstore.Exact(1), eventstore.Metadata{}, ev("b"))
	if res.StreamVersion != 2 {
		t.Fatalf("version = %d, want 2", res.StreamVersion)
	}
	before, err := s.LastPosition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []uint64{1, 3, 7} {
		_, err := s.Append(ctx, sid, eventstore.Exact(v), eventstore.Metadata{}, ev("x"), ev("y"))
		wantConcurrency(t, err)
	}
	// Expecting a version of a stream that does not exist fails too.
	unknown := newStreamID(t, "conf")
	_, err = s.Append(ctx, unknown, eventstore.Exact(1), eventstore.Metadata{}, ev("x"))
	wantConcurrency(t, err)
	if evs := mustRead(t, s, unknown); len(evs) != 0 {
		t.Fatalf("failed append to a new stream wrote %d events", len(evs))
	}

	after, err := s.LastPosition(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatalf("failed appends moved the last position from %d to %d", before, after)
	}
	wantValues(t, mustRead(t, s, sid), "a", "b")
	mustAppend(t, s, sid, eventstore.Exact(2), eventstore.Metadata{}, ev("c"))
	wantValues(t, mustRead(t, s, sid), "a", "b", "c")
}

func testAny(t *testing.T, s eventstore.Store) {
	sid := newStreamID(t, "conf")
	if r := mustAppend(t, s, sid, eventstore.Any, eventstore.Metadata{}, ev("a")); r.StreamVersion != 1 {
		t.Fatalf("first Any: version %d, want 1", r.StreamVersion)
	}
	if r := mustAppend(t, s, sid, eventstore.Any, eventstore.Metadata{}, ev("b"), ev("c")); r.StreamVersion != 3 {
		t.Fatalf("second Any: version %d, want 3", r.StreamVersion)
	}
	mustAppend(t, s, sid, eventstore.Exact(3), eventstore.Metadata{}, ev("d"))
	if r := mustAppend(t, s, sid, eventstore.Any, eventstore.Metadata{}, ev("e")); r.StreamVersion != 5 {
		t.Fatalf("third Any: version %d, want 5", r.StreamVersion)
	}
	evs := mustRead(t, s, sid)
	wantValues(t, evs, "a", "b", "c", "d", "e")
	checkDense(t, evs)
}

func testInvalidAppends(t *testing.T, s eventstore.Store) {
	ctx := testCtx(t)
	sid := newStreamID(t, "conf")
	if _, err := s.Append(ctx, sid, eventstore.NoStream, eventstore.Metadata{}); !errors.Is(err, eventstore.ErrInvalid) {
		t.Fatalf("no events: err = %v, want ErrInvalid", err)
	}
	bad := eventstore.StreamID{Context: "conf", Aggregate: "thing", ID: "has.dot"}
	if _, err := s.Append(ctx, bad, eventstore.NoStream, eventstore.Metadata{}, ev("a")); !errors.Is(err, eventstore.ErrInvalid) {
		t.Fatalf("bad stream id: err = %v, want ErrInvalid", err)
	}
	if _, err := s.Append(ctx, sid, eventstore.NoStream, eventstore.Metadata{}, ev("a"), nil); !errors.Is(err, eventstore.ErrInvalid) {
		t.Fatalf("nil event: err = %v, want ErrInvalid", err)
	}
	if evs := mustRead(t, s, sid); len(evs) != 0 {
		t.Fatalf("invalid appends wrote %d events", len(evs))
	}
}

func testConcurrentWriters(t *testing.T, s eventstore.Store) {
	const rounds, writers = 10, 8
	ctx := testCtx(t)
	sid := newStreamID(t, "conf")
	for round := range rounds {
		var (
			wg      sync.WaitGroup
			start   = make(chan struct{})
			mu      sync.Mutex
			wins    int
			losses  int
			otherEr []error
		)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := s.Append(ctx, sid, eventstore.Exact(uint64(round)), eventstore.Metadata{}, ev(fmt.Sprintf("r%d-w%d", round, w)))
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, eventstore.ErrConcurrency):
					losses++
				default:
					otherEr = append(otherEr, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if len(otherEr) > 0 {
			t.Fatalf("round %d: unexpected errors: %v", round, otherEr)
		}
		if wins != 1 || losses != writers-1 {
			t.Fatalf("round %d: %d winners and %d conflicts, want 1 and %d", round, wins, losses, writers-1)
		}
	}
	evs := mustRead(t, s, sid)
	if len(evs) != rounds {
		t.Fatalf("%d events, want %d", len(evs), rounds)
	}
	checkDense(t, evs)
}

func testConcurrentAny(t *testing.T, s eventstore.Store) {
	const writers, each = 8, 5
	ctx := testCtx(t)
	sid := newStreamID(t, "conf")
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if _, err := s.Append(ctx, sid, eventstore.Any, eventstore.Metadata{}, ev(fmt.Sprintf("w%d-%d", w, i))); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Any append failed: %v", err)
	}
	evs := mustRead(t, s, sid)
	if len(evs) != writers*each {
		t.Fatalf("%d events, want %d", len(evs), writers*each)
	}
	checkDense(t, evs)
}

func testAtomicCommit(t *testing.T, s eventstore.Store) {
	sid := newStreamID(t, "conf")
	mustAppend(t, s, sid, eventstore.NoStream, eventstore.Metadata{}, ev("a"))
	res := mustAppend(t, s, sid, eventstore.Exact(1), eventstore.Metadata{}, ev("b"), ev("c"), ev("d"))
	if res.StreamVersion != 4 {
		t.Fatalf("version = %d, want 4", res.StreamVersion)
	}
	// A failed multi-event commit writes none of its events.
	_, err := s.Append(testCtx(t), sid, eventstore.Exact(1), eventstore.Metadata{}, ev("x"), ev("y"), ev("z"))
	wantConcurrency(t, err)

	evs := mustRead(t, s, sid)
	wantValues(t, evs, "a", "b", "c", "d")
	checkDense(t, evs)
	for i, e := range evs[1:] {
		if e.Position != res.Position || e.Index != i || e.CommitSize != 3 || e.LastInCommit() != (i == 2) {
			t.Fatalf("event %d of the commit: position %d index %d size %d; want position %d index %d size 3",
				i, e.Position, e.Index, e.CommitSize, res.Position, i)
		}
	}
	if evs[0].Position >= res.Position {
		t.Fatalf("first commit at %d, second at %d", evs[0].Position, res.Position)
	}
}

func testOrdering(t *testing.T, s eventstore.Store) {
	sids := []eventstore.StreamID{newStreamID(t, "conf"), newStreamID(t, "conf"), newStreamID(t, "conf")}
	var lastPos uint64
	for i := range 30 {
		sid := sids[i%len(sids)]
		res := mustAppend(t, s, sid, eventstore.Exact(uint64(i/len(sids))), eventstore.Metadata{}, ev(fmt.Sprint(i)))
		if res.Position <= lastPos {
			t.Fatalf("commit %d at position %d, not after %d", i, res.Position, lastPos)
		}
		lastPos = res.Position
	}
	for j, sid := range sids {
		evs := mustRead(t, s, sid)
		if len(evs) != 10 {
			t.Fatalf("stream %d: %d events, want 10", j, len(evs))
		}
		checkDense(t, evs)
		for k := 1; k < len(evs); k++ {
			if evs[k].Position <= evs[k-1].Position {
				t.Fatalf("stream %d: positions not increasing: %d then %d", j, evs[k-1].Position, evs[k].Position)
			}
		}
	}
	last, err := s.LastPosition(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if last != lastPos {
		t.Fatalf("LastPosition = %d, want %d", last, lastPos)
	}
}

// collect subscribes and gathers commits until want events arrived or the
// deadline passes, then ends the subscription and checks it returned ctx's error.
func collect(t *testing.T, s eventstore.Store, after uint64, filters []string, want int, started chan<- struct{}) [][]eventstore.RecordedEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(testCtx(t), 10*time.Second)
	defer cancel()
	var (
		commits [][]eventstore.RecordedEvent
		n       int
	)
	done := make(chan error, 1)
	go func() {
		done <- s.Subscribe(ctx, after, filters, func(c []eventstore.RecordedEvent) error {
			commits = append(commits, c)
			if n += len(c); n >= want {
				cancel()
			}
			return nil
		})
	}()
	if started != nil {
		close(started)
	}
	err := <-done
	if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Subscribe returned %v, want the context's error", err)
	}
	if n < want {
		t.Fatalf("subscription got %d events before the deadline, want %d", n, want)
	}
	return commits
}

func flatten(commits [][]eventstore.RecordedEvent) []eventstore.RecordedEvent {
	var out []eventstore.RecordedEvent
	for _, c := range commits {
		out = append(out, c...)
	}
	return out
}

func testSubscribeReplay(t *testing.T, s eventstore.Store) {
	ctxA, ctxB := newContext(), newContext()
	a1, a2, b1 := newStreamID(t, ctxA), newStreamID(t, ctxA), newStreamID(t, ctxB)
	// pos records where each value landed, to check the positions Subscribe reports.
	pos := map[string]uint64{}
	app := func(sid eventstore.StreamID, exp eventstore.ExpectedVersion, vals ...string) eventstore.AppendResult {
		t.Helper()
		var evs []proto.Message
		for _, v := range vals {
			evs = append(evs, ev(v))
		}
		res := mustAppend(t, s, sid, exp, eventstore.Metadata{}, evs...)
		for _, v := range vals {
			pos[v] = res.Position
		}
		return res
	}
	app(a1, eventstore.NoStream, "a1-1")
	app(b1, eventstore.NoStream, "b1-1")
	from := app(a2, eventstore.NoStream, "a2-1")
	app(b1, eventstore.Exact(1), "b1-2")
	app(a1, eventstore.Exact(1), "a1-2", "a1-3")
	app(a2, eventstore.Exact(1), "a2-2")
	checkPositions := func(evs []eventstore.RecordedEvent) {
		t.Helper()
		for _, e := range evs {
			if v := values([]eventstore.RecordedEvent{e})[0]; e.Position != pos[v] {
				t.Fatalf("event %s delivered with position %d, appended at %d", v, e.Position, pos[v])
			}
		}
	}

	// After a position, filtered to one context: later commits of it only, in order.
	commits := collect(t, s, from.Position, []string{eventstore.ContextFilter(ctxA)}, 3, nil)
	evs := flatten(commits)
	wantValues(t, evs, "a1-2", "a1-3", "a2-2")
	checkPositions(evs)
	if len(commits) != 2 || len(commits[0]) != 2 {
		t.Fatalf("commits arrived as %d groups (%d in the first), want the 2-event commit whole", len(commits), len(commits[0]))
	}
	for i := 1; i < len(evs); i++ {
		if evs[i].Position < evs[i-1].Position {
			t.Fatalf("positions out of order: %d then %d", evs[i-1].Position, evs[i].Position)
		}
	}
	if evs[0].StreamID != a1 || evs[0].Version != 2 || evs[2].StreamID != a2 || evs[2].Version != 2 {
		t.Fatalf("stream ids or versions wrong: %+v", evs)
	}

	// From the start, several filters: every commit of those streams.
	evs = flatten(collect(t, s, 0, []string{a2.Subject(), b1.Subject()}, 4, nil))
	wantValues(t, evs, "b1-1", "a2-1", "b1-2", "a2-2")
	checkPositions(evs)
}

func testSubscribeLive(t *testing.T, s eventstore.Store) {
	ctxA := newContext()
	sid := newStreamID(t, ctxA)
	mustAppend(t, s, sid, eventstore.NoStream, eventstore.Metadata{}, ev("old"))
	after, err := s.LastPosition(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	appended := make(chan error, 1)
	go func() {
		<-started
		// Give the subscription time to catch up, so these arrive live.
		time.Sleep(100 * time.Millisecond)
		for i := range 5 {
			if _, err := s.Append(t.Context(), sid, eventstore.Exact(uint64(i+1)), eventstore.Metadata{}, ev(fmt.Sprint("live", i))); err != nil {
				appended <- err
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		appended <- nil
	}()
	evs := flatten(collect(t, s, after, []string{eventstore.ContextFilter(ctxA)}, 5, started))
	if err := <-appended; err != nil {
		t.Fatal(err)
	}
	wantValues(t, evs, "live0", "live1", "live2", "live3", "live4")
}

func testSubscribeHandlerError(t *testing.T, s eventstore.Store) {
	sid := newStreamID(t, newContext())
	mustAppend(t, s, sid, eventstore.NoStream, eventstore.Metadata{}, ev("a"))
	mustAppend(t, s, sid, eventstore.Exact(1), eventstore.Metadata{}, ev("b"))
	stop := errors.New("stop here")
	calls := 0
	err := s.Subscribe(testCtx(t), 0, []string{sid.Subject()}, func([]eventstore.RecordedEvent) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("Subscribe = %v after %d calls, want the handler's error after 1", err, calls)
	}
}

func testIdempotentRetry(t *testing.T, s eventstore.Store) {
	ctx := testCtx(t)
	sid := newStreamID(t, "conf")
	meta := eventstore.Metadata{RequestID: "req-" + uuid.NewString()}
	first := mustAppend(t, s, sid, eventstore.NoStream, meta, ev("a"), ev("b"))
	if first.Duplicate {
		t.Fatal("first append reported as duplicate")
	}
	same := func(label string, res eventstore.AppendResult, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		if !res.Duplicate || res.Position != first.Position || res.StreamVersion != first.StreamVersion {
			t.Fatalf("%s = %+v, want duplicate of %+v", label, res, first)
		}
	}
	res, err := s.Append(ctx, sid, eventstore.NoStream, meta, ev("a"), ev("b"))
	same("immediate retry", res, err)
	wantValues(t, mustRead(t, s, sid), "a", "b")

	// Another commit lands; the retry still answers with the original.
	mustAppend(t, s, sid, eventstore.Exact(2), eventstore.Metadata{}, ev("c"))
	res, err = s.Append(ctx, sid, eventstore.NoStream, meta, ev("a"), ev("b"))
	same("retry after another commit", res, err)
	res, err = s.Append(ctx, sid, eventstore.Any, meta, ev("a"), ev("b"))
	same("retry with Any", res, err)
	res, err = s.Append(ctx, sid, eventstore.Exact(3), meta, ev("a"), ev("b"))
	same("retry with the current version", res, err)
	wantValues(t, mustRead(t, s, sid), "a", "b", "c")

	// A request id is scoped to its stream.
	other := newStreamID(t, "conf")
	if res := mustAppend(t, s, other, eventstore.NoStream, meta, ev("z")); res.Duplicate {
		t.Fatal("same request id on another stream reported as duplicate")
	}
	// A conflict with a fresh request id is still a conflict.
	_, err = s.Append(ctx, sid, eventstore.Exact(1), eventstore.Metadata{RequestID: "req-" + uuid.NewString()}, ev("x"))
	wantConcurrency(t, err)
	wantValues(t, mustRead(t, s, sid), "a", "b", "c")
}

func testLargeHistory(t *testing.T, s eventstore.Store) {
	const commits, perCommit = 2500, 2 // more commits than any sane read page
	sid := newStreamID(t, "conf")
	ctx := testCtx(t)
	for i := range commits {
		if _, err := s.Append(ctx, sid, eventstore.Exact(uint64(i*perCommit)), eventstore.Metadata{},
			wrapperspb.Int64(int64(i*perCommit)), wrapperspb.Int64(int64(i*perCommit+1))); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	evs := mustRead(t, s, sid)
	if len(evs) != commits*perCommit {
		t.Fatalf("read %d events, want %d", len(evs), commits*perCommit)
	}
	checkDense(t, evs)
	for i, e := range evs {
		if v, ok := e.Event.(*wrapperspb.Int64Value); !ok || v.Value != int64(i) {
			t.Fatalf("event %d = %v, want %d", i, e.Event, i)
		}
	}
}

func testMetadata(t *testing.T, s eventstore.Store) {
	ctxA := newContext()
	sid := newStreamID(t, ctxA)
	occurred := time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)
	meta := eventstore.Metadata{
		Actor:         eventstore.Actor{Subject: "user-42", Organisation: "council:E08000035", Role: "commissioner"},
		CorrelationID: "corr-" + uuid.NewString(),
		CausationID:   "cause-" + uuid.NewString(),
		RequestID:     "req-" + uuid.NewString(),
		OccurredAt:    occurred,
	}
	events := []proto.Message{ev("first"), timestamppb.New(occurred)}
	res := mustAppend(t, s, sid, eventstore.NoStream, meta, events...)

	check := func(label string, evs []eventstore.RecordedEvent) {
		t.Helper()
		if len(evs) != 2 {
			t.Fatalf("%s: %d events, want 2", label, len(evs))
		}
		for i, e := range evs {
			id, err := uuid.Parse(e.EventID)
			if err != nil || id.Version() != 7 {
				t.Fatalf("%s: event id %q is not a UUIDv7 (%v)", label, e.EventID, err)
			}
			if e.StreamID != sid || e.Version != uint64(i+1) || e.Position != res.Position || e.Index != i || e.CommitSize != 2 {
				t.Fatalf("%s: event %d placement = %+v", label, i, e)
			}
			if want := string(events[i].ProtoReflect().Descriptor().FullName()); e.Type != want {
				t.Fatalf("%s: type %q, want %q", label, e.Type, want)
			}
			if !proto.Equal(e.Event, events[i]) {
				t.Fatalf("%s: event %d = %v, want %v", label, i, e.Event, events[i])
			}
			if e.Actor != meta.Actor || e.CorrelationID != meta.CorrelationID || e.CausationID != meta.CausationID || e.RequestID != meta.RequestID {
				t.Fatalf("%s: metadata = %+v, want %+v", label, e, meta)
			}
			if !e.OccurredAt.Equal(occurred) {
				t.Fatalf("%s: occurred at %s, want %s", label, e.OccurredAt, occurred)
			}
		}
		if evs[0].EventID == evs[1].EventID {
			t.Fatalf("%s: both events have id %s", label, evs[0].EventID)
		}
	}
	read := mustRead(t, s, sid)
	check("ReadStream", read)
	check("Subscribe", flatten(collect(t, s, 0, []string{sid.Subject()}, 2, nil)))

	// OccurredAt defaults to the time of the append.
	before := time.Now()
	mustAppend(t, s, sid, eventstore.Exact(2), eventstore.Metadata{}, ev("later"))
	evs := mustRead(t, s, sid)
	if len(evs) != 3 {
		t.Fatalf("read %d events after the third append, want 3", len(evs))
	}
	if at := evs[2].OccurredAt; at.Before(before.Add(-time.Minute)) || at.After(time.Now().Add(time.Minute)) {
		t.Fatalf("default OccurredAt = %s, want about %s", at, before)
	}
	if e := evs[2]; e.Actor != (eventstore.Actor{}) || e.RequestID != "" || e.CorrelationID != "" {
		t.Fatalf("empty metadata came back as %+v", e)
	}
}

// testReadAfter: a store that reads a stream's tail gives exactly the events
// after the version asked for, commits whole, with other streams' commits
// interleaved; nothing after the tip is an empty read, not an error.
func testReadAfter(t *testing.T, s eventstore.Store) {
	tr, ok := s.(eventstore.TailReader)
	if !ok {
		t.Skip("the store reads whole streams only")
	}
	ctx := testCtx(t)
	sid, other := newStreamID(t, "conf"), newStreamID(t, "conf")
	mustAppend(t, s, sid, eventstore.NoStream, eventstore.Metadata{}, ev("a"), ev("b"))
	mustAppend(t, s, other, eventstore.NoStream, eventstore.Metadata{}, ev("x"))
	second := mustAppend(t, s, sid, eventstore.Exact(2), eventstore.Metadata{}, ev("c"))
	mustAppend(t, s, other, eventstore.Exact(1), eventstore.Metadata{}, ev("y"))
	mustAppend(t, s, sid, eventstore.Exact(3), eventstore.Metadata{}, ev("d"), ev("e"))
	whole := mustRead(t, s, sid)
	for _, at := range []struct {
		version uint64
		want    []string
	}{{0, []string{"a", "b", "c", "d", "e"}}, {2, []string{"c", "d", "e"}}, {3, []string{"d", "e"}}, {5, nil}} {
		var pos uint64
		if at.version > 0 {
			pos = whole[at.version-1].Position
		}
		evs, err := tr.ReadStreamAfter(ctx, sid, at.version, pos)
		if err != nil {
			t.Fatalf("ReadStreamAfter(version %d) = %v", at.version, err)
		}
		wantValues(t, evs, at.want...)
		for i, e := range evs {
			if e.Version != at.version+uint64(i)+1 || e.StreamID != sid {
				t.Fatalf("ReadStreamAfter(version %d)[%d] = version %d of %s", at.version, i, e.Version, e.StreamID)
			}
		}
	}
	if evs, err := tr.ReadStreamAfter(ctx, sid, 3, second.Position); err != nil || evs[0].Position <= second.Position || evs[0].Index != 0 || evs[1].LastInCommit() != true {
		t.Fatalf("the tail after the second commit = %+v, %v: want the third commit whole", evs, err)
	}
}
