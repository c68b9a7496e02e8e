package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// The consortium's early-warning policy, acting on monitoring's risk levels.
var policy = domain.Actor{Subject: "service:purchasing", Organisation: "consortium:north-west", Role: domain.RoleConsortiumPolicy}

const oakURN = "SC100001"

func haltCmd(urn string) domain.SuspendMatching {
	return domain.SuspendMatching{Actor: policy, Now: now, ProviderID: acmeID, SettingURN: urn, Suspend: true,
		Reason: "monitoring: risk red", RiskLevel: "red"}
}

func liftCmd(urn string) domain.SuspendMatching {
	return domain.SuspendMatching{Actor: policy, Now: now, ProviderID: acmeID, SettingURN: urn,
		Reason: "monitoring: risk green", RiskLevel: "green"}
}

func halted(urn string) *purchasingv1.MatchingSuspended {
	return &purchasingv1.MatchingSuspended{DpsId: dpsID, ProviderId: acmeID, SettingUrn: urn, Consortium: nw,
		Reason: "monitoring: risk red", RiskLevel: "red"}
}

func lifted(urn string) *purchasingv1.MatchingReinstated {
	return &purchasingv1.MatchingReinstated{DpsId: dpsID, ProviderId: acmeID, SettingUrn: urn, Consortium: nw,
		Reason: "monitoring: risk green", RiskLevel: "green"}
}

func with(history []proto.Message, more ...proto.Message) []proto.Message {
	return append(append([]proto.Message(nil), history...), more...)
}

func TestSuspendMatchingSetting(t *testing.T) {
	s := givenDps(acmeAdmitted()...).when(haltCmd(oakURN)).thenEvents(t, halted(oakURN))
	if why, ok := s.Halts[acmeID][oakURN]; !ok || why != "monitoring: risk red" {
		t.Fatalf("halts after suspending a setting: %v", s.Halts)
	}
	// The membership is the lead's business: untouched.
	if !s.Admitted(acmeID, "residential") || !s.Admitted(acmeID, "fostering") {
		t.Fatal("a suspension from matching changed the membership")
	}
	s = givenDps(with(acmeAdmitted(), halted(oakURN))...).when(liftCmd(oakURN)).thenEvents(t, lifted(oakURN))
	if _, ok := s.Halts[acmeID][oakURN]; ok {
		t.Fatalf("halts after reinstating: %v", s.Halts)
	}
}

func TestSuspendMatchingProvider(t *testing.T) {
	s := givenDps(acmeAdmitted()...).when(haltCmd("")).thenEvents(t, halted(""))
	if _, ok := s.Halts[acmeID][""]; !ok {
		t.Fatalf("halts after suspending the provider: %v", s.Halts)
	}
	givenDps(with(acmeAdmitted(), halted(""))...).when(liftCmd("")).thenEvents(t, lifted(""))
}

// A risk level delivered twice, or a green for a provider never suspended,
// changes nothing: the policy may apply it to every DPS, again.
func TestSuspendMatchingIsIdempotent(t *testing.T) {
	givenDps(with(acmeAdmitted(), halted(oakURN))...).when(haltCmd(oakURN)).thenEvents(t)
	givenDps(with(acmeAdmitted(), halted(""))...).when(haltCmd("")).thenEvents(t)
	givenDps(acmeAdmitted()...).when(liftCmd(oakURN)).thenEvents(t)
	givenDps(acmeAdmitted()...).when(liftCmd("")).thenEvents(t)
	givenDps(with(acmeAdmitted(), halted(oakURN), lifted(oakURN))...).when(liftCmd(oakURN)).thenEvents(t)
}

// Provider-wide and setting-level suspensions are separate: lifting one
// leaves the other.
func TestSuspendMatchingScopesAreSeparate(t *testing.T) {
	both := with(acmeAdmitted(), halted(oakURN), halted(""))
	s := givenDps(both...).when(liftCmd("")).thenEvents(t, lifted(""))
	if _, ok := s.Halts[acmeID][oakURN]; !ok {
		t.Fatal("lifting the provider-wide suspension lifted the setting's")
	}
	s = givenDps(both...).when(liftCmd(oakURN)).thenEvents(t, lifted(oakURN))
	if _, ok := s.Halts[acmeID][""]; !ok {
		t.Fatal("lifting the setting's suspension lifted the provider-wide one")
	}
	// A provider already suspended as a whole can still have a setting suspended.
	givenDps(with(acmeAdmitted(), halted(""))...).when(haltCmd(oakURN)).thenEvents(t, halted(oakURN))
}

