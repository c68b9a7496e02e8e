package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// ReinstateProvider lifts a suspension.
func (s *Service) ReinstateProvider(ctx context.Context, r Request, dpsID, providerID, categoryID, reason string) (Result, error) {
	return s.onDps(ctx, r, dpsID, func(a domain.Actor, now time.Time) domain.DpsCommand {
		return domain.ReinstateProvider{Actor: a, Now: now, ProviderID: providerID, CategoryID: categoryID, Reason: reason}
	})
}
