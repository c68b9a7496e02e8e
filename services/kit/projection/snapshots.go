package projection

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// Snapshotter is a read model that can save its state and start from it.
type Snapshotter interface {
	// SnapshotVersion names the projection code: change it whenever Apply
	// or the snapshot's encoding changes, and a snapshot of another version
	// is not used (the model is rebuilt from the start).
	SnapshotVersion() string
	// MarshalSnapshot encodes the state compactly. The runner calls it
	// between commits; the model takes its own read lock, so queries go on.
	MarshalSnapshot() ([]byte, error)
	// RestoreSnapshot replaces the state of an empty model with data's; on
	// error the model must be left empty.
	RestoreSnapshot(data []byte) error
}

// Snapshot defaults: a snapshot after this many commits applied, or at the
// first commit after this long since the last one.
const (
	DefaultSnapshotEvery    = 20000
	DefaultSnapshotInterval = 5 * time.Minute
)

// snapState is a runner's snapshotting; zero: none.
type snapState struct {
	model Snapshotter
	store snapshot.Store
	every int
	each  time.Duration

	// Guarded by Runner.applyMu.
	applied int       // commits applied since the last snapshot taken
	taken   time.Time // when the last one was taken
	on      bool      // Start has caught up: snapshots are taken

	mu       sync.Mutex
	pending  *snapshot.Snapshot // taken, waiting for the uploader
	wake     chan struct{}
	saved    uint64        // position of the last snapshot saved
	restored uint64        // position the model was restored at (0: replayed)
	saving   sync.Mutex    // held while a snapshot is being saved
	done     chan struct{} // closed once the snapshot at shutdown is saved
}

// WithSnapshots makes the runner restore model from store at Start and save
// it to store after every `every` commits applied (0: DefaultSnapshotEvery)
// or at the first commit `each` after the last (0: DefaultSnapshotInterval),
// once caught up at start, and when the runner's context ends. A nil store
// leaves snapshots off.
func (r *Runner) WithSnapshots(model Snapshotter, store snapshot.Store, every int, each time.Duration) *Runner {
	if store == nil {
		return r
	}
	if every <= 0 {
		every = DefaultSnapshotEvery
	}
	if each <= 0 {
		each = DefaultSnapshotInterval
	}
	r.snap.model, r.snap.store, r.snap.every, r.snap.each = model, store, every, each
	r.snap.wake = make(chan struct{}, 1)
	return r
}

// snapVersion is the model's version and what the runner follows: a
// snapshot taken over other filters holds other commits.
func (r *Runner) snapVersion() string {
	return r.snap.model.SnapshotVersion() + " " + strings.Join(r.filters, ",")
}

// restore starts the model from its snapshot when one is stored, intact and
// of this version; otherwise the model is replayed from the start (logged).
// restoring serialises restores (see restore).
var restoring sync.Mutex

func (r *Runner) restore(ctx context.Context) {
	if r.snap.store == nil {
		return
	}
	log := r.log.With(zap.String("projection", r.name))
	began := time.Now()
	// One restore at a time in a process: reading and decoding a snapshot
	// holds it two or three times over for a moment, and a process hosting
	// several read models (the dev stack) would add those moments up: at
	// ten years, purchasing's 232 MB and monitoring's 182 MB at once.
	restoring.Lock()
	defer restoring.Unlock()
	s, err := r.snap.store.Load(ctx, r.name)
	switch {
	case errors.Is(err, snapshot.ErrNotFound):
		log.Info("no snapshot: replaying from the start")
		return
	case err != nil:
		log.Warn("snapshot unusable: replaying from the start", zap.Error(err))
		return
	case s.Version != r.snapVersion():
		log.Warn("snapshot of another projection version: replaying from the start",
			zap.String("snapshot_version", s.Version), zap.String("version", r.snapVersion()))
		return
	}
	if err := s.Verify(); err != nil {
		log.Warn("snapshot unusable: replaying from the start", zap.Error(err))
		return
	}
	// A snapshot ahead of the store belongs to another history.
	if last, err := r.store.LastPosition(ctx); err != nil || last < s.Position {
		log.Warn("snapshot ahead of the store: replaying from the start", zap.Uint64("snapshot_position", s.Position), zap.Error(err))
		return
	}
	if err := r.snap.model.RestoreSnapshot(s.Data); err != nil {
		log.Warn("snapshot does not decode: replaying from the start", zap.Error(err))
		return
	}
	r.mu.Lock()
	r.pos = s.Position
	r.mu.Unlock()
	r.snap.mu.Lock()
	r.snap.saved, r.snap.restored = s.Position, s.Position
	r.snap.mu.Unlock()
	log.Info("restored from snapshot", zap.Uint64("position", s.Position), zap.Int("bytes", len(s.Data)),
		zap.Duration("took", time.Since(began)))
}

// RestoredAt is the position the read model was restored from a snapshot
// at, 0 if it was replayed from the start.
func (r *Runner) RestoredAt() uint64 {
	r.snap.mu.Lock()
	defer r.snap.mu.Unlock()
	return r.snap.restored
}

