package app

import (
	"context"
	"time"

	"go.uber.org/zap"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// AwardPlacement accepts one offer: the placement (an individual call-off).
// The other offers close in the same commit. Concurrent awards on one
// referral race on its stream version: exactly one wins.
//
// The offered setting must have a free place on the provider's stream;
// the award then takes it there (vacTakeNow) before answering.
func (s *Service) AwardPlacement(ctx context.Context, r Request, referralID, offerID, reason string) (Result, error) {
	vac, err := s.vacancyOf(ctx, referralID, offerID)
	if err != nil {
		return Result{}, err
	}
	res, events, err := s.onReferral(ctx, r, referralID, func(a domain.Actor, now time.Time) domain.ReferralCommand {
		return domain.AwardPlacement{Actor: a, Now: now, OfferID: offerID, Reason: reason, Vacancy: vac}
	})
	for _, e := range events {
		if p, ok := e.(*purchasingv1.PlacementAwarded); ok {
			res.PlacementID = p.GetPlacementId()
		}
	}
	if err == nil && res.PlacementID != "" {
		if err := s.vacTakeNow(ctx, referralID, res.PlacementID); err != nil {
			// The award stands; the bus's delivery takes the place.
			s.log.Warn("taking an awarded place now failed; the reaction will", zap.String("placement_id", res.PlacementID), zap.Error(err))
		}
	}
	return res, err
}
