package app

import (
	"context"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// GetReferral returns a referral as the caller may see it
// (viewReferralFor).
func (s *Service) GetReferral(ctx context.Context, p auth.Principal, referralID string, minPosition uint64) (*purchasingv1.ReferralView, error) {
	var out *purchasingv1.ReferralView
	_, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		r := m.referrals[referralID]
		if r == nil || !m.canSeeReferral(p, r) {
			return notFound("referral", referralID)
		}
		out = m.viewReferralFor(p, r)
		return nil
	})
	return out, err
}

// yourResponse tells a provider where it stands on a referral.
func yourResponse(own string, r *referralRM, v *purchasingv1.ReferralView) string {
	if r.placement != nil && r.placement.GetProviderId() == own {
		return "awarded to you"
	}
	if len(v.Declines) > 0 {
		return "you declined"
	}
	for _, o := range v.Offers {
		switch o.GetStatus() {
		case purchasingv1.OfferStatus_OFFER_STATUS_OPEN:
			return "you offered; awaiting the council's decision"
		case purchasingv1.OfferStatus_OFFER_STATUS_CLOSED:
			return "your offer closed: " + o.GetClosedReason()
		}
	}
	switch r.status {
	case purchasingv1.ReferralStatus_REFERRAL_STATUS_AWARDED:
		return "closed: placed elsewhere"
	case purchasingv1.ReferralStatus_REFERRAL_STATUS_WITHDRAWN:
		return "closed: withdrawn by the council"
	}
	return "awaiting your offer or decline"
}
