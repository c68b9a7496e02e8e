package app

import (
	"context"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// AwardPlacement accepts one offer: the placement (an individual call-off).
// The other offers close in the same commit. Concurrent awards on one
// referral race on its stream version: exactly one wins.
func (s *Service) AwardPlacement(ctx context.Context, r Request, referralID, offerID, reason string) (Result, error) {
	res, events, err := s.onReferral(ctx, r, referralID, func(a domain.Actor, now time.Time) domain.ReferralCommand {
		return domain.AwardPlacement{Actor: a, Now: now, OfferID: offerID, Reason: reason}
	})
	for _, e := range events {
		if p, ok := e.(*purchasingv1.PlacementAwarded); ok {
			res.PlacementID = p.GetPlacementId()
		}
	}
	return res, err
}
