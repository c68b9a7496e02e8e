package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/framework/domain"
)

// ApprovePriceUplift accepts a provider's requested weekly price.
func (s *Service) ApprovePriceUplift(ctx context.Context, r Request, frameworkID string, upliftID, reason string) (Result, error) {
	return s.run(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.ApprovePriceUplift{Actor: a, Now: now, UpliftID: upliftID, Reason: reason}
	})
}
