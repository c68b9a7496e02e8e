package app

import (
	"slices"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// Who sees what. A setting's returns and evidence: its provider, every
// council that places (or placed) there, the leads of the consortia the
// provider works with, and the platform. Anyone else is told it does not
// exist.

func council(p auth.Principal) string {
	if p.OrgKind() == "council" {
		return p.OrgID()
	}
	return ""
}

func provider(p auth.Principal) string {
	if p.OrgKind() == "provider" {
		return p.OrgID()
	}
	return ""
}

func lead(p auth.Principal) string {
	if p.OrgKind() == "consortium" {
		return p.OrgID()
	}
	return ""
}

func (m *ReadModel) placedAt(la, urn string) bool {
	s := m.settings[urn]
	if s == nil || la == "" {
		return false
	}
	for _, pl := range s.evidence.Placements {
		if pl.Council == la {
			return true
		}
	}
	return false
}

func (m *ReadModel) canSeeSetting(p auth.Principal, s *settingRM) bool {
	switch p.OrgKind() {
	case auth.OrgPlatform:
		return true
	case "provider":
		return s.providerID != "" && s.providerID == p.OrgID()
	case "consortium":
		return m.providerConsortia[s.providerID][p.OrgID()]
	case "council":
		return m.placedAt(p.OrgID(), s.urn)
	}
	return false
}

func (m *ReadModel) visibleSetting(p auth.Principal, urn string) (*settingRM, error) {
	s := m.settings[urn]
	if s == nil || !m.canSeeSetting(p, s) {
		return nil, domainerr.Missing("setting", "there is no setting %s that you may see", urn)
	}
	return s, nil
}

func (m *ReadModel) canSeeContract(p auth.Principal, c *contractRM) bool {
	switch p.OrgKind() {
	case auth.OrgPlatform:
		return true
	case "provider":
		return c.provider.String() == p.OrgID()
	case "consortium":
		return c.consortium.String() == p.OrgID()
	case "council":
		return c.council.String() == p.OrgID() || slices.Contains(m.callsOff(c), p.OrgID())
	}
	return false
}

// callsOff are the councils that may call off a framework contract: the
// framework's members now, so a council removed from it no longer reads its
// prices and one added does (those at the award if monitoring never saw the
// framework drafted). A placement has none.
func (m *ReadModel) callsOff(c *contractRM) []string {
	if f := m.frameworks[c.framework.String()]; f != nil && c.kind == monitoringv1.ContractKind_CONTRACT_KIND_FRAMEWORK {
		return f.members
	}
	return c.members
}

// consortiumFor resolves the consortium a query is about: a lead's own
// (and no other), or the one named by the platform or a member council.
func (m *ReadModel) consortiumFor(p auth.Principal, slug string) (*consortiumRM, error) {
	if own := lead(p); own != "" {
		if slug == "" {
			slug = own
		}
		if slug != own {
			return nil, domainerr.Missing("consortium", "there is no consortium %q that you may see", slug)
		}
	}
	if la := council(p); slug == "" && la != "" {
		// A council in one consortium need not name it.
		for s, c := range m.consortia {
			if c.members[la] {
				if slug != "" {
					return nil, domainerr.Field("consortium", "council %s belongs to more than one consortium: name one", la)
				}
				slug = s
			}
		}
	}
	if slug == "" {
		return nil, domainerr.Field("consortium", "name the consortium")
	}
	c := m.consortia[slug]
	if c == nil {
		return nil, domainerr.Missing("consortium", "there is no consortium %q that you may see", slug)
	}
	switch p.OrgKind() {
	case auth.OrgPlatform, "consortium":
		return c, nil
	case "council":
		if c.members[p.OrgID()] {
			return c, nil
		}
	}
	return nil, domainerr.Missing("consortium", "there is no consortium %q that you may see", slug)
}

// Read views: what a viewer who may see a thing reads of it, one function per
// message type. A field the viewer may not have is left zero.

// viewContractFor is a contract as p reads it (p may see it): its terms and
// weekly price for every party to it (the placing council, the lead, the
// provider, the platform, and for a framework contract the councils that
// may call it off); the outcome scores, which are about a child, only for
// the placing council, its consortium's lead and the platform.
func (m *ReadModel) viewContractFor(p auth.Principal, c *contractRM) *monitoringv1.Contract {
	consortium, la, provider := c.consortium.String(), c.council.String(), c.provider.String()
	v := &monitoringv1.Contract{
		ContractId: c.id, Kind: c.kind, Status: monitoringv1.ContractStatus_CONTRACT_STATUS_LIVE,
		Consortium: consortium, Council: la, ProviderId: provider, ProviderName: m.providerNames[provider],
		SettingUrn: c.setting.String(), StartDate: c.start.String(), ExpectedEndDate: c.expectedEnd.String(), WeeklyPricePence: c.price,
		PlacementId: c.placementID, FrameworkId: c.framework.String(), LotId: c.lot.String(), CategoryId: c.category.String(),
		MemberCouncils: slices.Clone(m.callsOff(c)), Version: c.version, Source: c.source.String(),
	}
	if c.ended {
		v.Status, v.EndDate, v.EndReasonCode = monitoringv1.ContractStatus_CONTRACT_STATUS_ENDED, c.end.String(), c.endCode.String()
	}
	placing := council(p) != "" && council(p) == la
	if p.OrgKind() == auth.OrgPlatform || placing || lead(p) != "" && lead(p) == consortium {
		for _, o := range c.outcomes {
			v.Outcomes = append(v.Outcomes, o.view())
		}
	}
	return v
}
