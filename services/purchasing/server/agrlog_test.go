package server_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Placement agreements' and block contracts' decisions in GetDecisionLog
// over real gRPC: who accepted which version when, for the parties, their
// consortium and the platform; NOT_FOUND to anyone else.

// agrlogFind returns the decisions of one kind in a log.
func agrlogFind(log []*purchasingv1.Decision, kind string) []*purchasingv1.Decision {
	var out []*purchasingv1.Decision
	for _, d := range log {
		if d.GetDecision() == kind {
			out = append(out, d)
		}
	}
	return out
}

func TestAgrlogAgreementDecisionsInTheLog(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	_, v := h.agrAward()
	id := v.GetAgreementId()
	refID := v.GetVersions()[0].GetTerms().GetReferralId()
	must(h.agrCouncil("352").AcceptAgreement(ctx, agrAccept(id, v, "accept-352-v1"))).OK(t)
	res := must(h.agrAdmin(provA).AcceptAgreement(ctx, agrAccept(id, v, "accept-provider-v1"))).OK(t)

	// The council and the provider (the parties), the lead and the auditor
	// read the agreement's log: drawn, accepted by each person, locked.
	for _, c := range []*caller{h.council("352"), h.admin(provA), h.lead(), h.auditor()} {
		log := must(c.GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: id, MinPosition: res.GetPosition()})).OK(t).GetDecisions()
		drawn, accepted, locked := agrlogFind(log, "AgreementDrawn"), agrlogFind(log, "AgreementAccepted"), agrlogFind(log, "AgreementLocked")
		if len(drawn) != 1 || len(accepted) != 2 || len(locked) != 1 || len(log) != 4 {
			t.Fatalf("%s reads %d decisions: %v", c.Subject, len(log), log)
		}
		if s := drawn[0].GetSummary(); !strings.Contains(s, "Northern Lights") || !strings.Contains(s, "Fallowfield House") || !strings.Contains(s, "£4,500.00 a week") {
			t.Errorf("drawn: %q", s)
		}
		for i, want := range []struct{ subject, role, party string }{
			{"commissioner.352", auth.CouncilCommissioner, "the council"},
			{"admin." + provA, auth.ProviderAdmin, "the provider"},
		} {
			a := accepted[i]
			if a.GetActor().GetSubject() != want.subject || a.GetActor().GetRole() != want.role || a.GetOccurredAt() == nil ||
				!strings.Contains(a.GetSummary(), want.subject) || !strings.Contains(a.GetSummary(), "accepted version 1") ||
				!strings.Contains(a.GetSummary(), want.party) {
				t.Errorf("acceptance %d read by %s: actor %v, %q", i, c.Subject, a.GetActor(), a.GetSummary())
			}
		}
		// Nothing about the child reaches the log.
		for _, d := range log {
			for _, word := range []string{"M14", "Nearest to school", "south Manchester", "missing_from_care"} {
				if strings.Contains(d.GetSummary()+d.GetReason(), word) {
					t.Errorf("%s carries %q", d.GetDecision(), word)
				}
			}
		}
	}

	// The referral's log goes on, after the award, with the agreement.
	log := must(h.council("352").GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: refID, MinPosition: res.GetPosition()})).OK(t).GetDecisions()
	var kinds []string
	for _, d := range log {
		kinds = append(kinds, d.GetDecision())
	}
	if got := strings.Join(kinds, ","); !strings.Contains(got, "PlacementAwarded,AgreementDrawn,AgreementAccepted,AgreementAccepted,AgreementLocked") {
		t.Errorf("the referral's log reads %s", got)
	}

	// Another council, another provider, another consortium: no such log.
	for _, c := range []*caller{h.council("353"), h.admin(provB), h.otherLead()} {
		_, err := c.GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: id})
		servicetest.WantCode(t, err, codes.NotFound)
	}
	// The provider reads its agreement's log, not the referral's.
	_, err := h.admin(provA).GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: refID})
	servicetest.WantCode(t, err, codes.NotFound)
	// Analysts work on aggregates only.
	_, err = h.as("analyst.352", auth.CouncilOrg("352"), auth.CouncilAnalyst).GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: id})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	for _, bad := range []string{"AGR 1", "agr-", "pl-1"} {
		_, err = h.council("352").GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: bad})
		servicetest.WantCode(t, err, codes.InvalidArgument)
	}
	_, err = h.council("352").GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: "agr-nosuchone"})
	servicetest.WantCode(t, err, codes.NotFound)
}

func TestAgrlogBlockContractDecisionsInTheLog(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	h.market()
	mine := blkRequest("blk-352-ribble-0001", provB, ribbleView, 2, blkBlock)
	mine.Consortium = consortium
	own := must(h.blkAs(h.council("352")).ReserveCapacity(ctx, mine)).OK(t)
	must(h.blkAs(h.admin(provB)).AcceptBlockContract(ctx, &purchasingv1.DecideBlockContractRequest{RequestId: "accept-b-0001", ContractId: own.GetId(),
		Reason: "Both homes have room"})).OK(t)
	ended := must(h.blkAs(h.council("352")).EndBlockContract(ctx, &purchasingv1.EndBlockContractRequest{RequestId: "end-352-0001", ContractId: own.GetId(),
		EndsOn: "2027-06-30", Reason: "Fewer referrals to Blackburn than planned"})).OK(t)

	// The buyer, the provider, the lead and the auditor read who reserved, accepted and ended it, and why.
	for _, c := range []*caller{h.council("352"), h.admin(provB), h.lead(), h.auditor()} {
		log := must(c.GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: own.GetId(), MinPosition: ended.GetPosition()})).OK(t).GetDecisions()
		if len(log) != 3 {
			t.Fatalf("%s reads %v", c.Subject, log)
		}
		r, a, e := log[0], log[1], log[2]
		if r.GetDecision() != "BlockContractReserved" || r.GetActor().GetSubject() != "commissioner.352" || r.GetReason() != mine.GetNote() ||
			!strings.Contains(r.GetSummary(), "reserved 2 places") || !strings.Contains(r.GetSummary(), "£3,500.00 a week") || r.GetProviderId() != provB {
			t.Errorf("reserved, read by %s: %v", c.Subject, r)
		}
		if a.GetDecision() != "BlockContractAccepted" || a.GetActor().GetSubject() != "admin."+provB || a.GetActor().GetRole() != auth.ProviderAdmin ||
			a.GetReason() != "Both homes have room" {
			t.Errorf("accepted, read by %s: %v", c.Subject, a)
		}
		if e.GetDecision() != "BlockContractEnded" || e.GetReason() != "Fewer referrals to Blackburn than planned" || !strings.Contains(e.GetSummary(), "2027-06-30") {
			t.Errorf("ended, read by %s: %v", c.Subject, e)
		}
	}
	for _, c := range []*caller{h.council("353"), h.admin(provE), h.otherLead()} {
		_, err := c.GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: own.GetId()})
		servicetest.WantCode(t, err, codes.NotFound)
	}
	_, err := h.as("analyst.352", auth.CouncilOrg("352"), auth.CouncilAnalyst).GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: own.GetId()})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.council("352").GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: "blk-Not valid"})
	servicetest.WantCode(t, err, codes.InvalidArgument)
}
