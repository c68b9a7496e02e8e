package app

import (
	"context"
	"fmt"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// ExplainMatch says why a setting was matched to a referral (the reasons
// recorded at match time, read from the referral's stream) or why not (every
// criterion checked against the supply now, unmet ones first). A provider may
// ask only about its own settings on referrals sent to it, and is not told
// their rank (viewExplanationFor).
func (s *Service) ExplainMatch(ctx context.Context, p auth.Principal, referralID, urn string, minPosition uint64) (*purchasingv1.ExplainMatchResponse, error) {
	var sent bool
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		r := m.referrals[referralID]
		if r == nil || !m.canSeeReferral(p, r) {
			return notFound("referral", referralID)
		}
		owner := m.settingOwner[urn]
		if owner == "" || (provider(p) != "" && provider(p) != owner) {
			return notFound("setting", urn)
		}
		sent = m.wasSentTo(r, owner)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if sent {
		// The reasons are in the ReferralMatched event, not the read model.
		l, err := s.referrals.Load(ctx, referralStream(referralID))
		if err != nil {
			return nil, err
		}
		if mt := l.State.Matches[urn]; mt != nil {
			return viewExplanationFor(p, &purchasingv1.ExplainMatchResponse{Matched: true, Rank: mt.GetRank(), Reasons: clone(mt).GetReasons(), Position: pos}), nil
		}
	}
	out := &purchasingv1.ExplainMatchResponse{Position: pos}
	_, err = s.read(ctx, 0, func(m *ReadModel) error {
		r := m.referrals[referralID]
		d := m.dps[r.dpsID]
		if d == nil {
			return notFound("DPS", r.dpsID)
		}
		need := r.needMsg()
		srch, ok := search(d.terms, need)
		if !ok {
			return notFound("DPS category", need.GetCategoryId())
		}
		pr := m.providers[m.settingOwner[urn]]
		st := pr.settings[urn]
		if st.removed {
			out.Reasons = []*purchasingv1.MatchReason{{Criterion: domain.CriterionSupplyChanged, Detail: "the setting has been removed from the provider's profile"}}
			return nil
		}
		cat := need.GetCategoryId()
		eligible, reasons := srch.Explain(m.candidate(d, cat, pr, st, domain.FormatDate(domain.Today(m.now()))))
		switch {
		case eligible && r.matched >= domain.MaxSent:
			reasons = append([]*purchasingv1.MatchReason{{Criterion: domain.CriterionRank, Detail: fmt.Sprintf(
				"eligible, but the referral went to the %d best-ranked settings and this one ranked below them", domain.MaxSent)}}, reasons...)
		case eligible:
			reasons = append([]*purchasingv1.MatchReason{{Criterion: domain.CriterionSupplyChanged,
				Detail: "eligible now, but not when the referral was matched (supply has changed since)"}}, reasons...)
		}
		out.Reasons = reasons
		return nil
	})
	return viewExplanationFor(p, out), err
}
