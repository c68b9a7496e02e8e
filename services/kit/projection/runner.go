// Package projection keeps in-memory read models up to date from the event
// store and lets queries wait until a model has applied a given position
// (read-your-writes).
//
// Read models live in memory. One that implements Snapshotter is saved now
// and then (snapshots.go) and restored from its snapshot at the next start,
// which then reads only the commits after it; any other is rebuilt from the
// whole stream at every start. The runner's position moves only once a
// whole commit has been applied.
//
// A runner fails loudly: if its subscription stops, it starts it again from
// its position with backoff, and until it has caught up again WaitFor (and
// so every query) answers ErrFailing and Ready reports it, so the service's
// health says NOT_SERVING instead of answering from a frozen model.
package projection

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/retry"
)

// DefaultMaxWait bounds how long a query waits for its min_position.
const DefaultMaxWait = 5 * time.Second

// DefaultCatchUpStall is how long Start waits for a catch-up that does not
// move before it gives up. There is no bound on one that moves: a rebuild
// from a decade's history takes longer than any fixed bound would allow.
const DefaultCatchUpStall = 10 * time.Minute

// ErrNotReached is returned when a position was not applied within the wait.
var ErrNotReached = errors.New("projection: read model has not reached the requested position")

// ErrFailing is wrapped by WaitFor and Ready while the runner's subscription
// has stopped and not yet caught up again, and by Ready before Start has
// caught up.
var ErrFailing = errors.New("projection: read model is not following the store")

// Restart backoff after the subscription stops: below min(base<<n, cap).
const (
	restartBase = 500 * time.Millisecond
	restartCap  = 30 * time.Second
)

// Prober is implemented by stores that can tell the first position after a
// given one matching a subject filter. With it, a runner answers WaitFor at
// once for positions of commits it does not subscribe to.
type Prober interface {
	FirstPositionAfter(ctx context.Context, after uint64, filter string) (pos uint64, ok bool, err error)
}

// Apply applies one commit to a read model. It is called from one goroutine,
// in global order; the read model guards its own reads.
type Apply func(commit []eventstore.RecordedEvent) error

// Runner feeds one read model.
type Runner struct {
	name    string
	store   eventstore.Store
	filters []string
	apply   Apply
	log     *zap.Logger
	MaxWait time.Duration
	// CatchUpStall is how long Start's catch-up may go without applying a
	// commit before Start fails (DefaultCatchUpStall).
	CatchUpStall time.Duration
	// Own is the runner's own context (e.g. "monitoring"): an event of it
	// this binary cannot decode stops the runner (the binary is older than
	// its data); another context's is skipped, logged and counted. Empty:
	// every unknown event is skipped.
	Own string

	mu      sync.Mutex
	pos     uint64
	changed chan struct{}  // closed and replaced whenever pos or err changes
	err     error          // why the model is not following (nil when it is)
	started bool           // Start has caught up once
	skipped map[string]int // unknown event types of other contexts, and how many
	// idle: the last commit applied had nothing matching after it in the
	// store (RecordedEvent.Pending 0), so a waiter behind a position the
	// runner may never reach should ask the store. While commits are still
	// pending, the next one moves pos anyway: probing after every commit of
	// a catch-up cost ~10% of a service's start-up CPU (issue 16).
	idle bool
	// probeEveryCommit restores the old behaviour, for the benchmark's
	// baseline in the same run.
	probeEveryCommit bool

	// applyMu is held while a commit is applied and pos moved, and while
	// a snapshot is taken: a snapshot's position always matches its content.
	applyMu sync.Mutex
	snap    snapState
}

// NewRunner returns a runner of apply over the commits matching filters.
func NewRunner(name string, store eventstore.Store, filters []string, apply Apply, log *zap.Logger) *Runner {
	if log == nil {
		log = zap.NewNop()
	}
	return &Runner{name: name, store: store, filters: filters, apply: apply, log: log, MaxWait: DefaultMaxWait, CatchUpStall: DefaultCatchUpStall, changed: make(chan struct{})}
}

// Start replays history and keeps following the store in the background until
// ctx ends. It returns once the read model has caught up with the store as it
// was when Start was called, so a service serves no query from a half-built model.
func (r *Runner) Start(ctx context.Context) error {
	r.restore(ctx)
	last, err := r.store.LastPosition(ctx)
	if err != nil {
		return fmt.Errorf("projection %s: %w", r.name, err)
	}
	go r.follow(ctx)
	if err := r.catchUp(ctx, last); err != nil {
		return err
	}
	r.mu.Lock()
	r.started = true
	r.mu.Unlock()
	r.log.Info("projection caught up", zap.String("projection", r.name), zap.Uint64("position", r.Position()))
	r.startSnapshots(ctx)
	return nil
}

