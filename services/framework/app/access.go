package app

import (
	"slices"
	"strings"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// Who sees what, beyond the policy table's roles: the table says which roles
// may call a query; these say which frameworks' data each caller may read.

// platformWide reports the platform's own people, who see every framework.
func platformWide(p auth.Principal) bool { return p.OrgKind() == "platform" }

// runs reports whether p belongs to the consortium that runs fw.
func runs(p auth.Principal, fw *frameworkv1.Framework) bool {
	return p.OrgKind() == "consortium" && p.OrgID() == fw.GetConsortium()
}

// member reports whether p is a council among fw's members.
func member(p auth.Principal, fw *frameworkv1.Framework) bool {
	return p.OrgKind() == "council" && slices.Contains(fw.GetMemberCouncils(), p.OrgID())
}

// canSeeFramework: a framework is a published notice once it opens for bids;
// a draft is visible to its consortium, its member councils and the platform.
func canSeeFramework(p auth.Principal, fw *frameworkv1.Framework) bool {
	if fw.GetStatus() != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_DRAFT {
		return true
	}
	return platformWide(p) || runs(p, fw) || member(p, fw)
}

// canSeeState is canSeeFramework on the aggregate a command loaded: a
// command on a framework the caller may not see is told it does not exist,
// before its version or its rules are looked at. A framework not yet drafted
// is for the command's own rules to refuse or create.
func canSeeState(p auth.Principal, st domain.State) bool {
	if !st.Exists() || st.Status != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_DRAFT {
		return true
	}
	return platformWide(p) || (p.OrgKind() == "consortium" && p.OrgID() == st.Consortium) ||
		(p.OrgKind() == "council" && slices.Contains(st.MemberCouncils, p.OrgID()))
}

// seesCommercials: the running consortium, its member councils and the
// platform see every provider's price, score, rank and suspension on a
// framework.
func seesCommercials(p auth.Principal, fw *frameworkv1.Framework) bool {
	return platformWide(p) || runs(p, fw) || member(p, fw)
}

// viewFor is the framework as p may read it. Anyone who may see it reads the
// public facts: the framework, its lots and terms, who was admitted, its
// status. A provider also reads its own admissions in full (rank, score,
// price, suspension and its reason); only the running consortium, member
// councils and the platform read everyone's, and the call-offs. fw is a
// snapshot the caller owns: it is changed in place.
func viewFor(p auth.Principal, fw *frameworkv1.Framework) *frameworkv1.Framework {
	if seesCommercials(p, fw) {
		return fw
	}
	// Call-offs are the councils' placements: for the consortium, its
	// members and the platform, not for providers or other councils.
	fw.CallOffs = nil
	own := ""
	if p.OrgKind() == "provider" {
		own = p.OrgID()
	}
	for _, l := range fw.GetLots() {
		l.BidCount = 0
		for _, lp := range l.GetProviders() {
			if lp.GetProviderId() == own {
				continue
			}
			lp.Rank, lp.TotalScore, lp.WeeklyPricePence, lp.SuspensionReason = 0, 0, 0, ""
			lp.Status = frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_UNSPECIFIED
		}
		// Listed by id, not by rank: the order would tell the ranks.
		slices.SortFunc(l.Providers, func(a, b *frameworkv1.LotProvider) int {
			return strings.Compare(a.GetProviderId(), b.GetProviderId())
		})
	}
	return fw
}

// canSeeGovernance: the decision log and price uplifts are for the consortium,
// its member councils and the platform's auditors.
func canSeeGovernance(p auth.Principal, fw *frameworkv1.Framework) bool {
	return platformWide(p) || runs(p, fw) || member(p, fw)
}

// canSeeBid: a provider sees only its own bids; the running consortium, its
// member councils and the platform see all of them.
func canSeeBid(p auth.Principal, fw *frameworkv1.Framework, b *frameworkv1.Bid) bool {
	if p.OrgKind() == "provider" {
		return b.GetProviderId() == p.OrgID()
	}
	return platformWide(p) || runs(p, fw) || member(p, fw)
}
