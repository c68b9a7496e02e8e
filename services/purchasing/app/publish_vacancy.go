package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// PublishVacancy states a setting's free places from a date.
func (s *Service) PublishVacancy(ctx context.Context, r Request, providerID, urn string, free uint32, from string) (Result, error) {
	return s.onProvider(ctx, r, providerID, func(a domain.Actor, now time.Time) domain.ProviderCommand {
		return domain.PublishVacancy{Actor: a, Now: now, URN: urn, FreePlaces: free, AvailableFrom: from}
	})
}
