package server_test

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/calendar"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Only a consortium lead creates a DPS, and only its own consortium's lead
// decides on it.
func TestDpsIsRunByItsConsortiumLead(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	// No token, no service.
	_, err := purchasingv1.NewPurchasingServiceClient(h.Dial(h.svc.Addr.String(), "")).ListDps(ctx, &purchasingv1.ListDpsRequest{})
	servicetest.WantCode(t, err, codes.Unauthenticated)
	// Analysts read aggregates (the demand service), never a child's referral.
	_, err = h.as("analyst.352", auth.CouncilOrg("352"), auth.CouncilAnalyst).ListReferrals(ctx, &purchasingv1.ListReferralsRequest{})
	servicetest.WantCode(t, err, codes.PermissionDenied)

	_, err = h.council("352").CreateDps(ctx, &purchasingv1.CreateDpsRequest{RequestId: "council-dps-1", Terms: dpsTerms()})
	servicetest.WantCode(t, err, codes.PermissionDenied)

	created := must(h.lead().CreateDps(ctx, &purchasingv1.CreateDpsRequest{RequestId: "dps-north-west-2026", Terms: dpsTerms()})).OK(t)
	d := must(h.auditor().GetDps(ctx, &purchasingv1.GetDpsRequest{DpsId: created.GetId(), MinPosition: created.GetPosition()})).OK(t)
	if d.GetStatus() != purchasingv1.DpsStatus_DPS_STATUS_DRAFT || d.GetConsortium() != consortium || d.GetTerms().GetTitle() != "North West children's placements DPS" {
		t.Fatalf("new DPS = %s, %s, %q; want a draft of %s", d.GetStatus(), d.GetConsortium(), d.GetTerms().GetTitle(), consortium)
	}
	// A retried create lands on the same DPS.
	if again := must(h.lead().CreateDps(ctx, &purchasingv1.CreateDpsRequest{RequestId: "dps-north-west-2026", Terms: dpsTerms()})).OK(t); again.GetId() != created.GetId() {
		t.Errorf("retried CreateDps made %s, want %s", again.GetId(), created.GetId())
	}
	_, err = h.otherLead().OpenDps(ctx, &purchasingv1.OpenDpsRequest{RequestId: "open-by-other", DpsId: created.GetId()})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	opened := must(h.lead().OpenDps(ctx, &purchasingv1.OpenDpsRequest{RequestId: "open-dps-1", DpsId: created.GetId()})).OK(t)
	list := must(h.council("352").ListDps(ctx, &purchasingv1.ListDpsRequest{Consortium: consortium, MinPosition: opened.GetPosition()})).OK(t)
	if len(list.GetDps()) != 1 || list.GetDps()[0].GetStatus() != purchasingv1.DpsStatus_DPS_STATUS_OPEN {
		t.Fatalf("ListDps = %v, want the one open DPS", list.GetDps())
	}

	h.register(provA)
	h.apply(created.GetId(), provA, "residential")
	_, err = h.otherLead().AdmitProvider(ctx, admission(created.GetId(), provA, "residential"))
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.admin(provA).AdmitProvider(ctx, admission(created.GetId(), provA, "residential"))
	servicetest.WantCode(t, err, codes.PermissionDenied)
	admitted := h.admit(created.GetId(), provA, "residential")
	// Everyone sees the admitted provider on the published DPS.
	d = must(h.council("353").GetDps(ctx, &purchasingv1.GetDpsRequest{DpsId: created.GetId(), MinPosition: admitted.GetPosition()})).OK(t)
	if len(d.GetMemberships()) != 1 || d.GetMemberships()[0].GetProviderId() != provA ||
		d.GetMemberships()[0].GetStatus() != purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_ADMITTED || d.GetMemberships()[0].GetProviderName() != "Northern Lights" {
		t.Errorf("memberships = %v, want Northern Lights admitted", d.GetMemberships())
	}
}

