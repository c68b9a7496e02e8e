package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/framework/domain"
)

// ReinstateProvider lifts a provider's suspension on a lot.
func (s *Service) ReinstateProvider(ctx context.Context, r Request, frameworkID string, lotID, providerID, reason string) (Result, error) {
	return s.run(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.ReinstateProvider{Actor: a, Now: now, LotID: lotID, ProviderID: providerID, Reason: reason}
	})
}
