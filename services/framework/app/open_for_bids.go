package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/framework/domain"
)

// OpenForBids publishes a draft framework for bids until closesAt.
func (s *Service) OpenForBids(ctx context.Context, r Request, frameworkID string, closesAt time.Time) (Result, error) {
	return s.run(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.OpenForBids{Actor: a, Now: now, BidsCloseAt: closesAt}
	})
}
