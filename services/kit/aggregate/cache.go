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
}

type cachedState[S any] struct {
	state             S
	version, position uint64
	// requests are the request ids of every commit folded in (guarded by
	// the cache's mutex): a retried command must still be recognised once
	// its commit is older than the tail read.
	requests map[string]struct{}
}

func newStateCache[S any](tail eventstore.TailReader, max int, from uint64) *stateCache[S] {
	return &stateCache[S]{tail: tail, max: max, from: from, entries: map[eventstore.StreamID]*cachedState[S]{}}
}

// load folds the events after the kept state of stream, if there is one.
func (c *stateCache[S]) load(ctx context.Context, stream eventstore.StreamID, fold func(eventstore.StreamID, Loaded[S], []eventstore.RecordedEvent) (Loaded[S], error)) (Loaded[S], bool, error) {
	c.mu.Lock()
	e := c.entries[stream]
	var base Loaded[S]
	if e != nil {
		base = Loaded[S]{State: e.state, Version: e.version, Position: e.position}
	}
	c.mu.Unlock()
	if e == nil {
		return Loaded[S]{}, false, nil
	}
	events, err := c.tail.ReadStreamAfter(ctx, stream, base.Version, base.Position)
	if err != nil {
		return Loaded[S]{}, true, fmt.Errorf("load %s: %w", stream, err)
	}
	l, err := fold(stream, base, events)
	if err != nil {
		return Loaded[S]{}, true, err
	}
	l.seen = func(requestID string) bool { return c.seen(stream, requestID) }
	c.keep(stream, l)
	return l, true, nil
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
		if len(c.entries) >= c.max {
			// Evict an arbitrary entry (map order is randomised): O(1), and
			// a miss costs one whole read.
			for k := range c.entries {
				delete(c.entries, k)
				break
			}
		}
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
