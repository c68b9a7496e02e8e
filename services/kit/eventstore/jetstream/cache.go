package jetstream

import (
	"hash/maphash"
	"sync"
)

// tip is where a stream ends: its version (event count) and the stream
// sequence of its last commit.
type tip struct {
	version uint64
	seq     uint64
}

const cacheShards = 16

// versionCache maps a stream's subject to its last known tip so that an
// append with an expected version needs no read before its publish. It is
// only a hint: the server's expected-last-subject-sequence check stays the
// authority, and a stale entry costs one conflict and a re-read.
type versionCache struct {
	seed     maphash.Seed
	perShard int
	shards   [cacheShards]cacheShard
}

type cacheShard struct {
	mu sync.Mutex
	m  map[string]tip
}

func newVersionCache(size int) *versionCache {
	if size <= 0 {
		return nil
	}
	c := &versionCache{seed: maphash.MakeSeed(), perShard: max(1, size/cacheShards)}
	for i := range c.shards {
		c.shards[i].m = make(map[string]tip)
	}
	return c
}

func (c *versionCache) shard(key string) *cacheShard {
	return &c.shards[maphash.String(c.seed, key)%cacheShards]
}

func (c *versionCache) get(key string) (tip, bool) {
	if c == nil {
		return tip{}, false
	}
	s := c.shard(key)
	s.mu.Lock()
	t, ok := s.m[key]
	s.mu.Unlock()
	return t, ok
}

// put records t unless a newer tip is already known (concurrent appends and
// reads may finish out of order).
func (c *versionCache) put(key string, t tip) {
	if c == nil {
		return
	}
	s := c.shard(key)
	s.mu.Lock()
	if old, ok := s.m[key]; ok {
		if old.seq < t.seq {
			s.m[key] = t
		}
	} else {
		if len(s.m) >= c.perShard {
			// Evict an arbitrary entry (map order is randomised): O(1), and a
			// miss only costs one direct get.
			for k := range s.m {
				delete(s.m, k)
				break
			}
		}
		s.m[key] = t
	}
	s.mu.Unlock()
}

func (c *versionCache) drop(key string) {
	if c == nil {
		return
	}
	s := c.shard(key)
	s.mu.Lock()
	delete(s.m, key)
	s.mu.Unlock()
}