// follow keeps the subscription going until ctx ends: when it stops, the
// failure is recorded (WaitFor and Ready report it) and the subscription
// starts again from the position reached, after a backoff that grows while
// it keeps failing. Once a restarted subscription has caught up with the
// store as it was at the restart, the failure is cleared.
func (r *Runner) follow(ctx context.Context) {
	defer r.finalSnapshot()
	for attempt := 0; ; attempt++ {
		if err := retry.Backoff(ctx, attempt, restartBase, restartCap); err != nil {
			return
		}
		sctx, stop := context.WithCancel(ctx)
		if attempt > 0 {
			go r.recovered(sctx)
		}
		err := r.store.Subscribe(sctx, r.Position(), r.filters, r.applyCommit)
		stop()
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("subscription ended")
		}
		r.log.Error("projection stopped: restarting", zap.String("projection", r.name),
			zap.Uint64("position", r.Position()), zap.Int("restarts", attempt+1), zap.Error(err))
		r.fail(err)
	}
}

// recovered clears the failure once the restarted subscription has applied
// what the store held when it restarted.
func (r *Runner) recovered(ctx context.Context) {
	last, err := r.store.LastPosition(ctx)
	if err != nil {
		return
	}
	probe, stored := true, false
	for {
		r.mu.Lock()
		cur, changed, idle := r.pos, r.changed, r.idle
		r.mu.Unlock()
		reached := cur >= last
		if !reached && (probe || idle || r.probeEveryCommit) {
			reached, _ = r.nothingBetween(ctx, cur, last, &stored)
		}
		if reached {
			r.clear()
			r.log.Info("projection following again", zap.String("projection", r.name), zap.Uint64("position", cur))
			return
		}
		probe = false
		select {
		case <-changed:
		case <-ctx.Done():
			return
		case <-time.After(50 * time.Millisecond):
			probe = true
		}
	}
}

func (r *Runner) applyCommit(commit []eventstore.RecordedEvent) error {
	if len(commit) == 0 {
		return nil
	}
	r.applyMu.Lock()
	err := r.applyLocked(commit)
	r.applyMu.Unlock()
	if err == nil && r.snapDue() {
		r.snapshotNow()
	}
	return err
}

func (r *Runner) applyLocked(commit []eventstore.RecordedEvent) error {
	commit, err := eventstore.Upcast(commit)
	if err != nil {
		return err
	}
	for _, e := range commit {
		if !eventstore.Unknown(e) {
			continue
		}
		if r.Own != "" && e.StreamID.Context == r.Own {
			return fmt.Errorf("%w: %s at %d holds a %s event this binary does not know", eventstore.ErrOlderThanData, e.StreamID, e.Position, e.Type)
		}
		r.skip(e)
	}
	if err := r.apply(commit); err != nil {
		return fmt.Errorf("apply %s at %d: %w", commit[0].Type, commit[0].Position, err)
	}
	r.advance(commit[0].Position, commit[0].Pending == 0)
	return nil
}

func (r *Runner) advance(pos uint64, idle bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.idle = idle
	if pos > r.pos {
		r.pos = pos
		close(r.changed)
		r.changed = make(chan struct{})
	}
}

func (r *Runner) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = fmt.Errorf("%w: %s at position %d: %w", ErrFailing, r.name, r.pos, err)
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *Runner) clear() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		r.err = nil
		close(r.changed)
		r.changed = make(chan struct{})
	}
}

// Ready is nil once Start has caught up and while the runner follows the
// store; otherwise it says why not (wrapping ErrFailing). A service's
// health reports it.
func (r *Runner) Ready() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.err != nil:
		return r.err
	case !r.started:
		return fmt.Errorf("%w: %s is catching up at start (at %d)", ErrFailing, r.name, r.pos)
	}
	return nil
}

// skip counts an unknown event of another context; the first of each type
// is logged (a newer context's event; this read model does not need it).
func (r *Runner) skip(e eventstore.RecordedEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.skipped == nil {
		r.skipped = map[string]int{}
	}
	r.skipped[e.Type]++
	if r.skipped[e.Type] == 1 {
		r.log.Warn("projection skips an event type it does not know", zap.String("projection", r.name),
			zap.String("event_type", e.Type), zap.String("stream", e.StreamID.String()), zap.Uint64("position", e.Position))
	}
}

// Skipped counts, by type, the events of other contexts the runner did not
// know and skipped.
func (r *Runner) Skipped() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maps.Clone(r.skipped)
}

// Position is the global position of the last commit applied.
func (r *Runner) Position() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pos
}

