package aggregate_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/aggregate/snaptest"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

func rosterCodec(version string) aggregate.Codec[roster] {
	return aggregate.Codec[roster]{
		Version: version,
		Marshal: func(r roster) ([]byte, error) { return snapshot.Encode(r.names) },
		Unmarshal: func(b []byte) (roster, error) {
			var r roster
			err := snapshot.Decode(b, &r.names)
			return r, err
		},
	}
}

// snapshotting is a repository over s that persists snapshots in snaps,
// with a channel told of each save.
func snapshotting(t testing.TB, s eventstore.Store, snaps snapshot.Store, codec aggregate.Codec[roster]) (*aggregate.Repository[roster], chan error) {
	t.Helper()
	repo := aggregate.New(s, rosterEvolver).WithSnapshots(snaps, codec)
	saved := make(chan error, 16)
	aggregate.OnSnapshotSaved(repo, func(_ eventstore.StreamID, err error) { saved <- err })
	return repo, saved
}

func waitSaved(t testing.TB, saved chan error) {
	t.Helper()
	select {
	case err := <-saved:
		if err != nil {
			t.Fatalf("snapshot not saved: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no snapshot saved")
	}
}

// After a restart (a new repository, as a new process has), a long
// stream's first load reads its snapshot and only the commits after it,
// folds to the same state as a whole read, and still recognises a request
// committed before the snapshot.
func TestRestartLoadsALongStreamFromItsSnapshot(t *testing.T) {
	stores := newStores(t, 2)
	snaps := snapshot.NewObjectStore(stores[0].JetStream(), "test", 0)
	ctx := context.Background()
	sid := stream("long")
	before, saved := snapshotting(t, stores[0], snaps, rosterCodec("roster-1"))
	if _, err := before.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: withRequest("req-early"), Decide: add("early-1", "early-2")}); err != nil {
		t.Fatal(err)
	}
	appendNames(t, stores[0], sid, names(aggregate.DefaultCacheFrom+10, "a")...)
	appendNames(t, stores[0], sid, "last")
	if _, err := before.Load(ctx, sid); err != nil {
		t.Fatal(err)
	}
	waitSaved(t, saved)
	// Other streams' commits and this stream's own after the snapshot.
	appendNames(t, stores[1], stream("other"), "x", "y")
	appendNames(t, stores[1], sid, "late-1", "late-2", "late-3")

	counting := &countingStore{Store: stores[1]}
	after, _ := snapshotting(t, counting, snapshot.NewObjectStore(stores[1].JetStream(), "test", 0), rosterCodec("roster-1"))
	l, err := after.Load(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	if got := counting.read.Load(); got != 1+3 {
		t.Fatalf("the first load after a restart read %d events, want the snapshot's last commit again and the 3 after it", got)
	}
	whole := readNames(t, stores[1], sid)
	if !slices.Equal(l.State.names, whole) || l.Version != uint64(len(whole)) {
		t.Fatalf("state from the snapshot = %v at version %d, want the whole read's %v", l.State.names, l.Version, whole)
	}
	res, err := after.Handle(ctx, aggregate.Command[roster]{Stream: sid, Meta: withRequest("req-early"), Decide: add("early-1", "early-2")})
	if err != nil || !res.Duplicate || len(res.Events) != 2 || res.StreamVersion != 2 {
		t.Fatalf("retrying the request committed before the snapshot = %+v, %v; want the original commit answered", res, err)
	}
	if got := readNames(t, stores[1], sid); len(got) != len(whole) {
		t.Fatalf("the retry appended: %d events, want %d", len(got), len(whole))
	}
}

// A snapshot that cannot be used is passed over for a whole read, and the
// state is the stream's: one written by other code (another codec
// version), one the codec cannot read, and one whose last commit is not
// where it says in this store.
func TestUnusableSnapshotsAreReadAround(t *testing.T) {
	stores := newStores(t, 1)
	snaps := snapshot.NewObjectStore(stores[0].JetStream(), "test", 0)
	ctx := context.Background()
	sid := stream("long")
	appendNames(t, stores[0], sid, names(aggregate.DefaultCacheFrom+4, "a")...)
	writer, saved := snapshotting(t, stores[0], snaps, rosterCodec("roster-1"))
	if _, err := writer.Load(ctx, sid); err != nil {
		t.Fatal(err)
	}
	waitSaved(t, saved)
	whole := readNames(t, stores[0], sid)

	broken := rosterCodec("roster-1")
	broken.Unmarshal = func([]byte) (roster, error) { return roster{names: []string{"wrong"}}, errCodec }
	for name, codec := range map[string]aggregate.Codec[roster]{"another version": rosterCodec("roster-2"), "unreadable": broken} {
		t.Run(name, func(t *testing.T) {
			counting := &countingStore{Store: stores[0]}
			repo, _ := snapshotting(t, counting, snaps, codec)
			l, err := repo.Load(ctx, sid)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(l.State.names, whole) || counting.read.Load() != int64(len(whole)) {
				t.Fatalf("load = %v after reading %d events, want the whole stream read", l.State.names, counting.read.Load())
			}
		})
	}

	t.Run("not this store's commit", func(t *testing.T) {
		// A snapshot claiming the stream's last commit sits where another
		// stream's does.
		res := appendNames(t, stores[0], stream("other"), "x")
		s, err := snaps.Load(ctx, "aggregate."+sid.String())
		if err != nil {
			t.Fatal(err)
		}
		if err := snaps.Save(ctx, "aggregate."+sid.String(), snapshot.New(res.Position, s.Version, s.Data)); err != nil {
			t.Fatal(err)
		}
		repo, _ := snapshotting(t, stores[0], snaps, rosterCodec("roster-1"))
		l, err := repo.Load(ctx, sid)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(l.State.names, whole) || l.Version != uint64(len(whole)) {
			t.Fatalf("load = %v at %d, want the whole stream's %d names", l.State.names, l.Version, len(whole))
		}
	})
}

