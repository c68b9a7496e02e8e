package server_test

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

func (h *harness) returnsSeenBy(c monitoringv1.MonitoringServiceClient, urn string) ([]*monitoringv1.MonitoringReturn, error) {
	r, err := c.ListMonitoringReturns(h.Ctx, &monitoringv1.ListMonitoringReturnsRequest{Urn: urn, MinPosition: h.pos()})
	return r.GetReturns(), err
}

// One return, filed once, serves every council placing there and the
// lead; a retry is stored once; others are told it does not exist.
func TestMonitoringReturnCollectedOnce(t *testing.T) {
	h := newHarness(t)
	dps := h.market()
	h.place(dps, "352", "ref-352-a", provA, "SC100001")
	h.place(dps, "353", "ref-353-a", provA, "SC100001")
	h.Clock.Set(time.Date(2026, time.December, 2, 10, 0, 0, 0, time.UTC))

	req := &monitoringv1.SubmitMonitoringReturnRequest{RequestId: "return-sc100001-2026-11", Urn: "SC100001", Period: "2026-11", Figures: figures()}
	first := must(h.responder(provA).SubmitMonitoringReturn(h.Ctx, req)).OK(t)
	again := must(h.responder(provA).SubmitMonitoringReturn(h.Ctx, req)).OK(t)
	if again.GetPosition() != first.GetPosition() || again.GetStreamVersion() != first.GetStreamVersion() {
		t.Fatalf("a retry answered %v, the first %v: want the same commit", again, first)
	}
	log := must(h.lead().GetDecisionLog(h.Ctx, &monitoringv1.GetDecisionLogRequest{Aggregate: "setting", Id: "SC100001", MinPosition: h.pos()})).OK(t)
	if n := len(decisionsOf(log.GetDecisions(), "MonitoringReturnSubmitted")); n != 1 {
		t.Fatalf("the setting's stream holds %d returns after a retry, want 1", n)
	}

	for _, who := range []struct {
		name string
		c    monitoringv1.MonitoringServiceClient
	}{{"council 352", h.viewer("352")}, {"council 353", h.commissioner("353")}, {"the lead", h.lead()}, {"the provider", h.responder(provA)}, {"the auditor", h.auditor()}} {
		got, err := h.returnsSeenBy(who.c, "SC100001")
		if err != nil || len(got) != 1 || got[0].GetPeriod() != "2026-11" || got[0].GetLate() || got[0].GetDueOn() != "2026-12-14" {
			t.Errorf("%s sees %v (%v), want the November return due 2026-12-14, on time", who.name, got, err)
		}
	}
	for _, who := range []struct {
		name string
		c    monitoringv1.MonitoringServiceClient
	}{{"council 354 (no child there)", h.viewer("354")}, {"provider B", h.responder(provB)}, {"another consortium's lead", h.otherLead()}} {
		_, err := h.returnsSeenBy(who.c, "SC100001")
		servicetest.WantCode(t, err, codes.NotFound)
	}

	// The burden: one return filed where two councils would each have asked.
	b := must(h.lead().GetMonitoringBurden(h.Ctx, &monitoringv1.GetMonitoringBurdenRequest{Consortium: consortium, MinPosition: h.pos()})).OK(t)
	if b.GetTotal().GetReturnsFiled() != 1 || b.GetTotal().GetReturnsIfPerCouncil() != 2 || b.GetTotal().GetReturnsSaved() != 1 {
		t.Fatalf("burden = %v, want 1 filed instead of 2", b.GetTotal())
	}
	own := must(h.responder(provA).GetMonitoringBurden(h.Ctx, &monitoringv1.GetMonitoringBurdenRequest{})).OK(t)
	if len(own.GetProviders()) != 1 || own.GetProviders()[0].GetCouncilsPerReturn() != 2 {
		t.Fatalf("provider A's own burden = %v", own)
	}
}

// The rules of filing, through the API: nothing is written when refused.
func TestMonitoringReturnRules(t *testing.T) {
	h := newHarness(t)
	dps := h.market()
	h.place(dps, "352", "ref-352-a", provA, "SC100001")
	h.Clock.Set(time.Date(2026, time.December, 2, 10, 0, 0, 0, time.UTC))
	h.file(provA, "SC100001", "2026-11")
	submit := func(c monitoringv1.MonitoringServiceClient, reqID, urn, period string, f *monitoringv1.ReturnFigures, correction bool) error {
		_, err := c.SubmitMonitoringReturn(h.Ctx, &monitoringv1.SubmitMonitoringReturnRequest{RequestId: reqID, Urn: urn, Period: period, Figures: f, Correction: correction})
		return err
	}
	before := h.pos()
	servicetest.WantRule(t, submit(h.responder(provA), "return-again", "SC100001", "2026-11", figures(), false), domain.RuleReturnAlreadyFiled)
	servicetest.WantRule(t, submit(h.responder(provA), "return-december", "SC100001", "2026-12", figures(), false), domain.RulePeriodNotEnded)
	// Another provider's setting does not exist for provider B.
	servicetest.WantCode(t, submit(h.responder(provB), "return-by-b", "SC100001", "2026-10", figures(), false), codes.NotFound)
	servicetest.WantRule(t, submit(h.responder(provA), "correct-october", "SC100001", "2026-10", figures(), true), domain.RuleNothingToCorrect)
	bad := figures()
	bad.ComplaintsUpheld = 3
	servicetest.WantRule(t, submit(h.responder(provA), "return-upheld", "SC100001", "2026-10", bad, false), domain.RuleFiguresInconsistent)
	servicetest.WantCode(t, submit(h.responder(provA), "return-unknown", "SC999999", "2026-10", figures(), false), codes.NotFound)
	servicetest.WantCode(t, submit(h.viewer("352"), "return-by-council", "SC100001", "2026-10", figures(), false), codes.PermissionDenied)
	worse := figures()
	worse.AgencyShiftPercent = 140
	violations := servicetest.FieldViolations(t, submit(h.responder(provA), "return-bad", "SC100001", "2026-13", worse, false))
	if !slices.Contains(violations, "period") || !slices.Contains(violations, "figures.agency_shift_percent") {
		t.Fatalf("violations = %v", violations)
	}
	if h.pos() != before {
		t.Fatal("a refused return wrote something")
	}
	corrected := figures()
	corrected.Restraints = 2
	if err := submit(h.responder(provA), "correct-november", "SC100001", "2026-11", corrected, true); err != nil {
		t.Fatal(err)
	}
	got, err := h.returnsSeenBy(h.viewer("352"), "SC100001")
	if err != nil || len(got) != 1 || got[0].GetRevision() != 2 || got[0].GetFigures().GetRestraints() != 2 {
		t.Fatalf("after the correction the council sees %v (%v)", got, err)
	}
}

