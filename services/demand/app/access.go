package app

import (
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// reader says whose figures a caller may pull for a consortium: the
// consortium's own people and the platform see aggregates only (viewer ""),
// a member council sees aggregates plus its own figures in full (viewer =
// its LA code), providers see what is published to the market (the market
// position statement). Anyone else is told the consortium does not exist.
func (m *ReadModel) reader(p auth.Principal, slug string, providersToo bool) (*consortiumRM, string, error) {
	c := m.consortia[slug]
	if c == nil {
		return nil, "", domainerr.Missing("consortium", "there is no consortium %q with a DPS that you may see", slug)
	}
	switch p.OrgKind() {
	case auth.OrgPlatform:
		return c, "", nil
	case "consortium":
		if p.OrgID() == slug {
			return c, "", nil
		}
	case "council":
		if c.members[p.OrgID()] {
			return c, p.OrgID(), nil
		}
	case "provider":
		if providersToo {
			return c, "", nil
		}
	}
	return nil, "", domainerr.Missing("consortium", "there is no consortium %q with a DPS that you may see", slug)
}
