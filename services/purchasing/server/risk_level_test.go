package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/purchasing/app"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// riskStream is where monitoring records a provider's risk levels.
func riskStream(provider string) eventstore.StreamID {
	return eventstore.StreamID{Context: "monitoring", Aggregate: "risk", ID: consortium + "-" + provider}
}

// riskChanged appends a RiskLevelChanged as monitoring would, and returns
// it as stored.
func (h *harness) riskChanged(provider, urn string, to monitoringv1.RiskLevel, action monitoringv1.RiskAction, details ...string) eventstore.RecordedEvent {
	h.t.Helper()
	ev := &monitoringv1.RiskLevelChanged{Consortium: consortium, ProviderId: provider, SettingUrn: urn, To: to, Action: action,
		Scope: monitoringv1.RiskScope_RISK_SCOPE_SETTING, AssessedAt: timestamppb.New(h.Clock.Now()), ProviderName: providers[provider].legal,
		NotifiedCouncils: []string{"352"}}
	if urn == "" {
		ev.Scope = monitoringv1.RiskScope_RISK_SCOPE_PROVIDER
	}
	for _, d := range details {
		ev.Reasons = append(ev.Reasons, &monitoringv1.RiskReason{Indicator: monitoringv1.Indicator_INDICATOR_OFSTED_GRADE, Level: to, Detail: d, SettingUrn: urn})
	}
	meta := eventstore.Metadata{Actor: eventstore.Actor{Subject: "service:monitoring", Organisation: "consortium:" + consortium, Role: "consortium_policy"},
		CorrelationID: "corr-ofsted-" + provider}
	res, err := h.store.Append(h.Ctx, riskStream(provider), eventstore.Any, meta, ev)
	if err != nil {
		h.t.Fatal(err)
	}
	events, err := h.store.ReadStream(h.Ctx, riskStream(provider))
	if err != nil {
		h.t.Fatal(err)
	}
	e := events[len(events)-1]
	if e.Position != res.Position {
		h.t.Fatalf("read back the event at %d, appended at %d", e.Position, res.Position)
	}
	return e
}

