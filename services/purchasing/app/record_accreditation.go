package app

import (
	"context"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// RecordAccreditation records an insurance, policy or check with its expiry.
func (s *Service) RecordAccreditation(ctx context.Context, r Request, providerID string, acc *purchasingv1.Accreditation) (Result, error) {
	return s.onProvider(ctx, r, providerID, func(a domain.Actor, now time.Time) domain.ProviderCommand {
		return domain.RecordAccreditation{Actor: a, Now: now, Accreditation: acc}
	})
}
