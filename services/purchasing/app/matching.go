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
		c.Halted, c.HaltReason = d.halts[p.id].halted(s.setting.GetUrn())
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

// match matches a need against the live supply of a DPS: every live setting
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
	considered := uint32(0)
	// One candidate value is refilled for each setting: matching allocates
	// only for eligible settings.
	c := domain.Candidate{Membership: domain.MemberAdmitted}
	for _, p := range d.admitted[cat] {
		c.ProviderID, c.ProviderName, c.AccreditationExpired = p.id, p.name(), p.accreditationExpired(today)
		// One map lookup per provider, and none while nothing is halted.
		var halt *matchHalt
		if len(d.halts) > 0 {
			halt = d.halts[p.id]
		}
		for _, s := range p.settingList {
			if s.removed {
				continue
			}
			considered++
			c.Setting, c.Location, c.FreePlaces, c.AvailableFrom = s.setting, s.loc, s.free(), s.from
			c.Halted, c.HaltReason = halt.halted(s.setting.GetUrn())
			if ok, miles := srch.Eligible(&c); ok {
				c.MedianPricePence = m.medians[priceKey{p.id, cat}]
				srch.Keep(&c, miles)
			}
		}
	}
	out := srch.Best()
	return out, considered
}

// Match is the matching CreateReferral runs, under the read lock (the
// benchmark measures it).
func (m *ReadModel) Match(dpsID string, need *purchasingv1.Need, now time.Time) ([]*purchasingv1.MatchedSetting, uint32) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.match(dpsID, need, now)
}

// DpsAndMatch reads, at one instant, what a referral's rules need of its DPS
// (terms, status, consortium) and the matches. A DPS's stream holds every
// application and membership change, thousands at national scale, so a
// referral reads the read model — caught up with the store by the caller —
// rather than folding that stream.
func (m *ReadModel) DpsAndMatch(dpsID string, need *purchasingv1.Need, now time.Time) (domain.DpsState, []*purchasingv1.MatchedSetting, uint32) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	d := m.dps[dpsID]
	if d == nil {
		return domain.InitialDps(), nil, 0
	}
	matches, considered := m.match(dpsID, need, now)
	return domain.DpsState{DpsID: d.id, Consortium: d.consortium, Terms: d.terms, Status: d.status}, matches, considered
}
