package server_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/framework/app"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// riskChanged appends a RiskLevelChanged as monitoring would (on
// monitoring/risk/<consortium>-<provider>) and returns it as stored.
func (h *harness) riskChanged(provider, urn string, to monitoringv1.RiskLevel, action monitoringv1.RiskAction, details ...string) eventstore.RecordedEvent {
	h.t.Helper()
	ev := &monitoringv1.RiskLevelChanged{Consortium: consortium, ProviderId: provider, SettingUrn: urn, To: to, Action: action,
		Scope: monitoringv1.RiskScope_RISK_SCOPE_PROVIDER, AssessedAt: timestamppb.New(h.Clock.Now()), ProviderName: "Provider " + provider}
	if urn != "" {
		ev.Scope = monitoringv1.RiskScope_RISK_SCOPE_SETTING
	}
	for _, d := range details {
		ev.Reasons = append(ev.Reasons, &monitoringv1.RiskReason{Indicator: monitoringv1.Indicator_INDICATOR_FINANCIAL_WARNING, Level: to, Detail: d})
	}
	sid := eventstore.StreamID{Context: "monitoring", Aggregate: "risk", ID: consortium + "-" + provider}
	meta := eventstore.Metadata{Actor: eventstore.Actor{Subject: "service:monitoring", Organisation: "consortium:" + consortium, Role: "consortium_policy"},
		CorrelationID: "corr-warning-" + provider}
	res, err := h.store.Append(h.Ctx, sid, eventstore.Any, meta, ev)
	if err != nil {
		h.t.Fatal(err)
	}
	events, err := h.store.ReadStream(h.Ctx, sid)
	if err != nil {
		h.t.Fatal(err)
	}
	e := events[len(events)-1]
	if e.Position != res.Position {
		h.t.Fatalf("read back the event at %d, appended at %d", e.Position, res.Position)
	}
	return e
}

