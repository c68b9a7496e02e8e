package aggregate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// Codec writes and reads one kind of aggregate's state for persisted
// snapshots.
type Codec[S any] struct {
	// Version names the encoding and the Evolve/Fold it follows: change it
	// when either changes, and the snapshots written before are ignored
	// (the next load reads the whole stream and saves a new one).
	Version string
	// Marshal encodes a state; Unmarshal must give back a state that
	// decides and evolves exactly as the one encoded.
	Marshal   func(S) ([]byte, error)
	Unmarshal func([]byte) (S, error)
}

// When a long stream's state is saved again: once it has this many events
// more than the snapshot, or once its last commit is this many positions of
// the store past the snapshot's. The second bound is for streams that
// change seldom (a setting's monthly return): their tail is short in events
// but may span months of the store, and a first load after a start walks
// every block of the store in that span.
const (
	DefaultSnapshotEvery = 64
	DefaultSnapshotSpan  = 16_384
)

// saveTimeout bounds one snapshot save, which runs apart from the command
// that called for it.
const saveTimeout = 30 * time.Second

// snapshotReadWithin bounds the read of one snapshot, whatever the caller's
// deadline: past it the stream is read whole. On a NATS cluster, looking a
// bucket up while its stream is being created (a read model's first save,
// just after a start) goes unanswered until the caller's deadline, and
// commands would wait that long (framework's fault tests showed it).
const snapshotReadWithin = time.Second

// maxAbsent bounds the streams remembered to have no snapshot.
const maxAbsent = 1 << 16

// persisted keeps long streams' states in a snapshot store: a first load
// after a start (or on another replica) reads the snapshot and the commits
// after it, not years of history.
type persisted[S any] struct {
	store snapshot.Store
	codec Codec[S]
	// saving is set while a save runs: one at a time per repository, and a
	// state due while one runs is saved on a later load.
	saving atomic.Bool
	mu     sync.Mutex
	// absent are streams known to have no usable snapshot, so their loads
	// do not ask the store each time.
	absent map[eventstore.StreamID]struct{}
	// onSaved, if set, is told of each save's outcome (tests).
	onSaved func(eventstore.StreamID, error)
}

// WithSnapshots makes r persist the states of its long streams in store
// with codec and read them back on a first load. It needs a store that
// reads tails (eventstore.TailReader) and does nothing if store is nil.
// Snapshots are saved in the background, one at a time, after a load that
// found the stream DefaultSnapshotEvery events or DefaultSnapshotSpan
// positions past its last snapshot.
func (r *Repository[S]) WithSnapshots(store snapshot.Store, codec Codec[S]) *Repository[S] {
	if store == nil || r.cache == nil {
		return r
	}
	r.cache.persisted = &persisted[S]{store: store, codec: codec, absent: map[eventstore.StreamID]struct{}{}}
	return r
}

// snapName is a stream's object in the service's snapshot bucket, apart
// from the read models' names.
func snapName(stream eventstore.StreamID) string { return "aggregate." + stream.String() }

// snapBody is what a snapshot holds besides the state: the version of the
// stream, the first version of its last commit (the commit is read again on
// load, to check the store still holds it) and every request id committed.
type snapBody struct {
	Version, CommitFrom uint64
	Requests            []string
	State               []byte
}

// load reads stream's snapshot and checks it against the store: the
// commit it ends with must be the stream's commit at its position. It
// returns the state with the events after it, or false if there is no
// usable snapshot.
func (p *persisted[S]) load(ctx context.Context, tail eventstore.TailReader, stream eventstore.StreamID) (*cachedState[S], []eventstore.RecordedEvent, bool, error) {
	p.mu.Lock()
	_, absent := p.absent[stream]
	p.mu.Unlock()
	if absent {
		return nil, nil, false, nil
	}
	rctx, cancel := context.WithTimeout(ctx, snapshotReadWithin)
	s, err := p.store.Load(rctx, snapName(stream))
	cancel()
	if err != nil || s.Version != p.codec.Version {
		if ctx.Err() != nil {
			return nil, nil, false, ctx.Err()
		}
		// None, corrupt or written by other code: read the whole stream,
		// and a snapshot follows.
		p.markAbsent(stream)
		return nil, nil, false, nil
	}
	var body snapBody
	if err := snapshot.Decode(s.Data, &body); err != nil || body.CommitFrom == 0 || body.CommitFrom > body.Version {
		p.markAbsent(stream)
		return nil, nil, false, nil
	}
	state, err := p.codec.Unmarshal(body.State)
	if err != nil {
		p.markAbsent(stream)
		return nil, nil, false, nil
	}
	// Read from the snapshot's last commit on: finding it where the
	// snapshot says shows the snapshot is of this store's stream.
	events, err := tail.ReadStreamAfter(ctx, stream, body.CommitFrom-1, s.Position-1)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, false, ctx.Err()
		}
		// Versions that do not follow (a stream the snapshot is not of):
		// the whole read says what is stored, or fails as loudly.
		p.markAbsent(stream)
		return nil, nil, false, nil
	}
	i := 0
	for i < len(events) && events[i].Version <= body.Version {
		if events[i].Position != s.Position {
			break
		}
		i++
	}
	if i != int(body.Version-body.CommitFrom+1) {
		p.markAbsent(stream)
		return nil, nil, false, nil
	}
	e := &cachedState[S]{state: state, version: body.Version, position: s.Position,
		requests: make(map[string]struct{}, len(body.Requests)), savedVersion: body.Version, savedPosition: s.Position}
	for _, id := range body.Requests {
		e.requests[id] = struct{}{}
	}
	return e, events[i:], true, nil
}

