// Package aggregate is the one place where a command meets the store: load the
// aggregate's events, fold them with Evolve, let the domain decide, append the
// decision with the version it was made on, and retry a bounded number of
// times when another writer got there first.
package aggregate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/metrics"
	"github.com/carecoop/carecoop/services/kit/retry"
	"github.com/carecoop/carecoop/services/kit/tracing"
)

// DefaultMaxAttempts bounds the load → decide → append loop under contention.
// Between attempts Handle waits a random time below an exponentially growing
// limit (retry.Backoff), so writers that collided spread out rather than
// collide again: with these values sixteen writers on one aggregate all get
// through (TestConcurrentCommandsAllSucceedWithDenseVersions), and a command
// gives up after at most about a third of a second of waiting.
const DefaultMaxAttempts = 10

// Backoff limits between attempts: attempt n waits below min(retryBase<<n, retryCap).
const (
	retryBase = time.Millisecond
	retryCap  = 64 * time.Millisecond
)

// Evolver folds events into state: the pure half of a decider that loading needs.
type Evolver[S any] struct {
	Initial func() S
	// Evolve returns the state after one event and never changes the state
	// it is given (it copies what it changes).
	Evolve func(S, proto.Message) S
	// Fold, if set, is Evolve over many events at once, and loading uses it:
	// the same state, but it may copy the given state once and change its
	// copy in place, so a long stream loads in time linear in its length
	// where copying on every event would not.
	Fold func(S, []proto.Message) S
}

// Repository loads and changes aggregates of one kind.
type Repository[S any] struct {
	store       eventstore.Store
	evolver     Evolver[S]
	maxAttempts int
	// cache holds long streams' states, when the store reads tails.
	cache *stateCache[S]
}

// New returns a repository over store. When the store can read a stream's
// tail (eventstore.TailReader), the repository keeps the state of the
// aggregates with long streams it loaded last, so loading one again reads
// only what followed: a DPS or a provider after years of use is not read
// whole for every command (issue 16).
func New[S any](store eventstore.Store, evolver Evolver[S]) *Repository[S] {
	r := &Repository[S]{store: store, evolver: evolver, maxAttempts: DefaultMaxAttempts}
	if tr, ok := store.(eventstore.TailReader); ok {
		r.cache = newStateCache[S](tr, DefaultCachedStreams, DefaultCacheFrom)
	}
	return r
}

// Loaded is an aggregate as of a version.
type Loaded[S any] struct {
	State   S
	Version uint64
	// Position of the last commit folded in (0 for a new aggregate).
	Position uint64
	// events are the stream's events, or only those after a cached state;
	// then seen tells whether a request id was committed before them.
	events []eventstore.RecordedEvent
	seen   func(requestID string) bool
}

// Load folds the stream, retired event types upcast: the whole stream, or
// the events after the state the repository kept of it. A stream holds
// only its own context's events, so one this binary cannot decode means the
// binary is older than its data: Load refuses (eventstore.ErrOlderThanData)
// rather than let a command decide on part of the history.
func (r *Repository[S]) Load(ctx context.Context, stream eventstore.StreamID) (Loaded[S], error) {
	if r.cache != nil {
		if l, ok, err := r.cache.load(ctx, stream, r.fold); ok || err != nil {
			return l, err
		}
	}
	events, err := r.store.ReadStream(ctx, stream)
	if err != nil {
		return Loaded[S]{}, fmt.Errorf("load %s: %w", stream, err)
	}
	l := Loaded[S]{State: r.evolver.Initial()}
	if l, err = r.fold(stream, l, events); err != nil {
		return Loaded[S]{}, err
	}
	if r.cache != nil {
		r.cache.keep(stream, l)
	}
	return l, nil
}

// fold applies events (upcast and checked) to l, which is not changed.
func (r *Repository[S]) fold(stream eventstore.StreamID, l Loaded[S], events []eventstore.RecordedEvent) (Loaded[S], error) {
	events, err := eventstore.Upcast(events)
	if err != nil {
		return Loaded[S]{}, fmt.Errorf("load %s: %w", stream, err)
	}
	for _, e := range events {
		if eventstore.Unknown(e) {
			return Loaded[S]{}, fmt.Errorf("%w: %s holds a %s event (version %d) this binary does not know", eventstore.ErrOlderThanData, stream, e.Type, e.Version)
		}
	}
	l.events = events
	if len(events) == 0 {
		return l, nil
	}
	last := events[len(events)-1]
	l.Version, l.Position = last.Version, last.Position
	if r.evolver.Fold != nil {
		msgs := make([]proto.Message, len(events))
		for i, e := range events {
			msgs[i] = e.Event
		}
		l.State = r.evolver.Fold(l.State, msgs)
		return l, nil
	}
	for _, e := range events {
		l.State = r.evolver.Evolve(l.State, e.Event)
	}
	return l, nil
}

// committed finds the commit a request id already produced, so a retried
// command answers as the first attempt did even after the store's dedupe
// window has passed. A commit older than a cached state's tail is read
// from the whole stream.
func (r *Repository[S]) committed(ctx context.Context, stream eventstore.StreamID, l Loaded[S], requestID string) (Result, bool, error) {
	if requestID == "" {
		return Result{}, false, nil
	}
	if res, ok := l.committed(requestID); ok || l.seen == nil || !l.seen(requestID) {
		return res, ok, nil
	}
	events, err := r.store.ReadStream(ctx, stream)
	if err != nil {
		return Result{}, false, fmt.Errorf("load %s: %w", stream, err)
	}
	res, ok := Loaded[S]{events: events}.committed(requestID)
	return res, ok, nil
}

