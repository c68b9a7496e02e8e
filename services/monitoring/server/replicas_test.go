package server_test

import (
	"sync"
	"testing"
	"time"

	"github.com/carecoop/carecoop/services/monitoring/app"
	"github.com/carecoop/carecoop/services/monitoring/server"
)

// Issue 11, item 3: every replica ran the hourly sweep. Now each period's
// sweep runs on exactly one replica: the first to claim the period.
func TestTwoReplicasSweepEachPeriodOnce(t *testing.T) {
	h := newHarness(t)
	h.market()
	second, err := server.Start(h.Ctx, server.Config{Addr: "127.0.0.1:0", Store: h.NewStore(), Verifier: h.Verifier, Clock: h.Clock.Now}, app.WithSweepEvery(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(second.Stop)
	replicas := []*app.Service{h.monitoring.App, second.App}
	for period := range 3 {
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			swept int
		)
		for _, r := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := r.SweepOnce(h.Ctx)
				if err != nil {
					t.Errorf("period %d: %v", period, err)
				}
				if ok {
					mu.Lock()
					swept++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if swept != 1 {
			t.Fatalf("period %d swept by %d replicas, want exactly 1", period, swept)
		}
		// Within the same period, nobody sweeps again.
		for _, r := range replicas {
			if ok, err := r.SweepOnce(h.Ctx); ok || err != nil {
				t.Fatalf("period %d swept twice (%v)", period, err)
			}
		}
		h.Clock.Advance(time.Hour)
	}
}