// reaction waits until the DPS's decision log holds the decision caused by
// the event (the reaction runs in the background) and returns it.
func (h *harness) reaction(dpsID, decision string, cause eventstore.RecordedEvent) *purchasingv1.Decision {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, d := range h.decisions(dpsID) {
			if d.GetDecision() == decision && d.GetCausationId() == cause.EventID {
				return d
			}
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("no %s caused by %s in the decision log of %s", decision, cause.EventID, dpsID)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (h *harness) decisions(dpsID string) []*purchasingv1.Decision {
	h.t.Helper()
	return must(h.lead().GetDecisionLog(h.Ctx, &purchasingv1.GetDecisionLogRequest{Id: dpsID, MinPosition: h.LastPosition()})).OK(h.t).GetDecisions()
}

func count(log []*purchasingv1.Decision, decision string) int {
	n := 0
	for _, d := range log {
		if d.GetDecision() == decision {
			n++
		}
	}
	return n
}

// matchedURNs refers the standard need and returns the referral and the
// settings it was sent to.
func (h *harness) matchedURNs(dpsID, reqID string) (string, []string) {
	h.t.Helper()
	res := h.refer(dpsID, reqID, standardNeed())
	r := must(h.council("352").GetReferral(h.Ctx, &purchasingv1.GetReferralRequest{ReferralId: res.GetId(), MinPosition: res.GetPosition()})).OK(h.t)
	var urns []string
	for _, m := range r.GetMatches() {
		urns = append(urns, m.GetSettingUrn())
	}
	return res.GetId(), urns
}

// Monitoring judges a setting red under a policy that suspends: its
// provider's setting is matched no more, the DPS's decision log says why
// and what caused it, a second delivery changes nothing, and green again
// brings it back.
func TestRiskLevelSuspendsAndReinstatesASetting(t *testing.T) {
	h := newHarness(t)
	dpsID := h.market()
	if _, urns := h.matchedURNs(dpsID, "before-red"); !slices.Contains(urns, fallowfield) {
		t.Fatalf("before red, %s is not matched: %v", fallowfield, urns)
	}

	// Amber under a policy that does nothing: nothing happens.
	amber := h.riskChanged(provE, oaksView, monitoringv1.RiskLevel_RISK_LEVEL_AMBER, monitoringv1.RiskAction_RISK_ACTION_NONE, "Staffing turnover 40%")
	red := h.riskChanged(provA, fallowfield, monitoringv1.RiskLevel_RISK_LEVEL_RED, monitoringv1.RiskAction_RISK_ACTION_SUSPEND,
		"Ofsted judged Inadequate on 2026-11-02")
	d := h.reaction(dpsID, "MatchingSuspended", red)
	wantReason := "monitoring: risk red for setting " + fallowfield + " (Ofsted judged Inadequate on 2026-11-02)"
	if d.GetReason() != wantReason || d.GetProviderId() != provA || !strings.Contains(d.GetSummary(), fallowfield) ||
		!strings.Contains(d.GetSummary(), "early-warning policy") {
		t.Errorf("logged as %q because %q (provider %s), want the setting and %q", d.GetSummary(), d.GetReason(), d.GetProviderId(), wantReason)
	}
	if d.GetCorrelationId() != red.CorrelationID || d.GetActor().GetSubject() != app.PolicySubject ||
		d.GetActor().GetRole() != domain.RoleConsortiumPolicy || d.GetActor().GetOrganisation() != "consortium:"+consortium {
		t.Errorf("logged with correlation %q by %v, want correlation %q by the consortium's policy", d.GetCorrelationId(), d.GetActor(), red.CorrelationID)
	}
	for _, d := range h.decisions(dpsID) {
		if d.GetCausationId() == amber.EventID || d.GetProviderId() == provE && d.GetDecision() != "ApplicationReceived" && d.GetDecision() != "ProviderAdmitted" {
			t.Errorf("action NONE led to %s: %s", d.GetDecision(), d.GetSummary())
		}
	}

	// A new referral no longer goes to the setting, and ExplainMatch says why.
	refID, urns := h.matchedURNs(dpsID, "while-red")
	if slices.Contains(urns, fallowfield) || !slices.Contains(urns, heatonNorth) {
		t.Fatalf("while red, matched %v: want %s left out and the others kept", urns, fallowfield)
	}
	ex := must(h.council("352").ExplainMatch(h.Ctx, &purchasingv1.ExplainMatchRequest{ReferralId: refID, SettingUrn: fallowfield})).OK(t)
	want := "suspended from matching under the consortium's early-warning policy: " + wantReason
	if first := ex.GetReasons()[0]; ex.GetMatched() || first.GetCriterion() != domain.CriterionEarlyWarning || first.GetMet() || first.GetDetail() != want {
		t.Fatalf("ExplainMatch %s: matched %v, first reason %v; want early_warning unmet: %q", fallowfield, ex.GetMatched(), first, want)
	}

	// The same event again (a redelivery) changes nothing; nor does
	// monitoring saying red again.
	before := h.LastPosition()
	if err := h.svc.App.ReactToRiskLevel(h.Ctx, red); err != nil {
		t.Fatal(err)
	}
	if after := h.LastPosition(); after != before {
		t.Fatalf("a redelivered risk level wrote to the store (%d → %d)", before, after)
	}
	again := h.riskChanged(provA, fallowfield, monitoringv1.RiskLevel_RISK_LEVEL_RED, monitoringv1.RiskAction_RISK_ACTION_SUSPEND, "Ofsted judged Inadequate")

	// Green again: matched again. The reaction is strictly ordered, so by
	// now the repeated red has been handled too.
	green := h.riskChanged(provA, fallowfield, monitoringv1.RiskLevel_RISK_LEVEL_GREEN, monitoringv1.RiskAction_RISK_ACTION_REINSTATE,
		"Ofsted judged Good on 2027-01-15")
	d = h.reaction(dpsID, "MatchingReinstated", green)
	if d.GetReason() != "monitoring: risk green for setting "+fallowfield+" (Ofsted judged Good on 2027-01-15)" {
		t.Errorf("reinstatement logged because %q", d.GetReason())
	}
	log := h.decisions(dpsID)
	if count(log, "MatchingSuspended") != 1 || count(log, "MatchingReinstated") != 1 {
		t.Errorf("log has %d MatchingSuspended and %d MatchingReinstated, want 1 each", count(log, "MatchingSuspended"), count(log, "MatchingReinstated"))
	}
	for _, d := range log {
		if d.GetCausationId() == again.EventID {
			t.Errorf("a repeated red was acted on: %s", d.GetSummary())
		}
	}
	if _, urns := h.matchedURNs(dpsID, "after-green"); !slices.Contains(urns, fallowfield) {
		t.Fatalf("after green, %s is not matched: %v", fallowfield, urns)
	}
}

// A provider's own level suspends every setting of it, and leaves the
// lead's suspensions alone: green lifts only the policy's.
func TestRiskLevelSuspendsAProvider(t *testing.T) {
	h := newHarness(t)
	dpsID := h.market()
	red := h.riskChanged(provB, "", monitoringv1.RiskLevel_RISK_LEVEL_RED, monitoringv1.RiskAction_RISK_ACTION_SUSPEND, "Financial warning from the provider's auditors")
	d := h.reaction(dpsID, "MatchingSuspended", red)
	if !strings.Contains(d.GetSummary(), "every setting of "+provB) || !strings.Contains(d.GetReason(), "for provider Pennine Pathways Ltd") {
		t.Errorf("logged as %q because %q", d.GetSummary(), d.GetReason())
	}
	_, urns := h.matchedURNs(dpsID, "provider-red")
	if slices.Contains(urns, heatonNorth) || slices.Contains(urns, ribbleView) || !slices.Contains(urns, fallowfield) {
		t.Fatalf("while %s is red, matched %v", provB, urns)
	}

	// Green for moss-side-homes, whom the lead suspended: not the policy's
	// to lift, so nothing happens.
	h.riskChanged(provD, "", monitoringv1.RiskLevel_RISK_LEVEL_GREEN, monitoringv1.RiskAction_RISK_ACTION_REINSTATE)
	green := h.riskChanged(provB, "", monitoringv1.RiskLevel_RISK_LEVEL_GREEN, monitoringv1.RiskAction_RISK_ACTION_REINSTATE)
	h.reaction(dpsID, "MatchingReinstated", green)
	for _, d := range h.decisions(dpsID) {
		if d.GetProviderId() == provD && (d.GetDecision() == "ProviderReinstated" || d.GetDecision() == "MatchingReinstated") {
			t.Errorf("the policy reinstated the lead's suspension: %s", d.GetSummary())
		}
	}
	_, urns = h.matchedURNs(dpsID, "provider-green")
	if !slices.Contains(urns, heatonNorth) || slices.Contains(urns, alexandra) {
		t.Fatalf("after green, matched %v: want %s back and %s (suspended by the lead) still out", urns, heatonNorth, alexandra)
	}
}
