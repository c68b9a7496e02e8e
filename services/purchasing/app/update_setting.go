package app

import (
	"context"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// UpdateSetting replaces a setting's details, e.g. after an inspection.
func (s *Service) UpdateSetting(ctx context.Context, r Request, providerID string, setting *purchasingv1.Setting, reason string) (Result, error) {
	return s.onProvider(ctx, r, providerID, func(a domain.Actor, now time.Time) domain.ProviderCommand {
		return domain.UpdateSetting{Actor: a, Now: now, Setting: setting, Reason: reason}
	})
}
