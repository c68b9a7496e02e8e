package app

import (
	"context"
	"fmt"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// ExplainMatch says why a setting was matched to a referral (the reasons
// recorded at match time) or why not (every criterion checked against the
// supply now, unmet ones first). A provider may ask only about its own
// settings on referrals sent to it.
func (s *Service) ExplainMatch(ctx context.Context, p auth.Principal, referralID, urn string, minPosition uint64) (*purchasingv1.ExplainMatchResponse, error) {
	out := &purchasingv1.ExplainMatchResponse{}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		r := m.referrals[referralID]
		if r == nil || !canSeeReferral(p, r) {
			return notFound("referral", referralID)
		}
		owner := m.settingOwner[urn]
		if owner == "" || (provider(p) != "" && provider(p) != owner) {
			return notFound("setting", urn)
		}
		for _, mt := range r.matches {
			if mt.GetSettingUrn() == urn {
				out.Matched, out.Rank, out.Reasons = true, mt.GetRank(), clone(mt).GetReasons()
				return nil
			}
		}
		d := m.dps[r.created.GetDpsId()]
		srch, ok := search(d.terms, r.created.GetNeed())
		if !ok {
			return notFound("DPS category", r.created.GetNeed().GetCategoryId())
		}
		pr := m.providers[owner]
		st := pr.settings[urn]
		if st.removed {
			out.Reasons = []*purchasingv1.MatchReason{{Criterion: domain.CriterionVacancy, Detail: "the setting has been removed from the provider's profile"}}
			return nil
		}
		cat := r.created.GetNeed().GetCategoryId()
		eligible, reasons := srch.Explain(m.candidate(d, cat, pr, st, domain.FormatDate(domain.Today(m.now()))))
		if eligible && len(r.matches) >= domain.MaxSent {
			reasons = append([]*purchasingv1.MatchReason{{Criterion: domain.CriterionRank, Detail: fmt.Sprintf(
				"eligible, but the referral went to the %d best-ranked settings and this one ranked below them", domain.MaxSent)}}, reasons...)
		} else if eligible {
			reasons = append([]*purchasingv1.MatchReason{{Criterion: domain.CriterionSupplyChanged, Detail: "eligible now, but not when the referral was matched (supply has changed since)"}}, reasons...)
		}
		out.Reasons = reasons
		return nil
	})
	out.Position = pos
	return out, err
}
