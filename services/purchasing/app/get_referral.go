package app

import (
	"cmp"
	"context"
	"slices"

	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// GetReferral returns a referral as the caller may see it: the referring
// council, its consortium and the platform see every match and offer
// (offers cheapest first); a provider sees the need, its own matched
// settings, its own offers and how the referral ended for it.
func (s *Service) GetReferral(ctx context.Context, p auth.Principal, referralID string, minPosition uint64) (*purchasingv1.ReferralView, error) {
	var out *purchasingv1.ReferralView
	_, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		r := m.referrals[referralID]
		if r == nil || !canSeeReferral(p, r) {
			return notFound("referral", referralID)
		}
		out = m.referralView(p, r)
		return nil
	})
	return out, err
}

func (m *ReadModel) referralView(p auth.Principal, r *referralRM) *purchasingv1.ReferralView {
	c := r.created
	v := &purchasingv1.ReferralView{ReferralId: c.GetReferralId(), Council: c.GetCouncil(), DpsId: c.GetDpsId(), Consortium: c.GetConsortium(),
		Need: clone(c.GetNeed()), Status: r.status, CreatedAt: timestamppb.New(r.createdAt), Version: r.version, MatchedSettings: uint32(r.matched)}
	own := provider(p)
	if own != "" {
		v.MatchedSettings = 0 // how many competitors were asked is not a provider's business
	}
	for _, mt := range r.matches {
		if own == "" || mt.GetProviderId() == own {
			v.Matches = append(v.Matches, clone(mt))
		}
	}
	for _, o := range r.offers {
		if own == "" || o.GetProviderId() == own {
			oc := clone(o)
			oc.ProviderName = m.providerName(o.GetProviderId())
			v.Offers = append(v.Offers, oc)
		}
	}
	slices.SortStableFunc(v.Offers, func(a, b *purchasingv1.Offer) int {
		return cmp.Compare(a.GetWeeklyPricePence(), b.GetWeeklyPricePence())
	})
	for _, d := range r.declines {
		if own == "" || d.GetProviderId() == own {
			v.Declines = append(v.Declines, clone(d))
		}
	}
	// How fast others offered is the council's business, not a competitor's.
	if !r.firstOfferAt.IsZero() && own == "" {
		v.FirstOfferAt = timestamppb.New(r.firstOfferAt)
		v.SecondsToFirstOffer = int64(r.firstOfferAt.Sub(r.createdAt).Seconds())
	}
	if r.placement != nil {
		v.AwardedAt = timestamppb.New(r.awardedAt)
		v.SecondsToPlacement = r.placement.GetSecondsToPlacement()
		if own == "" || r.placement.GetProviderId() == own {
			v.PlacementId = r.placement.GetPlacementId()
		}
	}
	if own != "" {
		v.YourResponse = yourResponse(own, r, v)
	}
	return v
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
