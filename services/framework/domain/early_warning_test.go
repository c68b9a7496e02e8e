package domain_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
)

// The consortium's early-warning policy, acting on monitoring's risk levels.
var policy = domain.NewActor("service:framework", "consortium:north-west", domain.RoleConsortiumPolicy)

func riskCmd(provider string, suspend bool) domain.ApplyRiskAction {
	reason := "early-warning policy: risk green"
	if suspend {
		reason = "early-warning policy: risk red"
	}
	return domain.ApplyRiskAction{Actor: policy, Now: running, ProviderID: provider, Suspend: suspend, Reason: reason}
}

func policySuspended(lot, provider string) *frameworkv1.ProviderSuspendedFromLot {
	return &frameworkv1.ProviderSuspendedFromLot{FrameworkId: fwID, LotId: lot, ProviderId: provider, Reason: "early-warning policy: risk red", ByMonitoring: true}
}

func policyReinstated(lot, provider string) *frameworkv1.ProviderReinstatedOnLot {
	return &frameworkv1.ProviderReinstatedOnLot{FrameworkId: fwID, LotId: lot, ProviderId: provider, Reason: "early-warning policy: risk green", ByMonitoring: true}
}

// onTwoLots: an active framework with acme admitted to both lots and
// bright to lot-1.
func onTwoLots() []proto.Message {
	return concat(evaluated(), []proto.Message{
		&frameworkv1.FrameworkAwarded{FrameworkId: fwID, Reason: "best value", Lots: []*frameworkv1.LotAward{
			{LotId: "lot-1", Admitted: []*frameworkv1.AdmittedProvider{admitted("bright-homes", 1, 87, 500000), admitted("acme-care", 2, 86, 400000)}},
			{LotId: "lot-2", Admitted: []*frameworkv1.AdmittedProvider{admitted("acme-care", 1, 80, 90000)}},
		}},
		&frameworkv1.FrameworkActivated{FrameworkId: fwID, Reason: "contracts signed"},
	})
}

func TestRiskActionSuspendsOnEveryLot(t *testing.T) {
	s := given(onTwoLots()...).when(riskCmd("acme-care", true)).
		thenEvents(t, policySuspended("lot-1", "acme-care"), policySuspended("lot-2", "acme-care"))
	for _, lot := range []string{"lot-1", "lot-2"} {
		if a, _ := s.Admission(lot, "acme-care"); !a.Suspended || !a.ByMonitoring {
			t.Fatalf("%s after the policy's suspension: %+v", lot, a)
		}
	}
	if a, _ := s.Admission("lot-1", "bright-homes"); a.Suspended {
		t.Fatal("another provider was suspended")
	}
	s = given(concat(onTwoLots(), []proto.Message{policySuspended("lot-1", "acme-care"), policySuspended("lot-2", "acme-care")})...).
		when(riskCmd("acme-care", false)).thenEvents(t, policyReinstated("lot-1", "acme-care"), policyReinstated("lot-2", "acme-care"))
	for _, lot := range []string{"lot-1", "lot-2"} {
		if a, _ := s.Admission(lot, "acme-care"); a.Suspended || a.ByMonitoring {
			t.Fatalf("%s after the policy's reinstatement: %+v", lot, a)
		}
	}
}

// Red twice, or green for a provider the policy never suspended, changes
// nothing.
func TestRiskActionIsIdempotent(t *testing.T) {
	both := concat(onTwoLots(), []proto.Message{policySuspended("lot-1", "acme-care"), policySuspended("lot-2", "acme-care")})
	given(both...).when(riskCmd("acme-care", true)).thenEvents(t)
	given(onTwoLots()...).when(riskCmd("acme-care", false)).thenEvents(t)
	// A provider on no lot.
	given(onTwoLots()...).when(riskCmd("calm-care", true)).thenEvents(t)
}

// The policy lifts only its own suspensions, and suspends only where the
// lead has not.
func TestRiskActionLeavesTheLeadsSuspensions(t *testing.T) {
	byLead := concat(onTwoLots(), []proto.Message{suspended("acme-care")}) // lot-1, by the lead
	s := given(byLead...).when(riskCmd("acme-care", true)).thenEvents(t, policySuspended("lot-2", "acme-care"))
	if a, _ := s.Admission("lot-1", "acme-care"); a.ByMonitoring || a.SuspensionReason != "Inadequate Ofsted judgement" {
		t.Fatalf("the lead's suspension became the policy's: %+v", a)
	}
	given(concat(byLead, []proto.Message{policySuspended("lot-2", "acme-care")})...).when(riskCmd("acme-care", false)).
		thenEvents(t, policyReinstated("lot-2", "acme-care"))
	given(byLead...).when(riskCmd("acme-care", false)).thenEvents(t)
	// The lead may still lift the policy's suspension: the decision is recorded as theirs.
	given(concat(onTwoLots(), []proto.Message{policySuspended("lot-1", "acme-care")})...).when(reinstateCmd("acme-care")).
		thenEvents(t, &frameworkv1.ProviderReinstatedOnLot{FrameworkId: fwID, LotId: "lot-1", ProviderId: "acme-care", Reason: "re-inspected Good"})
}

// Lots are live from the award until the framework ends; before and after,
// the policy has nothing to do.
func TestRiskActionOnlyOnLiveLots(t *testing.T) {
	given(awarded()...).when(riskCmd("acme-care", true)).thenEvents(t, policySuspended("lot-1", "acme-care"))
	extended := append(active(), &frameworkv1.FrameworkExtended{FrameworkId: fwID, Months: 12, NewEnd: "2029-03-31"})
	given(extended...).when(riskCmd("acme-care", true)).thenEvents(t, policySuspended("lot-1", "acme-care"))
	for name, history := range map[string][]proto.Message{"draft": draft(), "open": open(), "evaluated": evaluated(), "terminated": terminated(), "expired": expired()} {
		t.Run(name, func(t *testing.T) {
			given(history...).when(riskCmd("acme-care", true)).thenEvents(t)
		})
	}
	wasSuspended := concat(active(), []proto.Message{policySuspended("lot-1", "acme-care"), &frameworkv1.FrameworkTerminated{FrameworkId: fwID, Reason: "x"}})
	given(wasSuspended...).when(riskCmd("acme-care", false)).thenEvents(t)
}

func TestRiskActionRules(t *testing.T) {
	given().when(riskCmd("acme-care", true)).thenMissing(t, domain.MissingFramework)
	byLead := riskCmd("acme-care", true)
	byLead.Actor = lead
	given(active()...).when(byLead).thenForbidden(t)
	other := riskCmd("acme-care", true)
	other.Actor = domain.NewActor("service:framework", "consortium:east", domain.RoleConsortiumPolicy)
	given(active()...).when(other).thenForbidden(t)
	noReason := riskCmd("acme-care", true)
	noReason.Reason = ""
	given(active()...).when(noReason).thenInvalid(t, "reason")
	given(active()...).when(riskCmd("", true)).thenInvalid(t, "provider_id")
}

func TestRiskActionSummary(t *testing.T) {
	summary, reason, lot, provider := domain.DecisionSummary(policySuspended("lot-1", "acme-care"))
	if !strings.Contains(summary, "early-warning policy") || reason != "early-warning policy: risk red" || lot != "lot-1" || provider != "acme-care" {
		t.Errorf("summary %q, reason %q, lot %q, provider %q", summary, reason, lot, provider)
	}
	if summary, _, _, _ := domain.DecisionSummary(suspended("acme-care")); strings.Contains(summary, "early-warning") {
		t.Errorf("the lead's suspension summarised as the policy's: %q", summary)
	}
}
