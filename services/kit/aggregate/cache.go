package aggregate

import (
	"context"
	"fmt"
	"sync"

	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// DefaultCachedStreams bounds how many aggregates' states a repository
// keeps, and DefaultCacheFrom is the length from which a stream's state is
// kept: shorter streams cost one small read anyway.
const (
	DefaultCachedStreams = 1024
	DefaultCacheFrom     = 16
)

// stateCache keeps the folded state of long streams with the request ids
// committed in them. States are shared, never changed: Evolve and Fold
// never change the state they are given, and deciders only read it.
type stateCache[S any] struct {
	tail    eventstore.TailReader
	max     int
	from    uint64
	mu      sync.Mutex
	entries map[eventstore.StreamID]*cachedState[S]
	// persisted, if set, saves long streams' states and reads them back
	// when a stream is not kept in memory (WithSnapshots).
	persisted *persisted[S]
}

type cachedState[S any] struct {
	state             S
	version, position uint64
	// requests are the request ids of every commit folded in (guarded by
	// the cache's mutex): a retried command must still be recognised once
	// its commit is older than the tail read.
	requests map[string]struct{}
	// savedVersion and savedPosition are those of the last persisted
	// snapshot (0: none).
	savedVersion, savedPosition uint64
}

func newStateCache[S any](tail eventstore.TailReader, max int, from uint64) *stateCache[S] {
	return &stateCache[S]{tail: tail, max: max, from: from, entries: map[eventstore.StreamID]*cachedState[S]{}}
}

// load folds the events after the kept state of stream, if there is one,
// or after its persisted snapshot.
func (c *stateCache[S]) load(ctx context.Context, stream eventstore.StreamID, fold func(eventstore.StreamID, Loaded[S], []eventstore.RecordedEvent) (Loaded[S], error)) (Loaded[S], bool, error) {
	c.mu.Lock()
	e := c.entries[stream]
	var base Loaded[S]
	if e != nil {
		base = Loaded[S]{State: e.state, Version: e.version, Position: e.position}
	}
	c.mu.Unlock()
	var events []eventstore.RecordedEvent
	var err error
	switch {
	case e != nil:
		if events, err = c.tail.ReadStreamAfter(ctx, stream, base.Version, base.Position); err != nil {
			return Loaded[S]{}, true, fmt.Errorf("load %s: %w", stream, err)
		}
	case c.persisted != nil:
		restored, after, ok, err := c.persisted.load(ctx, c.tail, stream)
		if err != nil || !ok {
			return Loaded[S]{}, err != nil, err
		}
		c.restore(stream, restored)
		base = Loaded[S]{State: restored.state, Version: restored.version, Position: restored.position}
		events = after
	default:
		return Loaded[S]{}, false, nil
	}
	l, err := fold(stream, base, events)
	if err != nil {
		return Loaded[S]{}, true, err
	}
	l.seen = func(requestID string) bool { return c.seen(stream, requestID) }
	c.keep(stream, l)
	return l, true, nil
}

// restore keeps a state read from a snapshot unless one is kept already.
func (c *stateCache[S]) restore(stream eventstore.StreamID, e *cachedState[S]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[stream] != nil {
		return
	}
	c.evictForOne()
	c.entries[stream] = e
}

// evictForOne makes room for one entry; the caller holds the lock.
func (c *stateCache[S]) evictForOne() {
	if len(c.entries) < c.max {
		return
	}
	// Evict an arbitrary entry (map order is randomised): O(1), and a miss
	// costs one whole read (or a snapshot and its tail).
	for k := range c.entries {
		delete(c.entries, k)
		break
	}
}

// keep records l as the state of stream if the stream is long enough and
// l is newer than what is kept (concurrent loads finish in any order).
func (c *stateCache[S]) keep(stream eventstore.StreamID, l Loaded[S]) {
	if l.Version < c.from {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[stream]
	if e == nil {
		c.evictForOne()
		if l.events == nil || l.events[0].Version != 1 {
			return // only a whole read tells every request id
		}
		e = &cachedState[S]{requests: map[string]struct{}{}}
		c.entries[stream] = e
	} else if l.Version <= e.version || len(l.events) == 0 || l.events[0].Version > e.version+1 {
		return // not newer, or its events do not follow what is kept
	}
	for _, ev := range l.events {
		if ev.Version > e.version && ev.RequestID != "" {
			e.requests[ev.RequestID] = struct{}{}
		}
	}
	e.state, e.version, e.position = l.State, l.Version, l.Position
	if p := c.persisted; p != nil && p.due(e) {
		// The first version of the last commit: a load reads it again to
		// check the snapshot against the store.
		from := l.events[len(l.events)-1].Version
		for i := len(l.events) - 1; i >= 0 && l.events[i].Position == l.Position; i-- {
			from = l.events[i].Version
		}
		requests := make([]string, 0, len(e.requests))
		for id := range e.requests {
			requests = append(requests, id)
		}
		if p.save(stream, e.state, e.version, from, e.position, requests) {
			e.savedVersion, e.savedPosition = e.version, e.position
		}
	}
}

// seen reports whether requestID was committed in stream as far as kept.
func (c *stateCache[S]) seen(stream eventstore.StreamID, requestID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[stream]
	if e == nil {
		return true // evicted: only a whole read can tell
	}
	_, ok := e.requests[requestID]
	return ok
}