func (p *persisted[S]) markAbsent(stream eventstore.StreamID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.absent) >= maxAbsent {
		clear(p.absent)
	}
	p.absent[stream] = struct{}{}
}

// due says whether e (with the events just folded into it) should be
// saved; the caller holds the cache's lock.
func (p *persisted[S]) due(e *cachedState[S]) bool {
	if e.savedVersion == 0 {
		return true
	}
	return e.version >= e.savedVersion+DefaultSnapshotEvery || e.position >= e.savedPosition+DefaultSnapshotSpan
}

// save writes a snapshot in the background unless one is being written.
// It reports whether it started.
func (p *persisted[S]) save(stream eventstore.StreamID, state S, version, commitFrom, position uint64, requests []string) bool {
	if !p.saving.CompareAndSwap(false, true) {
		return false
	}
	go func() {
		defer p.saving.Store(false)
		err := p.write(stream, state, version, commitFrom, position, requests)
		if err == nil {
			p.mu.Lock()
			delete(p.absent, stream)
			p.mu.Unlock()
		}
		if p.onSaved != nil {
			p.onSaved(stream, err)
		}
	}()
	return true
}

func (p *persisted[S]) write(stream eventstore.StreamID, state S, version, commitFrom, position uint64, requests []string) error {
	data, err := p.codec.Marshal(state)
	if err != nil {
		return fmt.Errorf("snapshot of %s: %w", stream, err)
	}
	body, err := snapshot.Encode(snapBody{Version: version, CommitFrom: commitFrom, Requests: requests, State: data})
	if err != nil {
		return fmt.Errorf("snapshot of %s: %w", stream, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), saveTimeout)
	defer cancel()
	err = p.store.Save(ctx, snapName(stream), snapshot.New(position, p.codec.Version, body))
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("snapshot of %s: not saved within %v: %w", stream, saveTimeout, err)
	}
	return err
}

// Snapshot is the state of a stream as persisted.
type Snapshot[S any] struct {
	State             S
	Version, Position uint64
}

// Snapshot reads the snapshot persisted of stream (an error wrapping
// snapshot.ErrNotFound if there is none, or no snapshots are kept), without
// checking it against the store: for tests and tools.
func (r *Repository[S]) Snapshot(ctx context.Context, stream eventstore.StreamID) (Snapshot[S], error) {
	if r.cache == nil || r.cache.persisted == nil {
		return Snapshot[S]{}, fmt.Errorf("%s: %w", stream, snapshot.ErrNotFound)
	}
	p := r.cache.persisted
	s, err := p.store.Load(ctx, snapName(stream))
	if err != nil {
		return Snapshot[S]{}, fmt.Errorf("%s: %w", stream, err)
	}
	if s.Version != p.codec.Version {
		return Snapshot[S]{}, fmt.Errorf("%s: the snapshot is of version %q, not %q", stream, s.Version, p.codec.Version)
	}
	var body snapBody
	if err := snapshot.Decode(s.Data, &body); err != nil {
		return Snapshot[S]{}, fmt.Errorf("%s: %w", stream, err)
	}
	state, err := p.codec.Unmarshal(body.State)
	if err != nil {
		return Snapshot[S]{}, fmt.Errorf("%s: %w", stream, err)
	}
	return Snapshot[S]{State: state, Version: body.Version, Position: s.Position}, nil
}