// Late and missing returns are listed; a missing one turns the home amber
// at the daily sweep, and filing it turns it green again.
func TestLateAndMissingReturns(t *testing.T) {
	h := newHarness(t)
	dps := h.market()
	h.place(dps, "352", "ref-352-a", provA, "SC100001") // from 2 November
	// 20 January 2027: November was due 14 December, December on 15 January
	// (New Year's Day is a bank holiday).
	h.Clock.Set(time.Date(2027, time.January, 20, 10, 0, 0, 0, time.UTC))
	h.file(provA, "SC100001", "2026-11")
	if err := h.monitoring.App.Sweep(h.Ctx); err != nil {
		t.Fatal(err)
	}

	c := must(h.lead().ListReturnCompliance(h.Ctx, &monitoringv1.ListReturnComplianceRequest{Consortium: consortium, MinPosition: h.pos()})).OK(t)
	if len(c.GetLate()) != 1 || c.GetLate()[0].GetPeriod() != "2026-11" || c.GetLate()[0].GetWorkingDaysOverdue() != 24 {
		t.Fatalf("late = %v, want November, 24 working days after 14 December (Christmas, the Boxing Day substitute and New Year are holidays)", c.GetLate())
	}
	if len(c.GetMissing()) != 1 || c.GetMissing()[0].GetPeriod() != "2026-12" || c.GetMissing()[0].GetDueOn() != "2027-01-15" || c.GetMissing()[0].GetUrn() != "SC100001" {
		t.Fatalf("missing = %v, want December at SC100001", c.GetMissing())
	}
	if c.GetExpected() != 2 || c.GetFiled() != 1 || c.GetFiledOnTime() != 0 {
		t.Fatalf("expected %d filed %d on time %d, want 2, 1, 0", c.GetExpected(), c.GetFiled(), c.GetFiledOnTime())
	}
	h.eventually("amber for the missing return", func() bool {
		return h.level(provA).GetLevel() == monitoringv1.RiskLevel_RISK_LEVEL_AMBER
	})
	r := h.level(provA)
	if len(r.GetReasons()) != 1 || r.GetReasons()[0].GetIndicator() != monitoringv1.Indicator_INDICATOR_MISSING_RETURNS || r.GetSuspended() {
		t.Fatalf("provider A = %v, want amber for one missing return, not suspended", r)
	}

	h.file(provA, "SC100001", "2026-12")
	h.eventually("green once filed", func() bool {
		return h.level(provA).GetLevel() == monitoringv1.RiskLevel_RISK_LEVEL_GREEN
	})
	// A sweep that finds nothing new records nothing.
	before := h.pos()
	if err := h.monitoring.App.Sweep(h.Ctx); err != nil {
		t.Fatal(err)
	}
	if h.pos() != before {
		t.Fatal("a sweep with no change of level wrote something")
	}
}

// A provider's own financial warning makes it amber under the default
// policy (red when failure is likely), and the placing council is told.
func TestFinancialWarning(t *testing.T) {
	h := newHarness(t)
	dps := h.market()
	h.place(dps, "352", "ref-352-a", provA, "SC100001")
	alerts := h.watch(h.commissioner("352"), h.pos())
	must(h.providerAdmin(provA).RaiseFinancialWarning(h.Ctx, &monitoringv1.RaiseFinancialWarningRequest{RequestId: "warn-level-1", Level: 1,
		Summary: "Loss of a major contract: cash flow under review with our bank"})).OK(t)
	a := next(t, alerts)
	if a.GetScope() != monitoringv1.RiskScope_RISK_SCOPE_PROVIDER || a.GetTo() != monitoringv1.RiskLevel_RISK_LEVEL_AMBER ||
		a.GetReasons()[0].GetIndicator() != monitoringv1.Indicator_INDICATOR_FINANCIAL_WARNING || a.GetAction() != monitoringv1.RiskAction_RISK_ACTION_NONE {
		t.Fatalf("alert = %v, want provider amber for the warning, no action", a)
	}
	_, err := h.responder(provA).RaiseFinancialWarning(h.Ctx, &monitoringv1.RaiseFinancialWarningRequest{RequestId: "warn-by-responder", Level: 2, Summary: "Failure likely"})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	must(h.providerAdmin(provA).WithdrawFinancialWarning(h.Ctx, &monitoringv1.WithdrawFinancialWarningRequest{RequestId: "withdraw-warning", Reason: "Refinanced"})).OK(t)
	if a := next(t, alerts); a.GetTo() != monitoringv1.RiskLevel_RISK_LEVEL_GREEN {
		t.Fatalf("alert after withdrawal = %v, want green", a)
	}
}
