package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// ExtendOfferDeadline gives the providers a referral was sent to longer to
// offer; only a commissioner of the referring council may.
func (s *Service) ExtendOfferDeadline(ctx context.Context, r Request, referralID string, offersDueBy time.Time, reason string) (Result, error) {
	res, _, err := s.onReferral(ctx, r, referralID, func(a domain.Actor, now time.Time) domain.ReferralCommand {
		return domain.ExtendOfferDeadline{Actor: a, Now: now, OffersDueBy: offersDueBy, Reason: reason}
	})
	return res, err
}
