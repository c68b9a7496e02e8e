package domain_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
)

var calloffAwardedAt = time.Date(2026, 6, 1, 9, 30, 0, 0, time.UTC)

// calloffDirect: council 352 placed with bright-homes, first in lot-1's
// ranking, by direct award.
func calloffDirect() domain.CallOff {
	return domain.CallOff{PlacementID: "pl-1", ReferralID: "ref-1", LotID: "lot-1", Council: "352", ProviderID: "bright-homes",
		Method: frameworkv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD, Ranking: []string{"bright-homes", "acme-care"},
		Reason: "Bright Homes ranks first and has a suitable vacancy", AwardedAt: calloffAwardedAt}
}

func recordCallOff(co domain.CallOff) domain.RecordCallOff {
	return domain.RecordCallOff{Actor: commission, Now: running, CallOff: co}
}

func calloffRecorded() *frameworkv1.CallOffRecorded {
	return &frameworkv1.CallOffRecorded{FrameworkId: fwID, LotId: "lot-1", Council: "352", ProviderId: "bright-homes",
		Method: frameworkv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD, Ranking: []string{"bright-homes", "acme-care"},
		Reason: "Bright Homes ranks first and has a suitable vacancy", PlacementId: "pl-1", ReferralId: "ref-1",
		AwardedAt: timestamppb.New(calloffAwardedAt)}
}

func TestACallOffIsRecordedOncePerPlacement(t *testing.T) {
	s := given(active()...).when(recordCallOff(calloffDirect())).thenEvents(t, calloffRecorded())
	if !s.CallOffRecorded("pl-1") {
		t.Fatal("the state does not know the call-off of pl-1")
	}
	// The same placement again (a redelivered award) decides nothing.
	given(append(active(), calloffRecorded())...).when(recordCallOff(calloffDirect())).thenEvents(t)
	// Another placement is another call-off, by further competition too.
	fc := calloffDirect()
	fc.PlacementID, fc.Method, fc.ProviderID = "pl-2", frameworkv1.CallOffMethod_CALL_OFF_METHOD_FURTHER_COMPETITION, "acme-care"
	want := calloffRecorded()
	want.PlacementId, want.Method, want.ProviderId = "pl-2", frameworkv1.CallOffMethod_CALL_OFF_METHOD_FURTHER_COMPETITION, "acme-care"
	given(append(active(), calloffRecorded())...).when(recordCallOff(fc)).thenEvents(t, want)
}

func TestACallOffIsAFactRecordedInAnyState(t *testing.T) {
	// Purchasing decides the placement; the framework records what happened,
	// even on a framework that has ended since.
	given(awarded()...).when(recordCallOff(calloffDirect())).thenEvents(t, calloffRecorded())
	given(terminated()...).when(recordCallOff(calloffDirect())).thenEvents(t, calloffRecorded())
}

func TestCallOffRefusals(t *testing.T) {
	given().when(recordCallOff(calloffDirect())).thenMissing(t, domain.MissingFramework)
	noLot := calloffDirect()
	noLot.LotID = "lot-9"
	given(active()...).when(recordCallOff(noLot)).thenMissing(t, domain.MissingLot)
	// Only the council that placed: not another council, not the lead.
	other := domain.NewActor("u-353", "council:353", "council_commissioner")
	given(active()...).when(domain.RecordCallOff{Actor: other, Now: running, CallOff: calloffDirect()}).thenForbidden(t)
	given(active()...).when(domain.RecordCallOff{Actor: lead, Now: running, CallOff: calloffDirect()}).thenForbidden(t)
	noMethod := calloffDirect()
	noMethod.Method = frameworkv1.CallOffMethod_CALL_OFF_METHOD_UNSPECIFIED
	given(active()...).when(recordCallOff(noMethod)).thenInvalid(t, "method")
	noPlacement := calloffDirect()
	noPlacement.PlacementID = ""
	given(active()...).when(recordCallOff(noPlacement)).thenInvalid(t, "placement_id")
}

func TestTheDecisionLogShowsACallOff(t *testing.T) {
	summary, reason, lot, provider := domain.DecisionSummary(calloffRecorded())
	if !strings.Contains(summary, "Council 352 called off from lot lot-1 by direct award") || reason != "Bright Homes ranks first and has a suitable vacancy" ||
		lot != "lot-1" || provider != "bright-homes" {
		t.Fatalf("call-off summary %q %q %q %q", summary, reason, lot, provider)
	}
}
