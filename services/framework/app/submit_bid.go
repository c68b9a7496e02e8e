package app

import (
	"context"
	"time"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
)

// SubmitBid submits the calling provider's bid on a lot, or amends it while bidding is open.
func (s *Service) SubmitBid(ctx context.Context, r Request, frameworkID string, lotID string, weeklyPricePence int64, answers []*frameworkv1.QualityAnswer) (Result, error) {
	return s.run(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.SubmitBid{Actor: a, Now: now, LotID: lotID, WeeklyPricePence: weeklyPricePence, QualityAnswers: answers}
	})
}