func (h *harness) decisions(id string) []*frameworkv1.Decision {
	h.t.Helper()
	return must(h.lead().GetDecisionLog(h.Ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(h.t).GetDecisions()
}

// reactions waits until the framework's decision log holds n decisions
// caused by the event (the reaction runs in the background) and returns them.
func (h *harness) reactions(id string, cause eventstore.RecordedEvent, n int) []*frameworkv1.Decision {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var got []*frameworkv1.Decision
		for _, d := range h.decisions(id) {
			if d.GetCausationId() == cause.EventID {
				got = append(got, d)
			}
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%d decisions caused by %s in the log of %s, want %d", len(got), cause.EventID, id, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Monitoring judges a provider red under a policy that suspends: it is
// suspended on every lot of the consortium's live frameworks, with the
// cause in the decision log; a second delivery changes nothing; green
// again reinstates it, and leaves the lead's own suspensions alone.
func TestRiskLevelSuspendsAndReinstatesOnLots(t *testing.T) {
	h := newHarness(t)
	id := h.active("fw-gm-2026")
	draftID := h.draft("fw-gm-draft").GetFrameworkId()
	// The lead suspended Irwell House on lot-2 themselves.
	must(h.lead().SuspendProvider(h.Ctx, &frameworkv1.ProviderOnLotRequest{RequestId: "suspend-irwell", FrameworkId: id, LotId: "lot-2", ProviderId: p3,
		Reason: "Inadequate Ofsted judgement at Irwell House"})).OK(t)

	red := h.riskChanged(p1, "", monitoringv1.RiskLevel_RISK_LEVEL_RED, monitoringv1.RiskAction_RISK_ACTION_SUSPEND,
		"The provider warned of likely financial failure on 2026-05-20")
	redIrwell := h.riskChanged(p3, "", monitoringv1.RiskLevel_RISK_LEVEL_RED, monitoringv1.RiskAction_RISK_ACTION_SUSPEND, "Ofsted judged Inadequate")
	logged := h.reactions(id, red, 2)
	wantReason := "early-warning policy: risk red for provider Provider " + p1 + " (The provider warned of likely financial failure on 2026-05-20)"
	for _, d := range logged {
		if d.GetDecision() != "ProviderSuspendedFromLot" || d.GetProviderId() != p1 || d.GetReason() != wantReason ||
			!strings.Contains(d.GetSummary(), "early-warning policy") {
			t.Errorf("logged %s on %s: %q because %q", d.GetDecision(), d.GetLotId(), d.GetSummary(), d.GetReason())
		}
		if d.GetCorrelationId() != red.CorrelationID || d.GetActor().GetSubject() != app.PolicySubject ||
			d.GetActor().GetRole() != domain.RoleConsortiumPolicy || d.GetActor().GetOrganisation() != "consortium:"+consortium {
			t.Errorf("logged with correlation %q by %v", d.GetCorrelationId(), d.GetActor())
		}
	}
	fw := must(h.lead().GetFramework(h.Ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)
	for _, lot := range []string{"lot-1", "lot-2"} {
		if p := lotProvider(fw, lot, p1); p.GetStatus() != frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_SUSPENDED || p.GetSuspensionReason() != wantReason {
			t.Errorf("%s on %s: %s because %q", p1, lot, p.GetStatus(), p.GetSuspensionReason())
		}
	}
	if p := lotProvider(fw, "lot-1", p2); p.GetStatus() != frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_ACTIVE {
		t.Errorf("%s on lot-1 is %s", p2, p.GetStatus())
	}

	// A redelivery of the same event changes nothing.
	before := h.LastPosition()
	if err := h.svc.App.ReactToRiskLevel(h.Ctx, red); err != nil {
		t.Fatal(err)
	}
	if after := h.LastPosition(); after != before {
		t.Fatalf("a redelivered risk level wrote to the store (%d → %d)", before, after)
	}

	// A setting's level is not the framework's business (lots admit
	// providers); green reinstates on both lots.
	settingRed := h.riskChanged(p2, "SC200001", monitoringv1.RiskLevel_RISK_LEVEL_RED, monitoringv1.RiskAction_RISK_ACTION_SUSPEND, "Ofsted judged Inadequate")
	greenIrwell := h.riskChanged(p3, "", monitoringv1.RiskLevel_RISK_LEVEL_GREEN, monitoringv1.RiskAction_RISK_ACTION_REINSTATE)
	green := h.riskChanged(p1, "", monitoringv1.RiskLevel_RISK_LEVEL_GREEN, monitoringv1.RiskAction_RISK_ACTION_REINSTATE, "Accounts filed; going concern")
	for _, d := range h.reactions(id, green, 2) {
		if d.GetDecision() != "ProviderReinstatedOnLot" || d.GetProviderId() != p1 || !strings.HasPrefix(d.GetReason(), "early-warning policy: risk green") {
			t.Errorf("logged %s on %s because %q", d.GetDecision(), d.GetLotId(), d.GetReason())
		}
	}
	// Strictly ordered: the events before green have been handled too.
	for _, d := range h.decisions(id) {
		switch d.GetCausationId() {
		case settingRed.EventID, redIrwell.EventID, greenIrwell.EventID:
			t.Errorf("acted on a setting's level or on the lead's suspension: %s %s", d.GetDecision(), d.GetSummary())
		}
	}
	fw = must(h.lead().GetFramework(h.Ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)
	for _, lot := range []string{"lot-1", "lot-2"} {
		if p := lotProvider(fw, lot, p1); p.GetStatus() != frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_ACTIVE {
			t.Errorf("%s on %s after green: %s", p1, lot, p.GetStatus())
		}
	}
	if p := lotProvider(fw, "lot-2", p3); p.GetStatus() != frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_SUSPENDED {
		t.Errorf("the lead's suspension of %s was lifted by the policy: %s", p3, p.GetStatus())
	}
	// A draft has no live lots: nothing was decided on it.
	if log := h.decisions(draftID); len(log) != 1 {
		t.Errorf("the draft's log has %d decisions, want only its drafting", len(log))
	}
}
