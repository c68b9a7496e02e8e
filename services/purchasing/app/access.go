package app

import (
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// Who sees what, beyond the policy table's roles: the table says which roles
// may call a query; these say whose data each caller may read. What a caller
// may not see is reported as not found, so ids do not leak.

func platformWide(p auth.Principal) bool { return p.OrgKind() == auth.OrgPlatform }

// provider is the caller's provider id ("" when the caller is no provider).
func provider(p auth.Principal) string {
	if p.OrgKind() == "provider" {
		return p.OrgID()
	}
	return ""
}

func council(p auth.Principal) string {
	if p.OrgKind() == "council" {
		return p.OrgID()
	}
	return ""
}

func consortium(p auth.Principal) string {
	if p.OrgKind() == "consortium" {
		return p.OrgID()
	}
	return ""
}

// buyer: councils, consortia and the platform read provider profiles and
// supply; a provider reads only its own.
func canSeeProvider(p auth.Principal, providerID string) bool {
	if id := provider(p); id != "" {
		return id == providerID
	}
	return true
}

// runsDps: the consortium that runs the DPS, or the platform.
func runsDps(p auth.Principal, d *dpsRM) bool {
	return platformWide(p) || consortium(p) == d.consortium
}

// canSeeReferral: the referring council, the consortium running the DPS, the
// platform, and the providers it was sent to.
func canSeeReferral(p auth.Principal, r *referralRM) bool {
	return seesReferral(p, r.created, r.providers)
}

// canSeeReferralState is canSeeReferral on the aggregate a command loaded.
func canSeeReferralState(p auth.Principal, st domain.ReferralState) bool {
	return seesReferral(p, st.Created, st.Providers)
}

func seesReferral(p auth.Principal, created *purchasingv1.ReferralCreated, sentTo map[string]bool) bool {
	switch {
	case platformWide(p):
		return true
	case council(p) != "":
		return council(p) == created.GetCouncil()
	case consortium(p) != "":
		return consortium(p) == created.GetConsortium()
	case provider(p) != "":
		return sentTo[provider(p)]
	}
	return false
}

func notFound(what, id string) error {
	return domainerr.Missing(what, "there is no %s %s that you may see", what, id)
}
