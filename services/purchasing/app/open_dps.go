package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// OpenDps opens a DPS to applications and referrals.
func (s *Service) OpenDps(ctx context.Context, r Request, dpsID string) (Result, error) {
	return s.onDps(ctx, r, dpsID, func(a domain.Actor, now time.Time) domain.DpsCommand {
		return domain.OpenDps{Actor: a, Now: now}
	})
}