// startSnapshots starts the uploader once Start has caught up, and takes a
// snapshot at once if the catch-up replayed the model or moved it on by
// `every` positions or more. After a restore that caught up less, the
// usual rule (every commits, or the interval) decides: marshalling a large
// model the moment the service becomes ready would add its encoding to the
// start's peak memory for what the stored snapshot nearly holds already
// (at 3M events, monitoring's took 750 MB).
func (r *Runner) startSnapshots(ctx context.Context) {
	if r.snap.store == nil {
		return
	}
	go r.upload(ctx)
	r.applyMu.Lock()
	r.snap.on = true
	r.snap.mu.Lock()
	restored := r.snap.restored
	r.snap.mu.Unlock()
	pos := r.Position()
	short := restored != 0 && pos-restored < uint64(r.snap.every)
	if short {
		r.snap.applied, r.snap.taken = int(pos-restored), time.Now()
	}
	r.applyMu.Unlock()
	if !short {
		r.snapshotNow()
	}
}

// snapDue says whether a commit just applied calls for a snapshot.
func (r *Runner) snapDue() bool {
	if r.snap.store == nil {
		return false
	}
	r.applyMu.Lock()
	defer r.applyMu.Unlock()
	if !r.snap.on {
		return false
	}
	r.snap.applied++
	return r.snap.applied >= r.snap.every || time.Since(r.snap.taken) >= r.snap.each
}

// snapshotNow marshals the model at the position it reflects and hands it
// to the uploader; nothing is taken when nothing changed since the last.
// The apply lock is held only while marshalling, not while uploading.
func (r *Runner) snapshotNow() {
	r.applyMu.Lock()
	pos := r.Position()
	r.snap.mu.Lock()
	same := pos == r.snap.saved || (r.snap.pending != nil && r.snap.pending.Position == pos)
	r.snap.mu.Unlock()
	if same {
		r.applyMu.Unlock()
		return
	}
	data, err := r.snap.model.MarshalSnapshot()
	r.snap.applied, r.snap.taken = 0, time.Now()
	r.applyMu.Unlock()
	if err != nil {
		r.log.Error("snapshot not taken", zap.String("projection", r.name), zap.Error(err))
		return
	}
	s := snapshot.New(pos, r.snapVersion(), data)
	r.snap.mu.Lock()
	r.snap.pending = &s // a newer snapshot replaces one not yet uploaded
	r.snap.mu.Unlock()
	select {
	case r.snap.wake <- struct{}{}:
	default:
	}
}

// upload saves the snapshots taken, one at a time, until ctx ends.
func (r *Runner) upload(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.snap.wake:
		}
		r.saveTaken(ctx)
	}
}

// saveTaken saves the snapshot waiting, if any.
func (r *Runner) saveTaken(ctx context.Context) {
	r.snap.saving.Lock()
	defer r.snap.saving.Unlock()
	r.snap.mu.Lock()
	s := r.snap.pending
	r.snap.pending = nil
	r.snap.mu.Unlock()
	if s == nil {
		return
	}
	began := time.Now()
	if err := r.snap.store.Save(ctx, r.name, *s); err != nil {
		r.log.Warn("snapshot not saved", zap.String("projection", r.name), zap.Uint64("position", s.Position), zap.Error(err))
		return
	}
	r.snap.mu.Lock()
	if s.Position > r.snap.saved {
		r.snap.saved = s.Position
	}
	r.snap.mu.Unlock()
	r.log.Info("snapshot saved", zap.String("projection", r.name), zap.Uint64("position", s.Position),
		zap.Int("bytes", len(s.Data)), zap.Duration("took", time.Since(began)))
}

// SaveSnapshot takes a snapshot now and saves it before returning (the
// uploader may be saving an older one at the same time; the store keeps the
// last saved). Nil without snapshots or when nothing changed since the last.
func (r *Runner) SaveSnapshot(ctx context.Context) error {
	if r.snap.store == nil {
		return nil
	}
	r.snapshotNow()
	r.snap.mu.Lock()
	s := r.snap.pending
	r.snap.pending = nil
	r.snap.mu.Unlock()
	if s == nil {
		return nil
	}
	if err := r.snap.store.Save(ctx, r.name, *s); err != nil {
		return err
	}
	r.snap.mu.Lock()
	if s.Position > r.snap.saved {
		r.snap.saved = s.Position
	}
	r.snap.mu.Unlock()
	return nil
}

// finalSnapshot saves the model once more when the runner's context ends
// after Start caught up (a clean shutdown): the next start reads nothing
// this one had applied.
func (r *Runner) finalSnapshot() {
	r.applyMu.Lock()
	on := r.snap.on
	r.applyMu.Unlock()
	if !on {
		return
	}
	r.snap.saving.Lock() // the uploader's last save, cut short, is done
	r.snap.saving.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.SaveSnapshot(ctx); err != nil {
		r.log.Warn("snapshot at shutdown not saved", zap.String("projection", r.name), zap.Error(err))
	}
	close(r.snapDone())
}

// snapDone is closed once the final snapshot is saved (or given up).
func (r *Runner) snapDone() chan struct{} {
	r.snap.mu.Lock()
	defer r.snap.mu.Unlock()
	if r.snap.done == nil {
		r.snap.done = make(chan struct{})
	}
	return r.snap.done
}

// Stopped waits until the runner has saved its snapshot at shutdown (after
// its context ended), or ctx ends; at once for a runner without snapshots
// or one that never caught up.
func (r *Runner) Stopped(ctx context.Context) {
	r.applyMu.Lock()
	on := r.snap.on
	r.applyMu.Unlock()
	if !on {
		return
	}
	select {
	case <-r.snapDone():
	case <-ctx.Done():
	}
}

// WaitStopped waits until every runner has saved its snapshot at shutdown
// (see Stopped), or ctx ends.
func WaitStopped(ctx context.Context, runners ...*Runner) {
	for _, r := range runners {
		r.Stopped(ctx)
	}
}
