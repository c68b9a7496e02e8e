// Package sweep runs what falls due with the calendar rather than with an
// event (overdue returns, a referral with no offer, the day's digests): a
// service's sweep, once a period, on exactly one of its replicas.
//
// Each period is claimed before it is swept: the replica that first appends
// the period's claim to a stream that does not exist yet (Claim) sweeps it,
// the others skip it. The store's optimistic concurrency is the lease — no
// other coordination — and the claims are an audit of who swept when. A
// replica that dies mid-sweep loses that period; the next period's sweep
// looks at everything again.
package sweep

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// DefaultEvery is the period of a Config without one.
const DefaultEvery = time.Hour

// SlotLayout names a period after its start in UTC, to the second
// ("20260112T090000"): the id of its claim's stream.
const SlotLayout = "20060102T150405"

// Period is one period of a sweep.
type Period struct {
	// Slot names the period (its start, SlotLayout): what its claim is
	// stored under.
	Slot string
	// Now is the clock's reading the period was found at, the same for the
	// claim and the sweep.
	Now time.Time
}

// Config is one service's sweep.
type Config struct {
	// Name is the sweep's name in logs ("monitoring overdue-returns").
	Name string
	// Every is both the length of a period and how often Run looks for a
	// new one (DefaultEvery if zero). Periods are named to the second, so
	// it is a whole number of seconds.
	Every time.Duration
	// Claim claims p for this replica, reporting false if another replica
	// has it: Claim (the function) on the service's store, with the
	// service's own claim event on its own stream.
	Claim func(ctx context.Context, p Period) (bool, error)
	// Sweep does the work of a period this replica claimed.
	Sweep func(ctx context.Context, p Period) error
	// Now is the service clock (time.Now if nil).
	Now func() time.Time
	Log *zap.Logger
}

func (c Config) every() time.Duration {
	if c.Every > 0 {
		return c.Every
	}
	return DefaultEvery
}

// PeriodAt is the period now falls in.
func (c Config) PeriodAt(now time.Time) Period {
	return Period{Slot: now.UTC().Truncate(c.every()).Format(SlotLayout), Now: now}
}

// Once sweeps the current period if no other replica has claimed it. It
// reports whether this replica claimed it (true with the sweep's error if
// the sweep failed: the period stays claimed).
func (c Config) Once(ctx context.Context) (bool, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	p := c.PeriodAt(now())
	ok, err := c.Claim(ctx, p)
	if err != nil || !ok {
		return false, err
	}
	return true, c.Sweep(ctx, p)
}

// Run calls Once at once (what fell due while the service was down), then
// every Every until ctx ends. A failed claim or sweep is logged and tried
// again at the next tick, whose period is usually a new one.
func Run(ctx context.Context, c Config) {
	log := c.Log
	if log == nil {
		log = zap.NewNop()
	}
	tick := time.NewTicker(c.every())
	defer tick.Stop()
	for {
		if _, err := c.Once(ctx); err != nil && ctx.Err() == nil {
			log.Warn("sweep failed; trying again at the next tick", zap.String("sweep", c.Name), zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Claim appends claim to stream only if the stream does not exist yet,
// reporting whether this call created it: false, and no error, when another
// replica has.
func Claim(ctx context.Context, store eventstore.Store, stream eventstore.StreamID, meta eventstore.Metadata, claim proto.Message) (bool, error) {
	_, err := store.Append(ctx, stream, eventstore.NoStream, meta, claim)
	if errors.Is(err, eventstore.ErrConcurrency) {
		return false, nil
	}
	return err == nil, err
}
