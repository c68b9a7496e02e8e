package server_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// watch opens WatchAlerts for a client and forwards what it receives.
func (h *harness) watch(c monitoringv1.MonitoringServiceClient, after uint64) <-chan *monitoringv1.Alert {
	h.t.Helper()
	ctx, cancel := context.WithCancel(h.Ctx)
	h.t.Cleanup(cancel)
	stream, err := c.WatchAlerts(ctx, &monitoringv1.WatchAlertsRequest{AfterPosition: after})
	if err != nil {
		h.t.Fatalf("WatchAlerts: %v", err)
	}
	out := make(chan *monitoringv1.Alert, 64)
	go func() {
		defer close(out)
		for {
			a, err := stream.Recv()
			if err != nil {
				return
			}
			out <- a
		}
	}()
	return out
}

func next(t *testing.T, ch <-chan *monitoringv1.Alert) *monitoringv1.Alert {
	t.Helper()
	select {
	case a, ok := <-ch:
		if !ok {
			t.Fatal("the alert stream ended")
		}
		return a
	case <-time.After(5 * time.Second):
		t.Fatal("no alert within 5 s")
	}
	return nil
}

func ofsted(h *harness, urn string, grade purchasingv1.OfstedGrade, reqID string) *monitoringv1.CommandResponse {
	h.t.Helper()
	return must(h.ofstedFeed().RecordOfstedJudgement(h.Ctx, &monitoringv1.RecordOfstedJudgementRequest{RequestId: reqID, Urn: urn, Grade: grade,
		InspectionDate: h.today(), InspectionType: "full"})).OK(h.t)
}

func decisionsOf(d []*monitoringv1.Decision, name string) []*monitoringv1.Decision {
	var out []*monitoringv1.Decision
	for _, x := range d {
		if x.GetDecision() == name {
			out = append(out, x)
		}
	}
	return out
}