// A snapshot is saved again once the stream has moved on by
// DefaultSnapshotEvery events, so a restart's tail stays short.
func TestSnapshotsFollowTheStream(t *testing.T) {
	stores := newStores(t, 1)
	snaps := snapshot.NewObjectStore(stores[0].JetStream(), "test", 0)
	ctx := context.Background()
	sid := stream("long")
	appendNames(t, stores[0], sid, names(aggregate.DefaultCacheFrom, "a")...)
	repo, saved := snapshotting(t, stores[0], snaps, rosterCodec("roster-1"))
	if _, err := repo.Load(ctx, sid); err != nil {
		t.Fatal(err)
	}
	waitSaved(t, saved)
	appendNames(t, stores[0], sid, names(aggregate.DefaultSnapshotEvery-1, "b")...)
	if _, err := repo.Load(ctx, sid); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-saved:
		t.Fatalf("saved again after fewer than %d events (%v)", aggregate.DefaultSnapshotEvery, err)
	default:
	}
	appendNames(t, stores[0], sid, "c")
	if _, err := repo.Load(ctx, sid); err != nil {
		t.Fatal(err)
	}
	waitSaved(t, saved)
	s, err := repo.Snapshot(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	whole := readNames(t, stores[0], sid)
	if want := lastPosition(t, stores[0]); s.Position != want || s.Version != uint64(len(whole)) || !slices.Equal(s.State.names, whole) {
		t.Fatalf("snapshot at position %d, version %d, want the stream's last commit %d and version %d", s.Position, s.Version, want, len(whole))
	}
}

// The check services use on their snapshots passes on a repository's own.
func TestSnaptestAcceptsTheRepositorysSnapshots(t *testing.T) {
	stores := newStores(t, 1)
	snaps := snapshot.NewObjectStore(stores[0].JetStream(), "test", 0)
	sid := stream("long")
	appendNames(t, stores[0], sid, names(aggregate.DefaultCacheFrom, "a")...)
	repo, _ := snapshotting(t, stores[0], snaps, rosterCodec("roster-1"))
	if _, err := repo.Load(context.Background(), sid); err != nil {
		t.Fatal(err)
	}
	appendNames(t, stores[0], sid, "after")
	restarted, _ := snapshotting(t, stores[0], snaps, rosterCodec("roster-1"))
	fold := func(r roster, events []proto.Message) roster {
		for _, e := range events {
			r = rosterEvolver.Evolve(r, e)
		}
		return r
	}
	snaptest.AssertSavedIsTheFold(t, stores[0], repo, restarted, sid, roster{}, fold, cmp.AllowUnexported(roster{}))
}

var errCodec = errors.New("codec: unreadable")

// waitingSnapshots is a snapshot store whose reads never answer, as a NATS
// cluster's lookup of a bucket being created does not.
type waitingSnapshots struct{ snapshot.Store }

func (waitingSnapshots) Load(ctx context.Context, _ string) (snapshot.Snapshot, error) {
	<-ctx.Done()
	return snapshot.Snapshot{}, ctx.Err()
}

// A snapshot read that gets no answer gives way to a whole read well
// before the caller's deadline.
func TestAnUnansweredSnapshotReadGivesWayToAWholeRead(t *testing.T) {
	stores := newStores(t, 1)
	sid := stream("long")
	appendNames(t, stores[0], sid, names(aggregate.DefaultCacheFrom+2, "a")...)
	repo, _ := snapshotting(t, stores[0], waitingSnapshots{snapshot.NewObjectStore(stores[0].JetStream(), "test", 0)}, rosterCodec("roster-1"))
	// Without a bound of its own the read would end with the caller's
	// deadline, and the load with it.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	l, err := repo.Load(ctx, sid)
	if err != nil {
		t.Fatalf("load: %v, want the whole read's state", err)
	}
	if whole := readNames(t, stores[0], sid); !slices.Equal(l.State.names, whole) {
		t.Fatalf("load = %v, want the whole stream's %v", l.State.names, whole)
	}
}
