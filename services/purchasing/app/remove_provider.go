package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// RemoveProvider removes a provider from the DPS altogether.
func (s *Service) RemoveProvider(ctx context.Context, r Request, dpsID, providerID, reason string) (Result, error) {
	return s.onDps(ctx, r, dpsID, func(a domain.Actor, now time.Time) domain.DpsCommand {
		return domain.RemoveProvider{Actor: a, Now: now, ProviderID: providerID, Reason: reason}
	})
}
