package app

import (
	"context"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// UpdateProviderProfile replaces a provider's profile.
func (s *Service) UpdateProviderProfile(ctx context.Context, r Request, providerID string, profile *purchasingv1.ProviderProfile) (Result, error) {
	return s.onProvider(ctx, r, providerID, func(a domain.Actor, now time.Time) domain.ProviderCommand {
		return domain.UpdateProviderProfile{Actor: a, Now: now, Profile: profile}
	})
}