// Each application is decided within 10 working days of receipt, counted
// over England and Wales bank holidays; the deadline shows, and an
// undecided application past it is flagged overdue until it is decided.
// Every decision is in the log with who, when and why.
func TestApplicationDeadlinesAndDecisionLog(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	lead := h.lead()
	dpsID := h.createDps("dps-north-west-2026")
	h.register(provA)
	h.register(provB)

	// Received on Thursday 17 December 2026: Christmas Day (Fri 25),
	// Boxing Day's substitute (Mon 28) and New Year's Day (Fri 1 January)
	// do not count, so the tenth working day is Tuesday 5 January 2027.
	received := time.Date(2026, time.December, 17, 10, 30, 0, 0, time.UTC)
	h.Clock.Set(received)
	applied := h.apply(dpsID, provB, "residential", "fostering-standard")
	const due = "2027-01-05"
	if d, err := calendar.AddWorkingDays(received, 10); err != nil || d.Format("2006-01-02") != due {
		t.Fatalf("calendar.AddWorkingDays(17 Dec 2026, 10) = %v, %v; the test expects %s", d, err, due)
	}
	apps := must(lead.ListApplications(ctx, &purchasingv1.ListApplicationsRequest{DpsId: dpsID, MinPosition: applied.GetPosition()})).OK(t).GetApplications()
	if len(apps) != 2 {
		t.Fatalf("ListApplications has %d applications, want 2 (one per category)", len(apps))
	}
	for _, a := range apps {
		if a.GetProviderId() != provB || a.GetReceivedOn() != "2026-12-17" || a.GetDecisionDueOn() != due || a.GetOverdue() || a.GetWorkingDaysLeft() != 10 ||
			a.GetStatus() != purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_APPLIED {
			t.Errorf("application %s/%s: received %s, due %s, overdue %v, %d working days left, %s; want received 2026-12-17, due %s, not overdue, 10 left, applied",
				a.GetProviderId(), a.GetCategoryId(), a.GetReceivedOn(), a.GetDecisionDueOn(), a.GetOverdue(), a.GetWorkingDaysLeft(), a.GetStatus(), due)
		}
	}
	if over := must(lead.ListApplications(ctx, &purchasingv1.ListApplicationsRequest{DpsId: dpsID, OverdueOnly: true, MinPosition: applied.GetPosition()})).OK(t); len(over.GetApplications()) != 0 {
		t.Errorf("overdue on the day of receipt: %v", over.GetApplications())
	}
	// The provider sees its own application's deadline too.
	if own := must(h.admin(provB).ListApplications(ctx, &purchasingv1.ListApplicationsRequest{DpsId: dpsID, MinPosition: applied.GetPosition()})).OK(t); len(own.GetApplications()) != 2 {
		t.Errorf("the applicant sees %d of its applications, want 2", len(own.GetApplications()))
	}

	// Thursday 7 January 2027: two working days past the deadline.
	decidedAt := time.Date(2027, time.January, 7, 9, 15, 0, 0, time.UTC)
	h.Clock.Set(decidedAt)
	over := must(lead.ListApplications(ctx, &purchasingv1.ListApplicationsRequest{DpsId: dpsID, OverdueOnly: true, MinPosition: applied.GetPosition()})).OK(t).GetApplications()
	if len(over) != 2 {
		t.Fatalf("overdue applications: %d, want 2", len(over))
	}
	for _, a := range over {
		if !a.GetOverdue() || a.GetWorkingDaysLeft() != -2 {
			t.Errorf("overdue application %s: overdue %v, %d working days left; want overdue, -2", a.GetCategoryId(), a.GetOverdue(), a.GetWorkingDaysLeft())
		}
	}

	// Deciding removes an application from the overdue list.
	admitted := must(lead.AdmitProvider(ctx, &purchasingv1.DecideApplicationRequest{RequestId: "admit-b-residential", DpsId: dpsID, ProviderId: provB,
		CategoryId: "residential", Reason: "Meets every selection criterion; both homes rated Good or better"})).OK(t)
	over = must(lead.ListApplications(ctx, &purchasingv1.ListApplicationsRequest{DpsId: dpsID, OverdueOnly: true, MinPosition: admitted.GetPosition()})).OK(t).GetApplications()
	if len(over) != 1 || over[0].GetCategoryId() != "fostering-standard" {
		t.Fatalf("after admission the overdue list is %v, want only fostering-standard", over)
	}
	h.Clock.Advance(20 * time.Minute)
	rejectedAt := h.Clock.Now()
	const rejectReason = "No fostering agency registration: the provider runs children's homes only"
	rejected := must(lead.RejectApplication(ctx, &purchasingv1.DecideApplicationRequest{RequestId: "reject-b-fostering", DpsId: dpsID, ProviderId: provB,
		CategoryId: "fostering-standard", Reason: rejectReason})).OK(t)
	if over := must(lead.ListApplications(ctx, &purchasingv1.ListApplicationsRequest{DpsId: dpsID, OverdueOnly: true, MinPosition: rejected.GetPosition()})).OK(t); len(over.GetApplications()) != 0 {
		t.Errorf("after both decisions the overdue list is %v", over.GetApplications())
	}
	for _, a := range must(lead.ListApplications(ctx, &purchasingv1.ListApplicationsRequest{DpsId: dpsID, MinPosition: rejected.GetPosition()})).OK(t).GetApplications() {
		if a.GetDecidedOn() != "2027-01-07" || a.GetDecidedBy() != lead.Subject || a.GetOverdue() || a.GetWorkingDaysLeft() != 0 || a.GetReason() == "" {
			t.Errorf("decided application %s: decided %s by %s, overdue %v, %d left, reason %q", a.GetCategoryId(), a.GetDecidedOn(), a.GetDecidedBy(), a.GetOverdue(), a.GetWorkingDaysLeft(), a.GetReason())
		}
	}

	// A is admitted, then suspended; B is removed.
	h.apply(dpsID, provA, "residential")
	h.admit(dpsID, provA, "residential")
	h.Clock.Advance(time.Hour)
	suspendedAt := h.Clock.Now()
	const suspendReason = "Inadequate Ofsted judgement at Fallowfield House; suspended pending re-inspection"
	must(lead.SuspendProvider(ctx, &purchasingv1.ProviderMembershipRequest{RequestId: "suspend-a", DpsId: dpsID, ProviderId: provA, Reason: suspendReason})).OK(t)
	h.Clock.Advance(24 * time.Hour)
	removedAt := h.Clock.Now()
	const removeReason = "Excluded supplier: professional misconduct found by the consortium board"
	removed := must(lead.RemoveProvider(ctx, &purchasingv1.ProviderMembershipRequest{RequestId: "remove-b", DpsId: dpsID, ProviderId: provB, Reason: removeReason})).OK(t)

	d := must(lead.GetDps(ctx, &purchasingv1.GetDpsRequest{DpsId: dpsID, MinPosition: removed.GetPosition()})).OK(t)
	status := map[string]purchasingv1.MembershipStatus{}
	for _, m := range d.GetMemberships() {
		status[m.GetProviderId()+"/"+m.GetCategoryId()] = m.GetStatus()
	}
	want := map[string]purchasingv1.MembershipStatus{
		provA + "/residential":        purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_SUSPENDED,
		provB + "/residential":        purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_REMOVED,
		provB + "/fostering-standard": purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_REJECTED,
	}
	for k, v := range want {
		if status[k] != v {
			t.Errorf("membership %s is %s, want %s", k, status[k], v)
		}
	}

	// The decision log, as the platform's auditor reads it.
	log := must(h.auditor().GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: dpsID, MinPosition: removed.GetPosition()})).OK(t).GetDecisions()
	type entry struct {
		decision, provider, reason string
		at                         time.Time
	}
	wantLog := []entry{
		{"ProviderAdmitted", provB, "Meets every selection criterion; both homes rated Good or better", decidedAt},
		{"ApplicationRejected", provB, rejectReason, rejectedAt},
		{"ProviderSuspended", provA, suspendReason, suspendedAt},
		{"ProviderRemoved", provB, removeReason, removedAt},
	}
	i := 0
	for _, e := range log {
		if i == len(wantLog) || e.GetDecision() != wantLog[i].decision || e.GetProviderId() != wantLog[i].provider {
			continue
		}
		w := wantLog[i]
		if e.GetReason() != w.reason || !e.GetOccurredAt().AsTime().Equal(w.at) || e.GetActor().GetSubject() != lead.Subject ||
			e.GetActor().GetOrganisation() != lead.Org || e.GetActor().GetRole() != lead.Role || e.GetSummary() == "" {
			t.Errorf("%s of %s logged as: reason %q at %v by %v; want %q at %v by %s", w.decision, w.provider,
				e.GetReason(), e.GetOccurredAt().AsTime(), e.GetActor(), w.reason, w.at, lead.Subject)
		}
		i++
	}
	if i != len(wantLog) {
		t.Errorf("the decision log lacks %s of %s (in order); it has %d entries", wantLog[i].decision, wantLog[i].provider, len(log))
	}
	// The first entries tell how the DPS began.
	if len(log) < 2 || log[0].GetDecision() != "DpsCreated" || log[1].GetDecision() != "DpsOpened" {
		t.Errorf("the log does not begin with DpsCreated, DpsOpened")
	}
	// A member council reads it; to a provider it does not exist (its
	// people read only their own agreements' and block contracts' logs).
	must(h.council("354").GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: dpsID, MinPosition: removed.GetPosition()})).OK(t)
	_, err := h.admin(provA).GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: dpsID})
	servicetest.WantCode(t, err, codes.NotFound)
}
