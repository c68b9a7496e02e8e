package app

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// agrCanSee: the two parties (the placing council, the awarded
// provider), the consortium the placement was made through, and the
// platform. Anyone else is told it does not exist.
func agrCanSee(p auth.Principal, st domain.AgreementState) bool {
	switch {
	case platformWide(p):
		return true
	case council(p) != "":
		return council(p) == st.Council()
	case provider(p) != "":
		return provider(p) == st.Provider()
	case consortium(p) != "":
		return consortium(p) == st.Consortium()
	}
	return false
}

// agrView is an agreement as everyone who may see it reads it: its
// terms are what both parties accept, so each reads all of them, with who
// accepted each version and when.
func agrView(r *agrRM) *purchasingv1.AgreementView {
	st := r.state
	v := &purchasingv1.AgreementView{
		AgreementId: st.AgreementID, VersionInForce: st.InForce, VersionAwaiting: st.Awaiting(),
		PlacementEndedOn: st.EndedOn, StreamVersion: r.version,
	}
	switch {
	case st.InForce == 0:
		v.Status = purchasingv1.AgreementStatus_AGREEMENT_STATUS_AWAITING_ACCEPTANCE
	case st.Awaiting() != 0:
		v.Status = purchasingv1.AgreementStatus_AGREEMENT_STATUS_VARIATION_PROPOSED
	default:
		v.Status = purchasingv1.AgreementStatus_AGREEMENT_STATUS_IN_FORCE
	}
	for _, ver := range st.Versions {
		vv := &purchasingv1.AgreementVersionView{
			Terms: clone(ver.Terms), Digest: ver.Digest, Locked: ver.Locked, DrawnAt: timestamppb.New(ver.DrawnAt),
			ProposedBy: ver.ProposedBy, ProposedBySubject: ver.Proposer,
		}
		for _, party := range []purchasingv1.AgreementParty{purchasingv1.AgreementParty_AGREEMENT_PARTY_COUNCIL, purchasingv1.AgreementParty_AGREEMENT_PARTY_PROVIDER} {
			if a := ver.Accepted[party]; a != nil {
				vv.Acceptances = append(vv.Acceptances, clone(a))
			}
		}
		v.Versions = append(v.Versions, vv)
	}
	if cur := st.Current(); cur != nil {
		v.CostSchedule = domain.CostSchedule(cur.Terms, st.EndedOn)
	}
	return v
}
