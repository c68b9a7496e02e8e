package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// RemoveSetting closes a setting: it is matched no more.
func (s *Service) RemoveSetting(ctx context.Context, r Request, providerID, urn, reason string) (Result, error) {
	return s.onProvider(ctx, r, providerID, func(a domain.Actor, now time.Time) domain.ProviderCommand {
		return domain.RemoveSetting{Actor: a, Now: now, URN: urn, Reason: reason}
	})
}
