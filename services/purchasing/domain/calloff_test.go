package domain_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// Call-offs: framework fw-res's lot "lot-1" ranks bright-homes first and
// acme-care second; its prices go up to £4,500 a week.

func calloffChosen(method purchasingv1.CallOffMethod) *purchasingv1.CallOff {
	return &purchasingv1.CallOff{FrameworkId: "fw-res", LotId: "lot-1", Method: method, Ranking: []string{brightID, acmeID},
		Reason: "direct award to rank 1"}
}

func calloffFacts(change func(*domain.CallOffFacts)) *domain.CallOffFacts {
	f := &domain.CallOffFacts{CallOff: calloffChosen(purchasingv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD), Known: true, Member: true, Active: true,
		LotKnown: true, MaxPence: 450000, Consortium: nw}
	if change != nil {
		change(f)
	}
	return f
}

func calloffReferral(a domain.Actor, f *domain.CallOffFacts) domain.CreateReferral {
	c := createReferral(a, openDps(), need())
	c.CallOff = f
	return c
}

func calloffCreated() *purchasingv1.ReferralCreated {
	e := referralCreated()
	e.CallOff, e.CallOffMaxWeeklyPence = calloffChosen(purchasingv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD), 450000
	return e
}

func TestCreateReferralCallingOff(t *testing.T) {
	s := givenReferral().when(calloffReferral(commissioner, calloffFacts(nil))).thenEvents(t, calloffCreated(), referralMatched())
	if s.Created.GetCallOff().GetFrameworkId() != "fw-res" {
		t.Fatalf("call-off not kept: %v", s.Created)
	}
	// A member of the framework need not be one of the DPS: council 999
	// places through the framework.
	outside := calloffCreated()
	outside.Council = "999"
	givenReferral().when(calloffReferral(outsider, calloffFacts(nil))).thenEvents(t, outside, referralMatched())
}

func TestCreateReferralCallingOffRules(t *testing.T) {
	givenReferral().when(calloffReferral(commissioner, calloffFacts(func(f *domain.CallOffFacts) { f.Known = false }))).thenMissing(t, domain.MissingFramework)
	givenReferral().when(calloffReferral(commissioner, calloffFacts(func(f *domain.CallOffFacts) { f.Member = false }))).thenRule(t, domain.RuleCallOffNotMember)
	givenReferral().when(calloffReferral(commissioner, calloffFacts(func(f *domain.CallOffFacts) { f.Active = false }))).thenRule(t, domain.RuleFrameworkNotActive)
	givenReferral().when(calloffReferral(commissioner, calloffFacts(func(f *domain.CallOffFacts) { f.LotKnown = false }))).thenInvalid(t, "call_off.lot_id")
	givenReferral().when(calloffReferral(commissioner, calloffFacts(func(f *domain.CallOffFacts) {
		f.CallOff.Method = purchasingv1.CallOffMethod_CALL_OFF_METHOD_UNSPECIFIED
	}))).thenInvalid(t, "call_off.method")
	// Only a commissioner refers, call-off or not.
	givenReferral().when(calloffReferral(acme, calloffFacts(nil))).thenForbidden(t)
}

func TestMakeOfferWithinTheLotsPrices(t *testing.T) {
	history := []proto.Message{calloffCreated(), referralMatched()}
	// The referral's budget is £5,000; the lot's prices stop at £4,500.
	err := givenReferral(history...).when(offer(acmeResponder, "SC100001", 460000)).thenRule(t, domain.RuleOfferOverBudget)
	if want := "the framework lot's highest weekly price of £4,500.00"; !strings.Contains(err.Error(), want) {
		t.Fatalf("refusal %q does not name the lot's price", err)
	}
	givenReferral(history...).when(offer(acmeResponder, "SC100001", 450000)).thenOK(t)
}

func TestAwardPlacementRecordsTheCallOff(t *testing.T) {
	history := []proto.Message{calloffCreated(), referralMatched(), offerMade("off-1", acmeID, "SC100001", 450000, "2026-11-20")}
	evs, _ := givenReferral(history...).when(award(commissioner, "off-1", now)).thenOK(t)
	got := evs[0].(*purchasingv1.PlacementAwarded).GetCallOff()
	if !proto.Equal(got, calloffChosen(purchasingv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD)) {
		t.Fatalf("placement's call-off %v", got)
	}
	// Not a call-off: none recorded.
	evs, _ = givenReferral(threeOffers()...).when(award(commissioner, "off-1", now)).thenOK(t)
	if evs[0].(*purchasingv1.PlacementAwarded).GetCallOff() != nil {
		t.Fatal("a DPS placement records a call-off")
	}
}
