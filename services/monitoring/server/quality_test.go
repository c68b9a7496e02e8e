package server_test

import (
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// Quality evidence gathers judgements, visits, incidents and feedback for
// everyone who may see the setting; a visit's overdue follow-up is flagged.
func TestQualityEvidence(t *testing.T) {
	h := newHarness(t)
	dps := h.market()
	h.place(dps, "352", "ref-352-a", provA, "SC100001")
	visit := &monitoringv1.RecordQualityVisitRequest{RequestId: "visit-352-1", Urn: "SC100001", VisitedOn: h.today(), Rating: monitoringv1.VisitRating_VISIT_RATING_CONCERNS,
		Findings: "Risk assessments not reviewed after incidents; staff supervision overdue.",
		Actions:  []*monitoringv1.VisitAction{{Action: "Review every risk assessment", DueOn: "2026-11-30"}}, FollowUpOn: "2026-12-07"}
	_, err := h.commissioner("354").RecordQualityVisit(h.Ctx, &monitoringv1.RecordQualityVisitRequest{RequestId: "visit-354-1", Urn: "SC100001", VisitedOn: h.today(),
		Rating: monitoringv1.VisitRating_VISIT_RATING_NO_CONCERNS, Findings: "Fine."})
	servicetest.WantCode(t, err, codes.NotFound)
	must(h.commissioner("352").RecordQualityVisit(h.Ctx, visit)).OK(t)
	must(h.responder(provA).NotifyIncident(h.Ctx, &monitoringv1.NotifyIncidentRequest{RequestId: "incident-1-sc100001", Urn: "SC100001",
		Type: monitoringv1.IncidentType_INCIDENT_TYPE_POLICE_INVOLVEMENT, OccurredOn: h.today(), Summary: "Police called after damage to property"})).OK(t)
	_, err = h.responder(provB).NotifyIncident(h.Ctx, &monitoringv1.NotifyIncidentRequest{RequestId: "incident-by-b", Urn: "SC100001",
		Type: monitoringv1.IncidentType_INCIDENT_TYPE_OTHER, OccurredOn: h.today(), Summary: "Not ours"})
	servicetest.WantCode(t, err, codes.NotFound)
	must(h.commissioner("352").RecordFeedback(h.Ctx, &monitoringv1.RecordFeedbackRequest{RequestId: "feedback-352-1", Urn: "SC100001",
		From: monitoringv1.FeedbackFrom_FEEDBACK_FROM_FAMILY, Score: 4, Themes: []string{"contact_with_family"}, ReceivedOn: h.today()})).OK(t)

	h.Clock.Set(time.Date(2026, time.December, 10, 9, 0, 0, 0, time.UTC))
	q := must(h.viewer("352").GetQualityEvidence(h.Ctx, &monitoringv1.GetQualityEvidenceRequest{Urn: "SC100001", MinPosition: h.pos()})).OK(t)
	if len(q.GetOfsted()) != 0 || len(q.GetVisits()) != 1 || !q.GetVisits()[0].GetFollowUpOverdue() || len(q.GetIncidents()) != 1 ||
		len(q.GetFeedback()) != 1 || q.GetFeedback()[0].GetRecordedBy() != "352" || q.GetProviderName() != provA+" Ltd" {
		t.Fatalf("quality evidence = %v", q)
	}
	_, err = h.viewer("355").GetQualityEvidence(h.Ctx, &monitoringv1.GetQualityEvidenceRequest{Urn: "SC100001"})
	servicetest.WantCode(t, err, codes.NotFound)
	// The visit's concerns make the home amber under the default policy.
	h.eventually("amber after the visit", func() bool { return h.level(provA).GetLevel() == monitoringv1.RiskLevel_RISK_LEVEL_AMBER })
}

// The consortium agrees its own indicators; a stricter policy re-assesses
// every provider at once, under its own name in the decision log.
func TestRiskPolicy(t *testing.T) {
	h := newHarness(t)
	dps := h.market()
	h.place(dps, "352", "ref-352-a", provA, "SC100001")
	if p := must(h.responder(provA).GetRiskPolicy(h.Ctx, &monitoringv1.GetRiskPolicyRequest{Consortium: consortium, MinPosition: h.pos()})).OK(t); !p.GetIsDefault() || !p.GetSuspendOnRed() {
		t.Fatalf("policy before any is set = %v, want the default", p)
	}
	ofsted(h, "SC100001", purchasingv1.OfstedGrade_OFSTED_GRADE_REQUIRES_IMPROVEMENT, "ofsted-sc100001-ri")
	h.eventually("amber for Requires improvement", func() bool { return h.level(provA).GetLevel() == monitoringv1.RiskLevel_RISK_LEVEL_AMBER })

	set := func(c monitoringv1.MonitoringServiceClient, reqID string, amber, red float64) error {
		_, err := c.SetRiskPolicy(h.Ctx, &monitoringv1.SetRiskPolicyRequest{RequestId: reqID, SuspendOnRed: false, ReturnDueWorkingDays: 5, Reason: "Agreed at the commissioning board",
			Indicators: []*monitoringv1.IndicatorRule{{Indicator: monitoringv1.Indicator_INDICATOR_OFSTED_GRADE, Amber: amber, Red: red, WindowMonths: 1}}})
		return err
	}
	servicetest.WantCode(t, set(h.commissioner("352"), "policy-by-council", 2, 3), codes.PermissionDenied)
	servicetest.WantRule(t, set(h.lead(), "policy-backwards", 3, 2), domain.RuleThresholdsOrder)
	if err := set(h.lead(), "policy-strict", 2, 3); err != nil {
		t.Fatal(err)
	}
	h.eventually("red under the stricter policy", func() bool { return h.level(provA).GetLevel() == monitoringv1.RiskLevel_RISK_LEVEL_RED })
	if r := h.level(provA); r.GetSuspended() {
		t.Fatalf("provider A = %v: the policy does not suspend on red", r)
	}
	log := must(h.lead().GetDecisionLog(h.Ctx, &monitoringv1.GetDecisionLogRequest{Aggregate: "policy", Id: consortium, MinPosition: h.pos()})).OK(t)
	if n := len(decisionsOf(log.GetDecisions(), "RiskPolicySet")); n != 1 || log.GetDecisions()[0].GetActor().GetSubject() != "amara.okafor" {
		t.Fatalf("policy log = %v", log)
	}
}

// Outcomes per provider go through demand's disclosure control: a
// council sees its own children in full, other cells only at the
// threshold or above, and no suppressed figure is left derivable from a
// total.
func TestOutcomesReportIsDisclosureControlled(t *testing.T) {
	h := newHarness(t)
	dps := h.market()
	var placed []string
	for i, p := range []struct{ la, prov, urn string }{
		{"352", provA, "SC100001"}, {"352", provA, "SC100001"}, {"352", provA, "SC100002"},
		{"353", provA, "SC100001"}, {"353", provA, "SC100002"}, {"353", provA, "SC100002"},
		{"352", provB, "SC200001"},
	} {
		placed = append(placed, h.place(dps, p.la, fmt.Sprintf("ref-outcome-%d", i), p.prov, p.urn))
	}
	// Stability: start 2; review 4 (improved) for all but the 4th and 7th.
	for i, id := range placed {
		la := []string{"352", "352", "352", "353", "353", "353", "352"}[i]
		review := uint32(4)
		if i == 3 || i == 6 {
			review = 2
		}
		for _, o := range []struct {
			point monitoringv1.OutcomePoint
			s     uint32
		}{{monitoringv1.OutcomePoint_OUTCOME_POINT_START, 2}, {monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW, review}} {
			must(h.commissioner(la).RecordOutcome(h.Ctx, &monitoringv1.RecordOutcomeRequest{RequestId: fmt.Sprintf("outcome-%d-%d", i, o.point), ContractId: id, Point: o.point,
				RecordedOn: h.today(), Scores: &monitoringv1.OutcomeScores{Stability: o.s, Education: 3, Health: 3, Wellbeing: 3, ChildsView: 3}})).OK(t)
		}
	}
	for _, viewer := range []struct {
		name string
		c    monitoringv1.MonitoringServiceClient
		own  bool
	}{{"the lead", h.lead(), false}, {"council 352", h.viewer("352"), true}} {
		r := must(viewer.c.GetOutcomesReport(h.Ctx, &monitoringv1.GetOutcomesReportRequest{Consortium: consortium, Measure: "stability", MinPosition: h.pos()})).OK(t)
		if r.GetThreshold() != 5 || len(r.GetProviders()) != 2 {
			t.Fatalf("%s: report = %v", viewer.name, r)
		}
		for _, p := range append(r.GetProviders(), r.GetAll()) {
			for _, c := range []*monitoringv1.OutcomeCell{p.GetImproved(), p.GetSame(), p.GetWorse(), p.GetTotal()} {
				if !c.GetSuppressed() && c.GetCount() > 0 && c.GetCount() < 5 {
					t.Errorf("%s: %s published a count of %d, under the threshold", viewer.name, p.GetProviderName(), c.GetCount())
				}
				if c.GetSuppressed() && c.GetCount() != 0 {
					t.Errorf("%s: a suppressed cell carries its count %d", viewer.name, c.GetCount())
				}
			}
		}
		a, b := r.GetProviders()[0], r.GetProviders()[1]
		if a.GetTotal().GetSuppressed() != b.GetTotal().GetSuppressed() && !r.GetAll().GetTotal().GetSuppressed() {
			t.Errorf("%s: one provider's total is derivable from the other's and the published total", viewer.name)
		}
		if viewer.own {
			// 352 placed three children with A (all improved) and one with B.
			byID := map[string]*monitoringv1.ProviderOutcomes{a.GetProviderId(): a, b.GetProviderId(): b}
			if byID[provA].GetImproved().GetOwn() != 3 || byID[provB].GetSame().GetOwn() != 1 {
				t.Errorf("council 352's own figures = A %v, B %v", byID[provA], byID[provB])
			}
		}
	}
	_, err := h.responder(provA).GetOutcomesReport(h.Ctx, &monitoringv1.GetOutcomesReportRequest{Consortium: consortium, Measure: "stability"})
	servicetest.WantCode(t, err, codes.PermissionDenied)
}
