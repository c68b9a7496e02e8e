package app

import (
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/geo"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// search prepares a need for matching against a DPS's supply; ok is false
// when the DPS lacks the category or the home outcode is unknown (the
// domain then refuses the referral with the reason).
func search(terms *purchasingv1.DpsTerms, need *purchasingv1.Need) (*domain.Search, bool) {
	home, ok := geo.Lookup(need.GetHomeOutcode())
	if !ok {
		return nil, false
	}
	for _, c := range terms.GetCategories() {
		if c.GetId() == need.GetCategoryId() {
			rules := domain.MatchRules{Category: c, MinGrade: terms.GetMinOfstedGrade(), AcceptNotYetInspected: terms.GetAcceptNotYetInspected()}
			return domain.NewSearch(need, rules, home), true
		}
	}
	return nil, false
}

// candidate is one setting as matching sees it. Call with the lock held.
func (m *ReadModel) candidate(d *dpsRM, category string, p *providerRM, s *settingRM, today string) domain.Candidate {
	c := domain.Candidate{
		ProviderID: p.id, ProviderName: p.name(), AccreditationExpired: p.accreditationExpired(today),
		Setting: s.setting, Location: s.loc, FreePlaces: s.free(), AvailableFrom: s.from,
		MedianPricePence: m.medians[priceKey{p.id, category}],
	}
	if d != nil {
		if mem := d.members[p.id][category]; mem != nil {
			switch mem.status {
			case purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_ADMITTED:
				c.Membership = domain.MemberAdmitted
			case purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_SUSPENDED:
				c.Membership = domain.MemberSuspended
			}
		}
	}
	return c
}

// Match matches a need against the live supply of a DPS: every live setting
// of every provider admitted to the need's category. It returns the ranked
// matches and how many settings were considered. Call with the lock held.
func (m *ReadModel) match(dpsID string, need *purchasingv1.Need, now time.Time) ([]*purchasingv1.MatchedSetting, uint32) {
	d := m.dps[dpsID]
	if d == nil {
		return nil, 0
	}
	srch, ok := search(d.terms, need)
	if !ok {
		return nil, 0
	}
	today := domain.FormatDate(domain.Today(now))
	cat := need.GetCategoryId()
	var cands []domain.Candidate
	for pid, cats := range d.members {
		mem := cats[cat]
		if mem == nil || mem.status != purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_ADMITTED {
			continue
		}
		p := m.providers[pid]
		if p == nil {
			continue
		}
		for _, s := range p.settings {
			if !s.removed {
				cands = append(cands, m.candidate(d, cat, p, s, today))
			}
		}
	}
	return srch.Match(cands), uint32(len(cands))
}

// Match is the matching CreateReferral runs, under the read lock (the
// benchmark measures it).
func (m *ReadModel) Match(dpsID string, need *purchasingv1.Need, now time.Time) ([]*purchasingv1.MatchedSetting, uint32) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.match(dpsID, need, now)
}
