package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// WithdrawVacancy says a setting has no free places any more.
func (s *Service) WithdrawVacancy(ctx context.Context, r Request, providerID, urn, reason string) (Result, error) {
	return s.onProvider(ctx, r, providerID, func(a domain.Actor, now time.Time) domain.ProviderCommand {
		return domain.WithdrawVacancy{Actor: a, Now: now, URN: urn, Reason: reason}
	})
}
