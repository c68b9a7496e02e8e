package server_test

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 12: a lead cannot decide an application without reading the
// provider's answers to the selection criteria. ListApplications gives them
// to the consortium running the DPS and to the applicant itself; another
// provider does not read the application at all, and the platform reads the
// application and its decision without the answers. They are the
// ApplicationReceived event's, so a restarted service answers the same.
func TestApplicationAnswersGoToTheLeadAndTheApplicantOnly(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market() // C's application to residential waits
	pos := h.LastPosition()

	list := func(c *caller) []*purchasingv1.Application {
		t.Helper()
		return must(c.ListApplications(ctx, &purchasingv1.ListApplicationsRequest{DpsId: dpsID, MinPosition: pos})).OK(t).GetApplications()
	}
	of := func(apps []*purchasingv1.Application, provider string) *purchasingv1.Application {
		for _, a := range apps {
			if a.GetProviderId() == provider {
				return a
			}
		}
		return nil
	}
	sameAnswers := func(who string, got []*purchasingv1.CriterionAnswer) {
		t.Helper()
		if len(got) != len(criterionAnswers) {
			t.Fatalf("%s reads %d answers on C's application, want %d", who, len(got), len(criterionAnswers))
		}
		for i, a := range got {
			if !proto.Equal(a, criterionAnswers[i]) {
				t.Errorf("%s reads answer %d as %v, want %v", who, i, a, criterionAnswers[i])
			}
		}
	}

	check := func() {
		t.Helper()
		// The lead reads every applicant's answers.
		lead := list(h.lead())
		sameAnswers("the lead", of(lead, provC).GetAnswers())
		for _, a := range lead {
			if len(a.GetAnswers()) != len(criterionAnswers) {
				t.Errorf("the lead reads %d answers on %s's application, want %d", len(a.GetAnswers()), a.GetProviderId(), len(criterionAnswers))
			}
		}
		// C reads its own.
		own := list(h.admin(provC))
		if len(own) != 1 {
			t.Fatalf("C lists %d applications, want its own one", len(own))
		}
		sameAnswers("C", own[0].GetAnswers())
		// B reads its own application, nothing of C's.
		for _, a := range list(h.admin(provB)) {
			if a.GetProviderId() != provB {
				t.Errorf("B reads %s's application with %d answers", a.GetProviderId(), len(a.GetAnswers()))
			}
		}
		// The platform reads C's application and no answers.
		if a := of(list(h.auditor()), provC); a == nil || len(a.GetAnswers()) != 0 {
			t.Errorf("the auditor reads C's application %v; want it without answers", a)
		}
		// Another consortium's lead reads nothing of this DPS.
		_, err := h.otherLead().ListApplications(ctx, &purchasingv1.ListApplicationsRequest{DpsId: dpsID, MinPosition: pos})
		servicetest.WantCode(t, err, codes.NotFound)
	}
	check()
	h.restart()
	check()
}
