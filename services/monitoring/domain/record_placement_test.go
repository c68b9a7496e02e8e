package domain_test

import (
	"testing"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

func recording(start, end string, member bool) domain.RecordPlacement {
	return domain.RecordPlacement{Actor: commissioner, Now: now, ContractID: "rp-1", Facts: oakFacts(), Consortium: nw, Member: member,
		StartDate: start, ExpectedEndDate: end, WeeklyPricePence: 1150000, CategoryID: "residential"}
}

// A spot placement made outside the platform comes under monitoring like
// an awarded one, marked as recorded.
func TestRecordPlacement(t *testing.T) {
	s := when(givenContract(), domain.DecideRecordPlacement, recording("2026-05-04", "2027-05-03", true)).thenEvents(t, &monitoringv1.ContractStarted{
		ContractId: "rp-1", Kind: monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT, Consortium: nw, Council: placingLA, ProviderId: acmeID,
		SettingUrn: oakURN, StartDate: "2026-05-04", ExpectedEndDate: "2027-05-03", WeeklyPricePence: 1150000, PlacementId: "rp-1",
		CategoryId: "residential", Source: "recorded",
	})
	// It can then be ended and have outcomes like any placement.
	if _, err := domain.DecideEndPlacement(s, ending(commissioner, today, "E4A")); err != nil {
		t.Fatalf("ending a recorded placement: %v", err)
	}
	// Recorded again (a retry that got past the request id): nothing new.
	when(givenContract(placementStarted()), domain.DecideRecordPlacement, recording("2026-05-04", "", true)).thenNothing(t)
}

func TestRecordPlacementRules(t *testing.T) {
	when(givenContract(), domain.DecideRecordPlacement, recording("2026-05-04", "", false)).thenRule(t, domain.RuleNotMember)
	when(givenContract(), domain.DecideRecordPlacement, recording(tomorrow, "", true)).thenRule(t, domain.RuleDateInFuture)
	when(givenContract(), domain.DecideRecordPlacement, recording("2026-05-04", "2026-05-01", true)).thenRule(t, domain.RuleEndBeforeStart)
}
