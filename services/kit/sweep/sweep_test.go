package sweep_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/kit/sweep"
)

const (
	waitLimit = 10 * time.Second
	// tick is how often the replicas look for a new period; the test clock
	// decides when there is one.
	tick = 10 * time.Millisecond
)

// replicaStores are n stores over one nats-server, each on its own
// connection, as n replicas of a service have.
func replicaStores(t *testing.T, n int) []eventstore.Store {
	t.Helper()
	_, srv := natstest.JetStream(t)
	var stores []eventstore.Store
	for range n {
		nc, err := srv.Connect()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		js, err := natsjs.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		s, err := jetstream.New(context.Background(), js)
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s)
	}
	return stores
}

func claimStream(slot string) eventstore.StreamID {
	return eventstore.StreamID{Context: "test", Aggregate: "sweep", ID: slot}
}

// config is a replica's sweep over store: it claims a period with a
// StringValue naming the replica, and sweeps with sweepFn.
func config(store eventstore.Store, replica string, clock *servicetest.Clock, log *zap.Logger, sweepFn func(context.Context, sweep.Period) error) sweep.Config {
	return sweep.Config{
		Name:  "test",
		Every: tick,
		Now:   clock.Now,
		Log:   log,
		Claim: func(ctx context.Context, p sweep.Period) (bool, error) {
			return sweep.Claim(ctx, store, claimStream(p.Slot), eventstore.Metadata{OccurredAt: p.Now}, wrapperspb.String(replica))
		},
		Sweep: sweepFn,
	}
}

// counter counts sweeps by replica.
type counter struct {
	mu    sync.Mutex
	by    map[string]int
	total int
}

func (c *counter) sweepAs(replica string) func(context.Context, sweep.Period) error {
	return func(context.Context, sweep.Period) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.by[replica]++
		c.total++
		return nil
	}
}

func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// run starts Run and returns a stop that waits for it to return.
func run(t *testing.T, c sweep.Config) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		sweep.Run(ctx, c)
	}()
	stop = func() {
		cancel()
		select {
		case <-done:
		case <-time.After(waitLimit):
			t.Fatal("Run did not return after its context ended")
		}
	}
	t.Cleanup(stop)
	return stop
}

// Two replicas run the sweep, ticking many times a period: each period is
// swept once, by whichever claimed it, and its claim stream holds that one
// claim.
func TestTwoReplicasSweepEachPeriodOnce(t *testing.T) {
	stores := replicaStores(t, 2)
	clock := servicetest.NewClock(time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC))
	c := &counter{by: map[string]int{}}
	for i, name := range []string{"a", "b"} {
		run(t, config(stores[i], name, clock, nil, c.sweepAs(name)))
	}
	var slots []string
	for period := range 3 {
		want := period + 1
		waitUntil(t, "the period swept", func() bool { return c.get() >= want })
		time.Sleep(20 * tick) // many more ticks in the same period
		if got := c.get(); got != want {
			t.Fatalf("period %d: %d sweeps in all, want %d", period, got, want)
		}
		slots = append(slots, sweep.Config{Every: tick}.PeriodAt(clock.Now()).Slot)
		clock.Advance(time.Hour)
	}
	for _, slot := range slots {
		events, err := stores[0].ReadStream(context.Background(), claimStream(slot))
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 1 {
			t.Fatalf("period %s: %d claims stored, want 1", slot, len(events))
		}
	}
	c.mu.Lock()
	t.Logf("sweeps by replica: %v", c.by)
	c.mu.Unlock()
}

// Within a period Once claims only once: a second call, on this replica or
// another, reports false and does not sweep.
func TestOnceClaimsAPeriodOnce(t *testing.T) {
	stores := replicaStores(t, 2)
	clock := servicetest.NewClock(time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC))
	c := &counter{by: map[string]int{}}
	a := config(stores[0], "a", clock, nil, c.sweepAs("a"))
	a.Every = time.Hour
	b := config(stores[1], "b", clock, nil, c.sweepAs("b"))
	b.Every = time.Hour
	ctx := context.Background()
	if ok, err := a.Once(ctx); !ok || err != nil {
		t.Fatalf("first claim: %v %v", ok, err)
	}
	for _, r := range []sweep.Config{a, b} {
		if ok, err := r.Once(ctx); ok || err != nil {
			t.Fatalf("second claim in the period: %v %v", ok, err)
		}
	}
	clock.Advance(59 * time.Minute) // 10:29: the next hour's period
	if ok, err := b.Once(ctx); !ok || err != nil {
		t.Fatalf("next period: %v %v", ok, err)
	}
	if c.total != 2 || c.by["a"] != 1 || c.by["b"] != 1 {
		t.Fatalf("sweeps %v", c.by)
	}
	if got := a.PeriodAt(clock.Now()).Slot; got != "20261203T100000" {
		t.Fatalf("slot %q", got)
	}
}

// A sweep that fails is logged; its period stays claimed, and the sweep is
// tried again at the first tick of the next period.
func TestAFailedSweepIsLoggedAndTriedAgain(t *testing.T) {
	stores := replicaStores(t, 1)
	clock := servicetest.NewClock(time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC))
	core, logs := observer.New(zapcore.WarnLevel)
	var (
		mu    sync.Mutex
		calls int
	)
	failure := errors.New("the read model is behind")
	run(t, config(stores[0], "a", clock, zap.New(core), func(context.Context, sweep.Period) error {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls == 1 {
			return failure
		}
		return nil
	}))
	count := func() int { mu.Lock(); defer mu.Unlock(); return calls }
	waitUntil(t, "the failure logged", func() bool { return logs.Len() == 1 })
	e := logs.All()[0]
	if f := e.ContextMap(); f["sweep"] != "test" || f["error"] != failure.Error() {
		t.Fatalf("logged %q %v", e.Message, f)
	}
	time.Sleep(20 * tick)
	if n := count(); n != 1 {
		t.Fatalf("%d sweeps in the failed period, want 1 (it stays claimed)", n)
	}
	clock.Advance(time.Hour)
	waitUntil(t, "the next period swept", func() bool { return count() == 2 })
	time.Sleep(20 * tick)
	if n, l := count(), logs.Len(); n != 2 || l != 1 {
		t.Fatalf("%d sweeps, %d warnings; want 2 and 1", n, l)
	}
}

// A claim that fails (the store is down) is logged and tried again at the
// next tick, in the same period: nothing was claimed.
func TestAFailedClaimIsTriedAgain(t *testing.T) {
	clock := servicetest.NewClock(time.Date(2026, 12, 3, 9, 30, 0, 0, time.UTC))
	core, logs := observer.New(zapcore.WarnLevel)
	var (
		mu            sync.Mutex
		claims, swept int
	)
	run(t, sweep.Config{
		Name: "test", Every: tick, Now: clock.Now, Log: zap.New(core),
		Claim: func(context.Context, sweep.Period) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			claims++
			if claims < 3 {
				return false, errors.New("nats: timeout")
			}
			return true, nil
		},
		Sweep: func(context.Context, sweep.Period) error { mu.Lock(); defer mu.Unlock(); swept++; return nil },
	})
	waitUntil(t, "swept after two failed claims", func() bool { mu.Lock(); defer mu.Unlock(); return swept >= 1 })
	if logs.Len() != 2 {
		t.Fatalf("%d warnings, want 2", logs.Len())
	}
}
