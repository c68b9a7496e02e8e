package app

import (
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
		return c.c.GetProviderId() == p.OrgID()
	case "consortium":
		return c.c.GetConsortium() == p.OrgID()
	case "council":
		if c.c.GetCouncil() == p.OrgID() {
			return true
		}
		for _, la := range c.c.GetMemberCouncils() {
			if la == p.OrgID() {
				return true
			}
		}
	}
	return false
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
