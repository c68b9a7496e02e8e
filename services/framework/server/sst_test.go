package server_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 18: the award starts the standstill; the framework is activated
// only after it, and everyone who reads the framework sees when it ends.
func TestStandstillHoldsActivationUntilItEnds(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	lead := h.lead()
	id := h.scored("sst-fw-000001")
	// Bidding closed on Monday 26 January 2026: the notice is that day's,
	// and its eighth working day is Wednesday 4 February.
	if got := h.Clock.Now().Format(time.DateOnly); got != "2026-01-26" {
		t.Fatalf("the harness closes bidding on %s; this test expects 2026-01-26", got)
	}
	award := func(reqID, notice string) error {
		_, err := lead.AwardFramework(ctx, &frameworkv1.AwardFrameworkRequest{RequestId: reqID, FrameworkId: id, Lots: standardAward(),
			Reason: "Every bidder met the quality threshold", NoticePublishedOn: notice})
		return err
	}
	// A malformed day, and a notice not yet published.
	servicetest.FieldViolations(t, award("sst-award-bad", "26/01/2026"))
	servicetest.WantRule(t, award("sst-award-future", "2026-01-27"), domain.RuleNoticeNotInFuture)
	if err := award("sst-award-0001", ""); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*caller{lead, h.council("352"), h.council("341"), h.provider(p1), h.auditor()} {
		fw := must(c.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)
		if fw.GetNoticePublishedOn() != "2026-01-26" || fw.GetStandstillEnds() != "2026-02-04" {
			t.Errorf("%s reads notice %q, standstill ends %q; want 2026-01-26 and 2026-02-04", c.Org, fw.GetNoticePublishedOn(), fw.GetStandstillEnds())
		}
	}
	var awardDecision *frameworkv1.Decision
	for _, d := range h.decisions(id) {
		if d.GetDecision() == "FrameworkAwarded" {
			awardDecision = d
		}
	}
	if !strings.Contains(awardDecision.GetSummary(), "standstill ends 2026-02-04") {
		t.Errorf("the decision log's award says %q", awardDecision.GetSummary())
	}

	activate := func(c *caller, reqID string) error {
		_, err := c.ActivateFramework(ctx, &frameworkv1.ActivateFrameworkRequest{RequestId: reqID, FrameworkId: id, Reason: "Contracts signed"})
		return err
	}
	// On the standstill's last day, to its last second: refused, naming the day.
	h.Clock.Set(time.Date(2026, 2, 4, 23, 59, 59, 0, time.UTC))
	err := activate(lead, "sst-activate-early")
	servicetest.WantRule(t, err, domain.RuleStandstill)
	if st := servicetest.WantCode(t, err, codes.FailedPrecondition); !strings.Contains(st.Message(), "Wednesday 4 February 2026") ||
		!strings.Contains(st.Message(), "from Thursday 5 February 2026") {
		t.Errorf("the refusal does not name the day the standstill ends: %s", st.Message())
	}
	// Neither another consortium's lead nor a council may activate it, in
	// or after the standstill; a malformed request is refused before anything.
	other := h.otherLead()
	servicetest.WantCode(t, activate(other, "sst-activate-other"), codes.PermissionDenied)
	servicetest.WantCode(t, activate(h.council("352"), "sst-activate-council"), codes.PermissionDenied)
	_, err = lead.ActivateFramework(ctx, &frameworkv1.ActivateFrameworkRequest{RequestId: "sst-activate-noreason", FrameworkId: id})
	servicetest.FieldViolations(t, err)

	// The next day it goes through.
	h.Clock.Set(time.Date(2026, 2, 5, 0, 0, 0, 0, time.UTC))
	servicetest.WantCode(t, activate(other, "sst-activate-other-2"), codes.PermissionDenied)
	if err := activate(lead, "sst-activate-0001"); err != nil {
		t.Fatal(err)
	}
	fw := must(lead.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)
	if fw.GetStatus() != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE || fw.GetStandstillEnds() != "2026-02-04" {
		t.Fatalf("after activation: %v, standstill ends %q", fw.GetStatus(), fw.GetStandstillEnds())
	}
}

// A notice published before the award was recorded (an award made outside
// the platform) starts the standstill on its own day.
func TestStandstillFromAnEarlierNotice(t *testing.T) {
	h := newHarness(t)
	id := h.scored("sst-fw-000002")
	must(h.lead().AwardFramework(h.Ctx, &frameworkv1.AwardFrameworkRequest{RequestId: "sst-award-0002", FrameworkId: id, Lots: standardAward(),
		Reason: "Awarded by the panel on 12 January", NoticePublishedOn: "2026-01-12"})).OK(t)
	fw := must(h.as("viewer.353", auth.CouncilOrg("353"), auth.CouncilViewer).GetFramework(h.Ctx,
		&frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)
	if fw.GetNoticePublishedOn() != "2026-01-12" || fw.GetStandstillEnds() != "2026-01-21" {
		t.Fatalf("notice %q, standstill ends %q; want 2026-01-12 and 2026-01-21", fw.GetNoticePublishedOn(), fw.GetStandstillEnds())
	}
	must(h.lead().ActivateFramework(h.Ctx, &frameworkv1.ActivateFrameworkRequest{RequestId: "sst-activate-0002", FrameworkId: id, Reason: "Contracts signed"})).OK(t)
}
