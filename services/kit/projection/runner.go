// Package projection keeps in-memory read models up to date from the event
// store and lets queries wait until a model has applied a given position
// (read-your-writes).
//
// Read models live in memory and are rebuilt from the stream when a service
// starts; the checkpoint is the runner's position, which only moves once a
// whole commit has been applied.
package projection

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// DefaultMaxWait bounds how long a query waits for its min_position.
const DefaultMaxWait = 5 * time.Second

// ErrNotReached is returned when a position was not applied within the wait.
var ErrNotReached = errors.New("projection: read model has not reached the requested position")

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

	mu      sync.Mutex
	pos     uint64
	changed chan struct{} // closed and replaced whenever pos moves
	err     error
}

// NewRunner returns a runner of apply over the commits matching filters.
func NewRunner(name string, store eventstore.Store, filters []string, apply Apply, log *zap.Logger) *Runner {
	if log == nil {
		log = zap.NewNop()
	}
	return &Runner{name: name, store: store, filters: filters, apply: apply, log: log, MaxWait: DefaultMaxWait, changed: make(chan struct{})}
}

// Start replays history and keeps following the store in the background until
// ctx ends. It returns once the read model has caught up with the store as it
// was when Start was called, so a service serves no query from a half-built model.
func (r *Runner) Start(ctx context.Context) error {
	last, err := r.store.LastPosition(ctx)
	if err != nil {
		return fmt.Errorf("projection %s: %w", r.name, err)
	}
	done := make(chan error, 1)
	go func() {
		err := r.store.Subscribe(ctx, r.Position(), r.filters, r.applyCommit)
		if err != nil && ctx.Err() == nil {
			r.log.Error("projection stopped", zap.String("projection", r.name), zap.Error(err))
			r.fail(err)
		}
		done <- err
	}()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if err := r.waitFor(wctx, last, true); err != nil {
		return fmt.Errorf("projection %s: catching up to %d: %w", r.name, last, err)
	}
	r.log.Info("projection caught up", zap.String("projection", r.name), zap.Uint64("position", r.Position()))
	return nil
}

func (r *Runner) applyCommit(commit []eventstore.RecordedEvent) error {
	if len(commit) == 0 {
		return nil
	}
	if err := r.apply(commit); err != nil {
		return fmt.Errorf("apply %s at %d: %w", commit[0].Type, commit[0].Position, err)
	}
	r.advance(commit[0].Position)
	return nil
}

func (r *Runner) advance(pos uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if pos > r.pos {
		r.pos = pos
		close(r.changed)
		r.changed = make(chan struct{})
	}
}

func (r *Runner) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
	close(r.changed)
	r.changed = make(chan struct{})
}

// Position is the global position of the last commit applied.
func (r *Runner) Position() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pos
}

// WaitFor blocks until the read model reflects every matching commit up to pos,
// ctx ends or MaxWait passes (ErrNotReached).
func (r *Runner) WaitFor(ctx context.Context, pos uint64) error {
	if pos == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.MaxWait)
	defer cancel()
	return r.waitFor(ctx, pos, false)
}

func (r *Runner) waitFor(ctx context.Context, pos uint64, catchingUp bool) error {
	for {
		r.mu.Lock()
		cur, changed, err := r.pos, r.changed, r.err
		r.mu.Unlock()
		if err != nil {
			return err
		}
		if cur >= pos {
			return nil
		}
		// Nothing this model follows lies in (cur, pos]: it is already there.
		if reached, perr := r.nothingBetween(ctx, cur, pos); perr == nil && reached {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) && !catchingUp {
				return fmt.Errorf("%w (at %d, asked for %d)", ErrNotReached, cur, pos)
			}
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
			// Re-probe: commits outside the filters do not move pos.
		}
	}
}

func (r *Runner) nothingBetween(ctx context.Context, cur, pos uint64) (bool, error) {
	p, ok := r.store.(Prober)
	if !ok {
		return false, errors.ErrUnsupported
	}
	// A position the store has not reached yet is in the future, not skipped.
	if last, err := r.store.LastPosition(ctx); err != nil || last < pos {
		return false, err
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
