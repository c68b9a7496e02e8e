package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// RejectApplication rejects an applicant in one category, with the reason.
func (s *Service) RejectApplication(ctx context.Context, r Request, dpsID, providerID, categoryID, reason string) (Result, error) {
	return s.onDps(ctx, r, dpsID, func(a domain.Actor, now time.Time) domain.DpsCommand {
		return domain.RejectApplication{Actor: a, Now: now, ProviderID: providerID, CategoryID: categoryID, Reason: reason}
	})
}
