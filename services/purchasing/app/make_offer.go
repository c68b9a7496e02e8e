package app

import (
	"context"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// MakeOffer offers one of the provider's matched settings at a weekly price.
func (s *Service) MakeOffer(ctx context.Context, r Request, referralID, urn string, pricePence int64, from, note string) (Result, error) {
	res, events, err := s.onReferral(ctx, r, referralID, func(a domain.Actor, now time.Time) domain.ReferralCommand {
		return domain.MakeOffer{Actor: a, Now: now, SettingURN: urn, WeeklyPricePence: pricePence, AvailableFrom: from, Note: note}
	})
	for _, e := range events {
		if o, ok := e.(*purchasingv1.OfferMade); ok {
			res.OfferID = o.GetOfferId()
		}
	}
	return res, err
}
