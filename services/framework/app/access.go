package app

import (
	"slices"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
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

// canSeeGovernance: the decision log and price uplifts are for the consortium,
// its member councils and the platform's auditors.
func canSeeGovernance(p auth.Principal, fw *frameworkv1.Framework) bool {
	return platformWide(p) || runs(p, fw) || member(p, fw)
}

// canSeeBid: a provider sees only its own bids; the running consortium and
// the platform see all of them.
func canSeeBid(p auth.Principal, fw *frameworkv1.Framework, b *frameworkv1.Bid) bool {
	if p.OrgKind() == "provider" {
		return b.GetProviderId() == p.OrgID()
	}
	return platformWide(p) || runs(p, fw)
}