// The journey, all through events: a placement awarded in
// purchasing becomes a contract here; an Inadequate judgement turns the
// home and its provider red; the placing council's WatchAlerts stream gets
// the alert as it happens; purchasing stops matching the provider's homes
// and framework suspends it on its lot, each recording the risk change as
// its cause; a later Good judgement turns it green and reinstates both.
func TestInadequateJudgementSuspendsAndGoodReinstates(t *testing.T) {
	h := newHarness(t)
	fw := h.frameworkWithA()
	dps := h.market()
	placement := h.place(dps, "352", "ref-352-a", provA, "SC100001")

	c := must(h.commissioner("352").GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: placement})).OK(t)
	if c.GetKind() != monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT || c.GetStatus() != monitoringv1.ContractStatus_CONTRACT_STATUS_LIVE ||
		c.GetSettingUrn() != "SC100001" || c.GetProviderId() != provA || c.GetConsortium() != consortium || c.GetWeeklyPricePence() != 520000 {
		t.Fatalf("contract from the award = %v", c)
	}

	alerts352 := h.watch(h.viewer("352"), h.pos())
	alerts353 := h.watch(h.viewer("353"), h.pos())
	judged := ofsted(h, "SC100001", purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE, "ofsted-sc100001-1")

	// The placing council hears at once: the home, then its provider.
	got := map[monitoringv1.RiskScope]*monitoringv1.Alert{}
	for range 2 {
		a := next(t, alerts352)
		got[a.GetScope()] = a
	}
	home, prov := got[monitoringv1.RiskScope_RISK_SCOPE_SETTING], got[monitoringv1.RiskScope_RISK_SCOPE_PROVIDER]
	if home.GetSettingUrn() != "SC100001" || home.GetTo() != monitoringv1.RiskLevel_RISK_LEVEL_RED || home.GetFrom() != monitoringv1.RiskLevel_RISK_LEVEL_GREEN ||
		home.GetAction() != monitoringv1.RiskAction_RISK_ACTION_SUSPEND || home.GetChildrenPlaced() != 1 {
		t.Fatalf("setting alert = %v", home)
	}
	if len(home.GetReasons()) == 0 || home.GetReasons()[0].GetIndicator() != monitoringv1.Indicator_INDICATOR_OFSTED_GRADE {
		t.Fatalf("setting alert reasons = %v, want the Ofsted grade", home.GetReasons())
	}
	if prov.GetProviderId() != provA || prov.GetTo() != monitoringv1.RiskLevel_RISK_LEVEL_RED || prov.GetAction() != monitoringv1.RiskAction_RISK_ACTION_SUSPEND {
		t.Fatalf("provider alert = %v", prov)
	}
	select {
	case a := <-alerts353:
		t.Fatalf("council 353 has no child there but got %v", a)
	case <-time.After(200 * time.Millisecond):
	}
	inbox := must(h.viewer("352").ListAlerts(h.Ctx, &monitoringv1.ListAlertsRequest{MinPosition: h.pos()})).OK(t)
	if len(inbox.GetAlerts()) != 2 {
		t.Fatalf("352's inbox has %d alerts, want 2", len(inbox.GetAlerts()))
	}
	if n := len(must(h.viewer("353").ListAlerts(h.Ctx, &monitoringv1.ListAlertsRequest{MinPosition: h.pos()})).OK(t).GetAlerts()); n != 0 {
		t.Fatalf("353's inbox has %d alerts, want none", n)
	}

	// The provider sees its own level and why; another provider does not.
	own := must(h.providerAdmin(provA).ListRiskLevels(h.Ctx, &monitoringv1.ListRiskLevelsRequest{MinPosition: h.pos()})).OK(t)
	if len(own.GetProviders()) != 1 || own.GetProviders()[0].GetLevel() != monitoringv1.RiskLevel_RISK_LEVEL_RED || !own.GetProviders()[0].GetSuspended() ||
		len(own.GetProviders()[0].GetReasons()) == 0 {
		t.Fatalf("provider A's own levels = %v", own)
	}
	_, err := h.providerAdmin(provB).ListRiskLevels(h.Ctx, &monitoringv1.ListRiskLevelsRequest{ProviderId: provA})
	servicetest.WantCode(t, err, codes.NotFound)

	// Purchasing: neither of A's homes matches a new referral; B's does.
	h.eventually("purchasing suspends A from matching", func() bool {
		d := must(h.plead().GetDecisionLog(h.Ctx, &purchasingv1.GetDecisionLogRequest{Id: dps, MinPosition: h.pos()})).OK(t)
		return slices.ContainsFunc(d.GetDecisions(), func(x *purchasingv1.Decision) bool {
			return x.GetDecision() == "MatchingSuspended" && x.GetProviderId() == provA
		})
	})
	ref := h.refer(dps, "354", "ref-354-after-red").GetId()
	if m := h.matched("354", ref); slices.Contains(m, "SC100001") || slices.Contains(m, "SC100002") || !slices.Contains(m, "SC200001") {
		t.Fatalf("matches after red = %v, want B's home only", m)
	}

	// Framework: A is suspended on lot-1; B is not.
	h.eventually("framework suspends A on lot-1", func() bool {
		return h.lotStatus(fw, provA) == frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_SUSPENDED
	})
	if s := h.lotStatus(fw, provB); s != frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_ACTIVE {
		t.Fatalf("B on lot-1 = %v, want active", s)
	}

	// The causation chain, in each service's decision log.
	settingLog := must(h.lead().GetDecisionLog(h.Ctx, &monitoringv1.GetDecisionLogRequest{Aggregate: "setting", Id: "SC100001", MinPosition: judged.GetPosition()})).OK(t)
	judgement := decisionsOf(settingLog.GetDecisions(), "OfstedJudgementRecorded")
	if len(judgement) != 1 {
		t.Fatalf("setting log = %v", settingLog)
	}
	riskLog := must(h.lead().GetDecisionLog(h.Ctx, &monitoringv1.GetDecisionLogRequest{Aggregate: "risk", Id: domain.RiskID(consortium, provA), MinPosition: h.pos()})).OK(t)
	changes := decisionsOf(riskLog.GetDecisions(), "RiskLevelChanged")
	if len(changes) != 2 {
		t.Fatalf("risk log = %v, want the setting's and the provider's change", riskLog)
	}
	for _, d := range changes {
		if d.GetCausationId() != judgement[0].GetEventId() || d.GetCorrelationId() != judgement[0].GetCorrelationId() || d.GetActor().GetSubject() != "service:monitoring" {
			t.Fatalf("risk change %v: want caused by the judgement %s in its correlation", d, judgement[0].GetEventId())
		}
	}
	riskIDs := []string{changes[0].GetEventId(), changes[1].GetEventId()}
	pd := must(h.plead().GetDecisionLog(h.Ctx, &purchasingv1.GetDecisionLogRequest{Id: dps, MinPosition: h.pos()})).OK(t)
	for _, d := range pd.GetDecisions() {
		if d.GetDecision() == "MatchingSuspended" && (!slices.Contains(riskIDs, d.GetCausationId()) || d.GetCorrelationId() != judgement[0].GetCorrelationId()) {
			t.Fatalf("purchasing %v: want caused by a risk change %v", d, riskIDs)
		}
	}
	fd := must(h.flead().GetDecisionLog(h.Ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: fw, MinPosition: h.pos()})).OK(t)
	suspended := 0
	for _, d := range fd.GetDecisions() {
		if d.GetDecision() == "ProviderSuspendedFromLot" {
			suspended++
			if !slices.Contains(riskIDs, d.GetCausationId()) || d.GetCorrelationId() != judgement[0].GetCorrelationId() {
				t.Fatalf("framework %v: want caused by a risk change %v", d, riskIDs)
			}
		}
	}
	if suspended != 1 {
		t.Fatalf("framework log has %d suspensions, want 1", suspended)
	}

	// A re-inspection judges the home Good: green again, and reinstated.
	h.Clock.Advance(24 * time.Hour)
	ofsted(h, "SC100001", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, "ofsted-sc100001-2")
	for range 2 {
		if a := next(t, alerts352); a.GetTo() != monitoringv1.RiskLevel_RISK_LEVEL_GREEN || a.GetAction() != monitoringv1.RiskAction_RISK_ACTION_REINSTATE {
			t.Fatalf("alert after the Good judgement = %v", a)
		}
	}
	h.eventually("framework reinstates A", func() bool {
		return h.lotStatus(fw, provA) == frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_ACTIVE
	})
	h.eventually("purchasing reinstates A", func() bool {
		d := must(h.plead().GetDecisionLog(h.Ctx, &purchasingv1.GetDecisionLogRequest{Id: dps, MinPosition: h.pos()})).OK(t)
		return len(slices.DeleteFunc(d.GetDecisions(), func(x *purchasingv1.Decision) bool { return x.GetDecision() != "MatchingReinstated" })) == 2
	})
	ref = h.refer(dps, "354", "ref-354-after-green").GetId()
	if m := h.matched("354", ref); !slices.Contains(m, "SC100001") {
		t.Fatalf("matches after green = %v, want A's home again", m)
	}
}

