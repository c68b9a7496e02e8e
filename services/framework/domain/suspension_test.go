package domain_test

import (
	"testing"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
)

func suspendCmd(provider string) domain.SuspendProvider {
	return domain.SuspendProvider{Actor: lead, Now: running, LotID: "lot-1", ProviderID: provider, Reason: "Inadequate Ofsted judgement"}
}

func reinstateCmd(provider string) domain.ReinstateProvider {
	return domain.ReinstateProvider{Actor: lead, Now: running, LotID: "lot-1", ProviderID: provider, Reason: "re-inspected Good"}
}

func TestSuspendAndReinstate(t *testing.T) {
	s := given(active()...).when(suspendCmd("acme-care")).thenEvents(t, suspended("acme-care"))
	if a, _ := s.Admission("lot-1", "acme-care"); !a.Suspended || a.SuspensionReason != "Inadequate Ofsted judgement" {
		t.Fatalf("after suspension: %+v", a)
	}
	history := append(active(), suspended("acme-care"))
	given(history...).when(suspendCmd("acme-care")).thenRule(t, domain.RuleAlreadySuspended)
	s = given(history...).when(reinstateCmd("acme-care")).thenEvents(t,
		&frameworkv1.ProviderReinstatedOnLot{FrameworkId: fwID, LotId: "lot-1", ProviderId: "acme-care", Reason: "re-inspected Good"})
	if a, _ := s.Admission("lot-1", "acme-care"); a.Suspended {
		t.Fatalf("after reinstatement: %+v", a)
	}
	given(active()...).when(reinstateCmd("acme-care")).thenRule(t, domain.RuleNotSuspended)
	// Awarded (not yet active) is enough.
	given(awarded()...).when(suspendCmd("bright-homes")).thenEvents(t, suspended("bright-homes"))
}

func TestSuspensionRules(t *testing.T) {
	given(active()...).when(suspendCmd("calm-care")).thenRule(t, domain.RuleNotAdmitted)
	given(active()...).when(reinstateCmd("calm-care")).thenRule(t, domain.RuleNotAdmitted)
	given(evaluated()...).when(domain.SuspendProvider{Actor: lead, Now: afterClose, LotID: "lot-1", ProviderID: "acme-care", Reason: "x"}).thenRule(t, domain.RuleNotAwarded)
	given(draft()...).when(suspendCmd("acme-care")).thenRule(t, domain.RuleNotAwarded)
	given(active()...).when(domain.SuspendProvider{Actor: lead, Now: running, LotID: "lot-9", ProviderID: "acme-care", Reason: "x"}).thenMissing(t, domain.MissingLot)
	given(active()...).when(domain.SuspendProvider{Actor: lead, Now: running, LotID: "lot-1", ProviderID: "acme-care"}).thenInvalid(t, "reason")
	given(active()...).when(domain.ReinstateProvider{Actor: lead, Now: running, LotID: "lot-1", ProviderID: "acme-care"}).thenInvalid(t, "reason")
	given(active()...).when(domain.SuspendProvider{Actor: acme, Now: running, LotID: "lot-1", ProviderID: "bright-homes", Reason: "rival"}).thenForbidden(t)
	given(terminated()...).when(suspendCmd("acme-care")).thenRule(t, domain.RuleEnded)
}
