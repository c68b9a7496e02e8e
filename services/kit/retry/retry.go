// Package retry holds the one backoff the kit uses between attempts that lost
// an optimistic-concurrency race.
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff waits before attempt n: not at all before the first (n == 0), then a
// random time below min(base<<n, limit) ("full jitter"), so writers that
// collided spread out instead of colliding again. It returns ctx's error if
// ctx ends first.
func Backoff(ctx context.Context, attempt int, base, limit time.Duration) error {
	if attempt == 0 {
		return ctx.Err()
	}
	t := time.NewTimer(rand.N(min(base<<min(attempt, 30), limit)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