// Only providers on the DPS are suspended; a lift needs only a suspension.
func TestSuspendMatchingNeedsAnAdmission(t *testing.T) {
	givenDps(openDps()...).when(haltCmd("")).thenEvents(t)
	givenDps(acmeApplied()...).when(haltCmd(oakURN)).thenEvents(t)
	removed := &purchasingv1.ProviderRemoved{DpsId: dpsID, ProviderId: acmeID, Reason: "excluded"}
	givenDps(with(acmeAdmitted(), removed)...).when(haltCmd("")).thenEvents(t)
	givenDps(with(acmeAdmitted(), halted(""), removed)...).when(liftCmd("")).thenEvents(t, lifted(""))
	// A closed DPS matches nothing.
	givenDps(with(acmeAdmitted(), &purchasingv1.DpsClosed{DpsId: dpsID})...).when(haltCmd("")).thenEvents(t)
	// Admitted in one category is enough.
	givenDps(with(acmeApplied(), admittedTo(acmeID, "residential"))...).when(haltCmd("")).thenEvents(t, halted(""))
}

// The lead's suspension and the policy's never lift each other.
func TestSuspendMatchingAndTheLeadsSuspension(t *testing.T) {
	// Red while the lead has the provider suspended: recorded, so that it
	// outlasts the lead's reinstatement.
	manual := with(acmeAdmitted(), suspended(""))
	s := givenDps(manual...).when(haltCmd("")).thenEvents(t, halted(""))
	s = givenDps(with(manual, halted(""))...).when(reinstate("")).
		thenEvents(t, &purchasingv1.ProviderReinstated{DpsId: dpsID, ProviderId: acmeID, Reason: "re-inspected Good"})
	if _, ok := s.Halts[acmeID][""]; !ok {
		t.Fatal("the lead's reinstatement lifted the policy's suspension")
	}
	// Green lifts the policy's suspension only: the lead's stands.
	s = givenDps(with(manual, halted(""))...).when(liftCmd("")).thenEvents(t, lifted(""))
	if s.Admitted(acmeID, "residential") || membership(t, s, "residential") != purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_SUSPENDED {
		t.Fatalf("the policy's reinstatement lifted the lead's suspension: %v", membership(t, s, "residential"))
	}
	// Green with only the lead's suspension: nothing.
	givenDps(manual...).when(liftCmd("")).thenEvents(t)
}

func TestSuspendMatchingRules(t *testing.T) {
	givenDps().when(haltCmd("")).thenMissing(t, domain.MissingDps)
	byLead := haltCmd("")
	byLead.Actor = lead
	givenDps(acmeAdmitted()...).when(byLead).thenForbidden(t)
	otherPolicy := haltCmd("")
	otherPolicy.Actor = domain.Actor{Subject: "service:purchasing", Organisation: "consortium:east", Role: domain.RoleConsortiumPolicy}
	givenDps(acmeAdmitted()...).when(otherPolicy).thenForbidden(t)
	noProvider := haltCmd("")
	noProvider.ProviderID = ""
	givenDps(acmeAdmitted()...).when(noProvider).thenInvalid(t, "provider_id")
}

func TestMatchHaltedSetting(t *testing.T) {
	n, r, cand := need(), matchRules(), candidate(t, acmeID, oakURN, "M1")
	cand.Halted, cand.HaltReason = true, "monitoring: risk red for setting SC100001 (Ofsted: Inadequate)"
	s := search(t, n, r)
	ok, reasons := s.Explain(cand)
	if ok {
		t.Fatal("a halted setting is eligible")
	}
	want := "suspended from matching under the consortium's early-warning policy: monitoring: risk red for setting SC100001 (Ofsted: Inadequate)"
	if first := reasons[0]; first.GetCriterion() != domain.CriterionEarlyWarning || first.GetMet() || first.GetDetail() != want {
		t.Fatalf("first reason %v, want early_warning %q", first, want)
	}
	if got := s.Match([]domain.Candidate{cand}); len(got) != 0 {
		t.Fatalf("Match kept a halted setting: %v", got)
	}
}
