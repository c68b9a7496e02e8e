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
}

// New returns a repository over store.
func New[S any](store eventstore.Store, evolver Evolver[S]) *Repository[S] {
	return &Repository[S]{store: store, evolver: evolver, maxAttempts: DefaultMaxAttempts}
}

// Loaded is an aggregate as of a version.
type Loaded[S any] struct {
	State   S
	Version uint64
	// Position of the last commit folded in (0 for a new aggregate).
	Position uint64
	events   []eventstore.RecordedEvent
}

// Load folds the whole stream, retired event types upcast. A stream holds
// only its own context's events, so one this binary cannot decode means the
// binary is older than its data: Load refuses (eventstore.ErrOlderThanData)
// rather than let a command decide on part of the history.
func (r *Repository[S]) Load(ctx context.Context, stream eventstore.StreamID) (Loaded[S], error) {
	events, err := r.store.ReadStream(ctx, stream)
	if err != nil {
		return Loaded[S]{}, fmt.Errorf("load %s: %w", stream, err)
	}
	if events, err = eventstore.Upcast(events); err != nil {
		return Loaded[S]{}, fmt.Errorf("load %s: %w", stream, err)
	}
	for _, e := range events {
		if eventstore.Unknown(e) {
			return Loaded[S]{}, fmt.Errorf("%w: %s holds a %s event (version %d) this binary does not know", eventstore.ErrOlderThanData, stream, e.Type, e.Version)
		}
	}
	l := Loaded[S]{State: r.evolver.Initial(), events: events}
	if len(events) > 0 {
		last := events[len(events)-1]
		l.Version, l.Position = last.Version, last.Position
	}
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
// window has passed.
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
		if res, ok := l.committed(cmd.Meta.RequestID); ok {
			return res, nil
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
	if res, ok := l.committed(cmd.Meta.RequestID); ok {
		return res, nil
	}
	return Result{StreamVersion: ar.StreamVersion, Position: ar.Position, Duplicate: true}, nil
}
