package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/framework/domain"
)

// RejectPriceUplift refuses a provider's requested weekly price.
func (s *Service) RejectPriceUplift(ctx context.Context, r Request, frameworkID string, upliftID, reason string) (Result, error) {
	return s.run(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.RejectPriceUplift{Actor: a, Now: now, UpliftID: upliftID, Reason: reason}
	})
}