func (l Loaded[S]) committed(requestID string) (Result, bool) {
	if requestID == "" {
		return Result{}, false
	}
	var res Result
	found := false
	for _, e := range l.events {
		if e.RequestID == requestID {
			found = true
			res.StreamVersion, res.Position = e.Version, e.Position
			res.Events = append(res.Events, e.Event)
		} else if found {
			break
		}
	}
	res.Duplicate = found
	return res, found
}

// Result is the outcome of a handled command.
type Result struct {
	// StreamVersion after the command (unchanged when it decided nothing).
	StreamVersion uint64
	// Position of the commit (or of the last commit when nothing was decided).
	Position uint64
	// Events the command committed.
	Events []proto.Message
	// Duplicate is true when the request id had been handled before: nothing
	// new was decided and the fields describe the original commit.
	Duplicate bool
}

// Command is one call of Handle.
type Command[S any] struct {
	Stream eventstore.StreamID
	Meta   eventstore.Metadata
	// ExpectedVersion, when non-zero, is the version the caller last saw: the
	// command is refused as stale if the aggregate has moved on (no retry).
	ExpectedVersion uint64
	// Visible, when set, says whether the caller may see the loaded
	// aggregate at all (nil) or not (a NOT_FOUND error). It runs before
	// anything else is looked at — a retried request's stored answer, the
	// expected version, the rules — so a caller who may not see an aggregate
	// learns nothing of it, not even its version.
	Visible func(S) error
	// Decide is the pure decision on the loaded state.
	Decide func(S) ([]proto.Message, error)
}

// Handle runs load → decide → append with optimistic concurrency, retrying on
// a conflict up to the repository's bound. It returns the domain's error
// unchanged, a domainerr Conflict when the caller's expected version is stale,
// and an error wrapping eventstore.ErrConcurrency when contention outlasts the
// retries.
func (r *Repository[S]) Handle(ctx context.Context, cmd Command[S]) (Result, error) {
	var lastErr error
	for attempt := 0; attempt < r.maxAttempts; attempt++ {
		if err := retry.Backoff(ctx, attempt, retryBase, retryCap); err != nil {
			return Result{}, err
		}
		l, err := r.Load(ctx, cmd.Stream)
		if err != nil {
			return Result{}, err
		}
		if cmd.Visible != nil {
			if err := cmd.Visible(l.State); err != nil {
				return Result{}, err
			}
		}
		if res, ok, err := r.committed(ctx, cmd.Stream, l, cmd.Meta.RequestID); err != nil || ok {
			return res, err
		}
		if cmd.ExpectedVersion != 0 && l.Version == 0 {
			// A version of an aggregate that does not exist: nothing to be
			// stale about, and no version to tell.
			return Result{}, domainerr.Missing(cmd.Stream.Aggregate, "there is no %s %s that you may see", cmd.Stream.Aggregate, cmd.Stream.ID)
		}
		if cmd.ExpectedVersion != 0 && cmd.ExpectedVersion != l.Version {
			return Result{}, domainerr.Stale("%s is at version %d, not %d: reload and try again", cmd.Stream.ID, l.Version, cmd.ExpectedVersion)
		}
		events, err := cmd.Decide(l.State)
		if err != nil {
			return Result{}, err
		}
		if len(events) == 0 {
			return Result{StreamVersion: l.Version, Position: l.Position}, nil
		}
		kind := cmd.Stream.Context + "." + cmd.Stream.Aggregate
		actx, span := tracing.Start(ctx, "append "+kind, trace.SpanKindProducer, attribute.String("carecoop.stream", cmd.Stream.String()))
		began := time.Now()
		ar, err := r.store.Append(actx, cmd.Stream, eventstore.Exact(l.Version), cmd.Meta, events...)
		conflict := errors.Is(err, eventstore.ErrConcurrency)
		metrics.FromContext(ctx).ObserveAppend(kind, time.Since(began), err, conflict)
		tracing.End(span, err)
		if err == nil {
			if ar.Duplicate {
				// A concurrent attempt with the same request id won: answer with it.
				return r.original(ctx, cmd, ar)
			}
			return Result{StreamVersion: ar.StreamVersion, Position: ar.Position, Events: events}, nil
		}
		if !conflict {
			return Result{}, err
		}
		lastErr = err
		if cmd.ExpectedVersion != 0 {
			return Result{}, domainerr.Stale("%s changed while the command ran: reload and try again", cmd.Stream.ID)
		}
	}
	return Result{}, fmt.Errorf("%s: gave up after %d attempts: %w", cmd.Stream, r.maxAttempts, lastErr)
}

func (r *Repository[S]) original(ctx context.Context, cmd Command[S], ar eventstore.AppendResult) (Result, error) {
	l, err := r.Load(ctx, cmd.Stream)
	if err != nil {
		return Result{}, err
	}
	if res, ok, err := r.committed(ctx, cmd.Stream, l, cmd.Meta.RequestID); err != nil || ok {
		return res, err
	}
	return Result{StreamVersion: ar.StreamVersion, Position: ar.Position, Duplicate: true}, nil
}
