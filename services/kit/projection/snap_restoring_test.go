package projection_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// overlapping counts restores in progress at once, across models.
type overlapping struct{ now, most atomic.Int32 }

// slowRestore is snapNames whose restore takes a moment, long enough for
// restores started together to overlap if nothing stops them.
type slowRestore struct {
	*snapNames
	o *overlapping
}

func (m slowRestore) RestoreSnapshot(data []byte) error {
	n := m.o.now.Add(1)
	defer m.o.now.Add(-1)
	for most := m.o.most.Load(); n > most && !m.o.most.CompareAndSwap(most, n); most = m.o.most.Load() {
	}
	time.Sleep(50 * time.Millisecond)
	return m.snapNames.RestoreSnapshot(data)
}

// Read models starting together in one process restore their snapshots one
// after another, so the process's peak holds one snapshot being decoded, not
// all of them; each still starts from its own.
func TestSnapRestoresInAProcessTakeTurns(t *testing.T) {
	js, s := natstest.Store(t)
	for i := range 3 {
		appendOne(t, s, "alpha", fmt.Sprint("x", i), fmt.Sprint("v", i))
	}
	store := snapshot.NewObjectStore(js, "test", 0)
	o := &overlapping{}
	start := func(name string) (*projection.Runner, *snapNames, context.CancelFunc) {
		n := &snapNames{version: "1"}
		r := projection.NewRunner(name, s, []string{eventstore.ContextFilter("alpha")}, n.apply, nil).
			WithSnapshots(slowRestore{n, o}, store, 0, 0)
		ctx, cancel := context.WithCancel(context.Background())
		if err := r.Start(ctx); err != nil {
			cancel()
			t.Error(err)
		}
		return r, n, cancel
	}
	names := []string{"one", "two", "three", "four"}
	for _, name := range names { // a first start saves each one's snapshot
		r, _, cancel := start(name)
		cancel()
		r.Stopped(context.Background())
	}

	var wg sync.WaitGroup
	for _, name := range names {
		wg.Go(func() {
			r, n, cancel := start(name)
			defer cancel()
			if got, applied := n.state(); r.RestoredAt() == 0 || applied != 0 || len(got) != 3 {
				t.Errorf("%s: restored at %d, applied %d, holds %v; want the three values from its snapshot", name, r.RestoredAt(), applied, got)
			}
		})
	}
	wg.Wait()
	if most := o.most.Load(); most != 1 {
		t.Fatalf("%d restores ran at once, want one at a time", most)
	}
}
