package app

import (
	"context"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// AddSetting adds a home, agency branch or school to a provider's profile.
func (s *Service) AddSetting(ctx context.Context, r Request, providerID string, setting *purchasingv1.Setting) (Result, error) {
	return s.onProvider(ctx, r, providerID, func(a domain.Actor, now time.Time) domain.ProviderCommand {
		return domain.AddSetting{Actor: a, Now: now, Setting: setting}
	})
}
