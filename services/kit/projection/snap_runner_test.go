package projection_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// snapNames is names with snapshots: the values seen, in order, and how
// many commits it applied itself (not restored).
type snapNames struct {
	mu      sync.RWMutex
	got     []string
	applied int
	version string
	// marshalled counts the snapshots taken of it.
	marshalled int
}

func (n *snapNames) apply(commit []eventstore.RecordedEvent) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, e := range commit {
		n.got = append(n.got, e.Event.(*wrapperspb.StringValue).GetValue())
	}
	n.applied++
	return nil
}

func (n *snapNames) SnapshotVersion() string { return n.version }

func (n *snapNames) MarshalSnapshot() ([]byte, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.marshalled++
	var b bytes.Buffer
	err := gob.NewEncoder(&b).Encode(n.got)
	return b.Bytes(), err
}

func (n *snapNames) RestoreSnapshot(data []byte) error {
	var got []string
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&got); err != nil {
		return err
	}
	n.mu.Lock()
	n.got = got
	n.mu.Unlock()
	return nil
}

func (n *snapNames) state() ([]string, int) {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return slices.Clone(n.got), n.applied
}

// snapStart starts a runner with snapshots over s and returns it with its
// model and a stop that ends it and waits for its snapshot at shutdown.
func snapStart(t *testing.T, js natsjs.JetStream, s eventstore.Store, version string) (*projection.Runner, *snapNames, func()) {
	t.Helper()
	n := &snapNames{version: version}
	r := projection.NewRunner("names", s, []string{eventstore.ContextFilter("alpha")}, n.apply, nil).
		WithSnapshots(n, snapshot.NewObjectStore(js, "test", 0), 0, 0)
	ctx, cancel := context.WithCancel(context.Background())
	if err := r.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	return r, n, func() { cancel(); r.Stopped(context.Background()) }
}

func TestSnapRestartResumesFromTheSnapshot(t *testing.T) {
	js, s := natstest.Store(t)
	for i := range 5 {
		appendOne(t, s, "alpha", fmt.Sprint("x", i), fmt.Sprint("v", i))
	}
	appendOne(t, s, "beta", "y", "not followed")
	_, first, stop := snapStart(t, js, s, "1")
	want, applied := first.state()
	if applied != 5 {
		t.Fatalf("first start applied %d commits, want 5 (replayed)", applied)
	}
	stop()

	appendOne(t, s, "alpha", "x5", "v5")
	want = append(want, "v5")
	r, second, stop := snapStart(t, js, s, "1")
	defer stop()
	got, applied := second.state()
	if !slices.Equal(got, want) {
		t.Fatalf("restored model holds %v, want %v", got, want)
	}
	if applied != 1 || r.RestoredAt() == 0 {
		t.Fatalf("second start applied %d commits (restored at %d), want 1 after the snapshot", applied, r.RestoredAt())
	}
}

func TestSnapChangedVersionReplaysFromTheStart(t *testing.T) {
	js, s := natstest.Store(t)
	for i := range 3 {
		appendOne(t, s, "alpha", fmt.Sprint("x", i), fmt.Sprint("v", i))
	}
	_, _, stop := snapStart(t, js, s, "1")
	stop()
	r, n, stop := snapStart(t, js, s, "2")
	defer stop()
	got, applied := n.state()
	if applied != 3 || r.RestoredAt() != 0 || len(got) != 3 {
		t.Fatalf("a new version applied %d commits (restored at %d) and holds %v, want a replay of 3", applied, r.RestoredAt(), got)
	}
}