// WaitFor blocks until the read model reflects every matching commit up to pos,
// ctx ends or MaxWait passes (ErrNotReached). While the runner is failing it
// answers that at once (wrapping ErrFailing), even for position 0: a query
// must not be answered from a model that stopped following.
func (r *Runner) WaitFor(ctx context.Context, pos uint64) error {
	if pos == 0 {
		r.mu.Lock()
		err := r.err
		r.mu.Unlock()
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, r.MaxWait)
	defer cancel()
	return r.waitFor(ctx, pos, false)
}

// catchUp waits until the runner reaches last, for as long as it moves.
func (r *Runner) catchUp(ctx context.Context, last uint64) error {
	for {
		from := r.Position()
		wctx, cancel := context.WithTimeout(ctx, r.CatchUpStall)
		err := r.waitFor(wctx, last, true)
		cancel()
		switch {
		case err == nil:
			return nil
		case ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) && r.Position() == from:
			return fmt.Errorf("projection %s: catching up to %d: stuck at %d for %s: %w", r.name, last, from, r.CatchUpStall, err)
		case ctx.Err() != nil || !errors.Is(err, context.DeadlineExceeded):
			return fmt.Errorf("projection %s: catching up to %d: %w", r.name, last, err)
		}
		r.log.Info("projection still catching up", zap.String("projection", r.name), zap.Uint64("position", r.Position()), zap.Uint64("to", last))
	}
}

func (r *Runner) waitFor(ctx context.Context, pos uint64, catchingUp bool) error {
	// The store is probed on the first pass, when the runner has applied
	// every commit pending for it (idle), and every 50 ms: not after each
	// commit while more are on their way, as those move pos anyway.
	probe, stored := true, false
	for {
		r.mu.Lock()
		cur, changed, err, idle := r.pos, r.changed, r.err, r.idle
		r.mu.Unlock()
		if err != nil {
			return err
		}
		if cur >= pos {
			return nil
		}
		// Nothing this model follows lies in (cur, pos]: it is already there.
		if probe || idle || r.probeEveryCommit {
			if reached, perr := r.nothingBetween(ctx, cur, pos, &stored); perr == nil && reached {
				return nil
			}
		}
		probe = false
		select {
		case <-changed:
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) && !catchingUp {
				return fmt.Errorf("%w (at %d, asked for %d)", ErrNotReached, cur, pos)
			}
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
			// Re-probe: commits outside the filters do not move pos.
			probe = true
		}
	}
}

// nothingBetween asks the store whether no commit this runner follows lies
// in (cur, pos]. *stored records that the store has reached pos, which
// stays true (positions only grow), so a waiter asks for the store's last
// position once rather than on every probe.
func (r *Runner) nothingBetween(ctx context.Context, cur, pos uint64, stored *bool) (bool, error) {
	p, ok := r.store.(Prober)
	if !ok {
		return false, errors.ErrUnsupported
	}
	// A position the store has not reached yet is in the future, not skipped.
	if !*stored {
		if last, err := r.store.LastPosition(ctx); err != nil || last < pos {
			return false, err
		}
		*stored = true
	}
	filters := r.filters
	if len(filters) == 0 {
		filters = []string{eventstore.SubjectPrefix + ".>"}
	}
	for _, f := range filters {
		next, found, err := p.FirstPositionAfter(ctx, cur, f)
		if err != nil {
			return false, err
		}
		if found && next <= pos {
			return false, nil
		}
	}
	return true, nil
}

// Name is the runner's name (a read model's, e.g. "monitoring").
func (r *Runner) Name() string { return r.name }

// Status is how far a runner has followed the store at one moment.
type Status struct {
	Name string
	// Position is the last commit applied, StorePosition the store's last.
	Position, StorePosition uint64
	// Lag is how many store positions are still to apply: 0 once nothing
	// the runner follows lies between Position and StorePosition (commits
	// of other contexts never move Position).
	Lag uint64
	// Err is Ready's answer: nil while the runner follows the store.
	Err error
}

// Status reports the runner's position against the store's last.
func (r *Runner) Status(ctx context.Context) (Status, error) {
	last, err := r.store.LastPosition(ctx)
	if err != nil {
		return Status{}, fmt.Errorf("projection %s: %w", r.name, err)
	}
	st := Status{Name: r.name, Position: r.Position(), StorePosition: last, Err: r.Ready()}
	if st.Position < last {
		stored := true // last is the store's
		if reached, err := r.nothingBetween(ctx, st.Position, last, &stored); err != nil || !reached {
			st.Lag = last - st.Position
		}
	}
	return st, nil
}
