package app

import (
	"context"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// RegisterProvider registers a provider once on the platform; every
// consortium reuses the profile.
func (s *Service) RegisterProvider(ctx context.Context, r Request, providerID string, profile *purchasingv1.ProviderProfile) (Result, error) {
	return s.onProvider(ctx, r, providerID, func(a domain.Actor, now time.Time) domain.ProviderCommand {
		return domain.RegisterProvider{Actor: a, Now: now, ProviderID: providerID, Profile: profile}
	})
}
