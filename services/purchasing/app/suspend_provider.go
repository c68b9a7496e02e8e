package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// SuspendProvider suspends an admitted provider from a category (or all):
// its settings are matched no more until it is reinstated.
func (s *Service) SuspendProvider(ctx context.Context, r Request, dpsID, providerID, categoryID, reason string) (Result, error) {
	return s.onDps(ctx, r, dpsID, func(a domain.Actor, now time.Time) domain.DpsCommand {
		return domain.SuspendProvider{Actor: a, Now: now, ProviderID: providerID, CategoryID: categoryID, Reason: reason}
	})
}
