package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// CloseDps closes a DPS for good.
func (s *Service) CloseDps(ctx context.Context, r Request, dpsID, reason string) (Result, error) {
	return s.onDps(ctx, r, dpsID, func(a domain.Actor, now time.Time) domain.DpsCommand {
		return domain.CloseDps{Actor: a, Now: now, Reason: reason}
	})
}