// A council acknowledges an alert for its whole organisation; its inbox can
// then list only what is still to be dealt with. Another council cannot
// acknowledge an alert it was never sent.
func TestAcknowledgeAlert(t *testing.T) {
	h := newHarness(t)
	dps := h.market()
	h.place(dps, "352", "ref-352-a", provA, "SC100001")
	ofsted(h, "SC100001", purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE, "ofsted-sc100001-1")
	var inbox []*monitoringv1.Alert
	h.eventually("two alerts in 352's inbox", func() bool {
		inbox = must(h.viewer("352").ListAlerts(h.Ctx, &monitoringv1.ListAlertsRequest{})).OK(t).GetAlerts()
		return len(inbox) == 2
	})
	first := inbox[0].GetAlertId()
	_, err := h.commissioner("353").AcknowledgeAlert(h.Ctx, &monitoringv1.AcknowledgeAlertRequest{RequestId: "ack-by-353", AlertId: first})
	servicetest.WantCode(t, err, codes.NotFound)
	ack := must(h.commissioner("352").AcknowledgeAlert(h.Ctx, &monitoringv1.AcknowledgeAlertRequest{RequestId: "ack-352-1", AlertId: first,
		Note: "Social worker visited the child; safety plan reviewed"})).OK(t)
	again := must(h.commissioner("352").AcknowledgeAlert(h.Ctx, &monitoringv1.AcknowledgeAlertRequest{RequestId: "ack-352-2", AlertId: first})).OK(t)
	if again.GetStreamVersion() != ack.GetStreamVersion() {
		t.Fatalf("a second acknowledgement moved the inbox to version %d", again.GetStreamVersion())
	}
	// The viewer of the same council sees it acknowledged, with who and why.
	all := must(h.viewer("352").ListAlerts(h.Ctx, &monitoringv1.ListAlertsRequest{MinPosition: h.pos()})).OK(t).GetAlerts()
	if !all[0].GetAcknowledged() || all[0].GetAcknowledgedBy() != "commissioner.352" || all[0].GetAcknowledgementNote() == "" || all[1].GetAcknowledged() {
		t.Fatalf("inbox after the acknowledgement = %v", all)
	}
	open := must(h.viewer("352").ListAlerts(h.Ctx, &monitoringv1.ListAlertsRequest{UnacknowledgedOnly: true, MinPosition: h.pos()})).OK(t).GetAlerts()
	if len(open) != 1 || open[0].GetAlertId() == first {
		t.Fatalf("unacknowledged = %v, want the other alert only", open)
	}
	// The lead's inbox is its own: not acknowledged there.
	if lead := must(h.lead().ListAlerts(h.Ctx, &monitoringv1.ListAlertsRequest{UnacknowledgedOnly: true, MinPosition: h.pos()})).OK(t).GetAlerts(); len(lead) != 2 {
		t.Fatalf("the lead's unacknowledged alerts = %d, want 2", len(lead))
	}
}