func TestSnapCorruptSnapshotReplaysFromTheStart(t *testing.T) {
	js, s := natstest.Store(t)
	for i := range 3 {
		appendOne(t, s, "alpha", fmt.Sprint("x", i), fmt.Sprint("v", i))
	}
	_, _, stop := snapStart(t, js, s, "1")
	stop()
	// Bytes that differ from what the digest recorded was taken over: a
	// model restored from them would answer wrongly.
	ctx := context.Background()
	obs, err := js.ObjectStore(ctx, snapshot.Bucket("test"))
	if err != nil {
		t.Fatal(err)
	}
	info, err := obs.GetInfo(ctx, "names")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	_ = gob.NewEncoder(&b).Encode([]string{"forged"})
	if _, err := obs.Put(ctx, natsjs.ObjectMeta{Name: "names", Metadata: info.Metadata}, &b); err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.NewObjectStore(js, "test", 0).Load(ctx, "names"); !errors.Is(err, snapshot.ErrCorrupt) {
		t.Fatalf("Load of a forged snapshot: %v, want ErrCorrupt", err)
	}
	r, n, stop := snapStart(t, js, s, "1")
	defer stop()
	got, applied := n.state()
	if applied != 3 || r.RestoredAt() != 0 || !slices.Equal(got, []string{"v0", "v1", "v2"}) {
		t.Fatalf("after a corrupt snapshot: applied %d, restored at %d, holds %v; want a replay", applied, r.RestoredAt(), got)
	}
}

// A snapshot taken while commits keep arriving holds exactly the commits
// up to its position: restored and followed on, the model equals a replay.
func TestSnapSnapshotUnderWritesMatchesItsPosition(t *testing.T) {
	js, s := natstest.Store(t)
	appendOne(t, s, "alpha", "x", "v-first")
	n := &snapNames{version: "1"}
	store := snapshot.NewObjectStore(js, "test", 0)
	r := projection.NewRunner("names", s, []string{eventstore.ContextFilter("alpha")}, n.apply, nil).WithSnapshots(n, store, 1, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 200 {
			appendOne(t, s, "alpha", "x", fmt.Sprint("v", i))
		}
	}()
	// Snapshots taken (every commit) and saved while the writes go on.
	for range 20 {
		if err := r.SaveSnapshot(ctx); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	for range 3 {
		snap, err := store.Load(ctx, "names")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		if err := gob.NewDecoder(bytes.NewReader(snap.Data)).Decode(&got); err != nil {
			t.Fatal(err)
		}
		// Every commit here is one event: the model holds one value per
		// commit up to the snapshot's position (positions start at 1).
		if uint64(len(got)) != snap.Position {
			t.Fatalf("snapshot at %d holds %d values", snap.Position, len(got))
		}
	}
	cancel()
	r.Stopped(context.Background())
	_, restored, stop := snapStart(t, js, s, "1")
	defer stop()
	got, _ := restored.state()
	if len(got) != 201 || got[200] != "v199" {
		t.Fatalf("restored and followed on, the model holds %d values ending %q", len(got), got[len(got)-1])
	}
}

// A restart that caught up a few commits after its snapshot saves none at
// once (the stored one nearly holds the model), but does at a clean stop.
func TestSnapShortCatchUpAfterARestoreIsSavedByTheUsualRule(t *testing.T) {
	js, s := natstest.Store(t)
	snaps := snapshot.NewObjectStore(js, "test", 0)
	for i := range 3 {
		appendOne(t, s, "alpha", fmt.Sprint("x", i), fmt.Sprint("v", i))
	}
	_, _, stop := snapStart(t, js, s, "1")
	stop()
	before, err := snaps.Load(context.Background(), "names")
	if err != nil {
		t.Fatal(err)
	}
	appendOne(t, s, "alpha", "x3", "v3")
	r, n, stop := snapStart(t, js, s, "1")
	if r.RestoredAt() != before.Position {
		t.Fatalf("restored at %d, want the snapshot's %d", r.RestoredAt(), before.Position)
	}
	// Start returns once caught up, after any snapshot taken at once.
	n.mu.Lock()
	taken := n.marshalled
	n.mu.Unlock()
	if taken != 0 {
		t.Fatalf("the restart took %d snapshots on catching up one commit, want none", taken)
	}
	stop()
	after, err := snaps.Load(context.Background(), "names")
	if err != nil || after.Position != r.Position() {
		t.Fatalf("snapshot after the stop at %d (%v), want the model's %d", after.Position, err, r.Position())
	}
}
