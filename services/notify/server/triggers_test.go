package server_test

import (
	"maps"
	"testing"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// The other contexts' triggers: each produces exactly one message to
// exactly the right people — the councils with a child at the home, the
// consortium running the DPS or framework, the provider decided on — and
// none to another council, consortium or provider.
func TestEachTriggerTellsExactlyTheRightPeople(t *testing.T) {
	h := newHarness(t)
	for _, p := range []string{"alder", "birch"} {
		h.registerProvider(p)
	}
	set := func(c notifyv1.NotifyServiceClient, id, email, role, subject string) {
		servicetest.Must(c.SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: id, Name: subject, Email: email, Roles: []string{role}, Subject: subject})).OK(t)
	}
	set(h.commissioner("352", "sam"), "contact-0001", "sam@352.example", auth.CouncilCommissioner, "sam")
	set(h.commissioner("353", "kim"), "contact-0002", "kim@353.example", auth.CouncilCommissioner, "kim")
	set(h.n("lee", auth.ConsortiumOrg("north-west"), auth.ConsortiumLead), "contact-0003", "lead@nw.example", auth.ConsortiumLead, "lee")
	set(h.n("lou", auth.ConsortiumOrg("north-east"), auth.ConsortiumLead), "contact-0004", "lead@ne.example", auth.ConsortiumLead, "lou")

	// Early warning: the provider red, suspended; council 352 has a child there.
	h.append("monitoring", "risk", "north-west_alder", &monitoringv1.RiskLevelChanged{Consortium: "north-west", ProviderId: "alder", ProviderName: "Alder Homes",
		Scope: monitoringv1.RiskScope_RISK_SCOPE_PROVIDER, From: monitoringv1.RiskLevel_RISK_LEVEL_GREEN, To: monitoringv1.RiskLevel_RISK_LEVEL_RED,
		NotifiedCouncils: []string{"352"}, Action: monitoringv1.RiskAction_RISK_ACTION_SUSPEND})
	// A DPS application and its decision.
	h.append("purchasing", "dps", "dps-1", &purchasingv1.DpsCreated{DpsId: "dps-1", Consortium: "north-west", Terms: &purchasingv1.DpsTerms{Title: "North West Placements DPS"}})
	h.append("purchasing", "dps", "dps-1", &purchasingv1.ApplicationReceived{DpsId: "dps-1", ProviderId: "birch", ReceivedOn: "2026-12-03", DecisionDueOn: "2026-12-17"})
	h.append("purchasing", "dps", "dps-1", &purchasingv1.ProviderAdmitted{DpsId: "dps-1", ProviderId: "birch", CategoryId: "residential", Consortium: "north-west", Reason: "meets every criterion"})
	// A price uplift asked for on a framework of north-west.
	h.append("framework", "framework", "fw-1", &frameworkv1.FrameworkDrafted{FrameworkId: "fw-1", Consortium: "north-west"})
	h.append("framework", "framework", "fw-1", &frameworkv1.PriceUpliftRequested{FrameworkId: "fw-1", UpliftId: "up-1", LotId: "lot-1", ProviderId: "alder", Justification: "staff costs"})

	got := h.waitOutbox(5)
	want := map[string]int{
		"early-warning-alert → sam@352.example":      1,
		"provider-suspended → lead@nw.example":       1,
		"dps-application-received → lead@nw.example": 1,
		"dps-decision → contracts@birch.example":     1,
		"price-uplift-requested → lead@nw.example":   1,
	}
	if !maps.Equal(sent(got), want) {
		t.Fatalf("told:%s", describe(got))
	}
	for _, m := range got {
		if m.GetTemplate() == "dps-application-received" && m.GetSubject() != "Birch Ltd applied to North West Placements DPS" {
			t.Errorf("subject %q", m.GetSubject())
		}
		if m.GetTemplate() == "early-warning-alert" && m.GetSubject() != "Early warning: Alder Homes is now red" {
			t.Errorf("subject %q", m.GetSubject())
		}
	}
}
