package server_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/purchasing/domain"
	"google.golang.org/protobuf/proto"
)

const calloffFW = "fw-residential2026"

// calloffFramework records, as the framework service would, a framework of
// the consortium whose members are 352 and 353, with lot "lot-1" ranking
// Pennine Pathways (B) first and Northern Lights (A) second, prices up to
// £4,800 a week; active unless asked otherwise.
func (h *harness) calloffFramework(active bool) {
	h.t.Helper()
	stream := eventstore.StreamID{Context: "framework", Aggregate: "framework", ID: calloffFW}
	meta := eventstore.Metadata{Actor: eventstore.Actor{Subject: "amara.okafor", Organisation: "consortium:" + consortium, Role: "consortium_lead"}}
	events := []proto.Message{
		&frameworkv1.FrameworkDrafted{FrameworkId: calloffFW, Consortium: consortium, Terms: &frameworkv1.FrameworkTerms{
			Title: "Residential framework 2026", Category: frameworkv1.Category_CATEGORY_RESIDENTIAL, MemberCouncils: []string{"352", "353"},
			Lots: []*frameworkv1.LotTerms{{LotId: "lot-1", Name: "Greater Manchester", PriceBand: &frameworkv1.PriceBand{MaxWeeklyPence: 480000}}}}},
		&frameworkv1.FrameworkAwarded{FrameworkId: calloffFW, Lots: []*frameworkv1.LotAward{{LotId: "lot-1", Admitted: []*frameworkv1.AdmittedProvider{
			{ProviderId: provB, Rank: 1, TotalScore: 88}, {ProviderId: provA, Rank: 2, TotalScore: 81}}}}},
	}
	if active {
		events = append(events, &frameworkv1.FrameworkActivated{FrameworkId: calloffFW})
	}
	if _, err := h.store.Append(h.Ctx, stream, eventstore.Any, meta, events...); err != nil {
		h.t.Fatal(err)
	}
	h.settle()
}

func calloffRequest(reqID, dpsID string, method purchasingv1.CallOffMethod) *purchasingv1.CreateReferralRequest {
	return &purchasingv1.CreateReferralRequest{RequestId: reqID, DpsId: dpsID, Need: standardNeed(),
		CallOff: &purchasingv1.CallOff{FrameworkId: calloffFW, LotId: "lot-1", Method: method}}
}

// Direct award: Pennine Pathways ranks first but has withdrawn its
// vacancies, so the referral goes to Northern Lights alone, recording the
// ranking and why Pennine was passed over; Northern Lights reads neither;
// Pennine does not see the referral; Oldham Oaks (on the DPS, not the lot)
// is not asked. The award records the call-off.
func TestCallOffByDirectAward(t *testing.T) {
	h := newHarness(t)
	dpsID := h.market()
	h.calloffFramework(true)
	for _, urn := range []string{heatonNorth, ribbleView} {
		must(h.responder(provB).WithdrawVacancy(h.Ctx, &purchasingv1.WithdrawVacancyRequest{RequestId: "calloff-withdraw-" + urn, ProviderId: provB, Urn: urn,
			Reason: "full until the spring"})).OK(t)
	}
	h.settle()
	manchester := h.council("352")
	res := must(manchester.CreateReferral(h.Ctx, calloffRequest("calloff-direct-1", dpsID, purchasingv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD))).OK(t)
	ref := res.GetId()
	v := must(manchester.GetReferral(h.Ctx, &purchasingv1.GetReferralRequest{ReferralId: ref, MinPosition: res.GetPosition()})).OK(t)
	for _, m := range v.GetMatches() {
		if m.GetProviderId() != provA {
			t.Errorf("direct award sent to %s's %s", m.GetProviderId(), m.GetSettingUrn())
		}
	}
	if len(v.GetMatches()) == 0 {
		t.Fatal("the direct award went to nobody")
	}
	co := v.GetCallOff()
	if co.GetMethod() != purchasingv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD || strings.Join(co.GetRanking(), ",") != provB+","+provA {
		t.Fatalf("call-off %v", co)
	}
	for _, want := range []string{"Direct award to rank 2 Northern Lights", "Passed over: rank 1 Pennine Pathways", "no setting could take the child", "Heaton Norris House: "} {
		if !strings.Contains(co.GetReason(), want) {
			t.Errorf("reason %q lacks %q", co.GetReason(), want)
		}
	}
	// The provider reads the framework and lot, not the ranking or why.
	pv := must(h.responder(provA).GetReferral(h.Ctx, &purchasingv1.GetReferralRequest{ReferralId: ref})).OK(t)
	if pc := pv.GetCallOff(); pc.GetFrameworkId() != calloffFW || len(pc.GetRanking()) != 0 || pc.GetReason() != "" {
		t.Errorf("provider reads call-off %v", pc)
	}
	_, err := h.responder(provB).GetReferral(h.Ctx, &purchasingv1.GetReferralRequest{ReferralId: ref})
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = h.responder(provE).GetReferral(h.Ctx, &purchasingv1.GetReferralRequest{ReferralId: ref})
	servicetest.WantCode(t, err, codes.NotFound)

	// Within the lot's prices (up to £4,800), then awarded: the placement
	// records the call-off.
	_, err = h.responder(provA).MakeOffer(h.Ctx, offerRequest(ref, fallowfield, 490000, h.today()))
	servicetest.WantRule(t, err, domain.RuleOfferOverBudget)
	off := h.offer(provA, ref, fallowfield, 470000, h.today())
	must(h.vacAward("calloff-award-1", ref, off.GetOfferId())).OK(t)
	placed := h.vacAwardEvent(ref).Event.(*purchasingv1.PlacementAwarded)
	if !proto.Equal(placed.GetCallOff(), co) {
		t.Errorf("placement's call-off %v, want %v", placed.GetCallOff(), co)
	}
}

// Further competition goes to every lot provider that can take the child,
// and no one else; who may call off, and malformed call-offs.
func TestCallOffByFurtherCompetitionAndWhoMay(t *testing.T) {
	h := newHarness(t)
	dpsID := h.market()
	h.calloffFramework(false)
	further := purchasingv1.CallOffMethod_CALL_OFF_METHOD_FURTHER_COMPETITION

	// Not yet in force.
	_, err := h.council("352").CreateReferral(h.Ctx, calloffRequest("calloff-inactive", dpsID, further))
	servicetest.WantRule(t, err, domain.RuleFrameworkNotActive)
	stream := eventstore.StreamID{Context: "framework", Aggregate: "framework", ID: calloffFW}
	if _, err := h.store.Append(h.Ctx, stream, eventstore.Any, eventstore.Metadata{Actor: eventstore.Actor{Subject: "amara.okafor", Organisation: "consortium:" + consortium, Role: "consortium_lead"}},
		&frameworkv1.FrameworkActivated{FrameworkId: calloffFW}); err != nil {
		t.Fatal(err)
	}
	h.settle()

	res := must(h.council("353").CreateReferral(h.Ctx, calloffRequest("calloff-further-1", dpsID, further))).OK(t)
	v := must(h.council("353").GetReferral(h.Ctx, &purchasingv1.GetReferralRequest{ReferralId: res.GetId(), MinPosition: res.GetPosition()})).OK(t)
	providers := map[string]bool{}
	for _, m := range v.GetMatches() {
		providers[m.GetProviderId()] = true
	}
	if len(providers) != 2 || !providers[provA] || !providers[provB] {
		t.Fatalf("further competition went to %v, want the lot's two providers", providers)
	}
	if !strings.Contains(v.GetCallOff().GetReason(), "Further competition among the lot's 2 providers") {
		t.Errorf("reason %q", v.GetCallOff().GetReason())
	}

	// A council outside the framework may not call off from it (999 is on
	// neither); another consortium's framework id is not found.
	_, err = h.council("999").CreateReferral(h.Ctx, calloffRequest("calloff-outsider", dpsID, further))
	servicetest.WantRule(t, err, domain.RuleCallOffNotMember)
	unknown := calloffRequest("calloff-unknown", dpsID, further)
	unknown.CallOff.FrameworkId = "fw-nowhere"
	_, err = h.council("352").CreateReferral(h.Ctx, unknown)
	servicetest.WantCode(t, err, codes.NotFound)
	// Malformed: no method, or a lot the framework lacks.
	_, err = h.council("352").CreateReferral(h.Ctx, calloffRequest("calloff-no-method", dpsID, purchasingv1.CallOffMethod_CALL_OFF_METHOD_UNSPECIFIED))
	if got := servicetest.FieldViolations(t, err); len(got) != 1 || got[0] != "call_off.method" {
		t.Errorf("no method: violations %v", got)
	}
	noLot := calloffRequest("calloff-no-lot", dpsID, further)
	noLot.CallOff.LotId = "lot-9"
	_, err = h.council("352").CreateReferral(h.Ctx, noLot)
	if got := servicetest.FieldViolations(t, err); len(got) != 1 || got[0] != "call_off.lot_id" {
		t.Errorf("unknown lot: violations %v", got)
	}
	// A provider may not refer at all.
	_, err = h.responder(provA).CreateReferral(h.Ctx, calloffRequest("calloff-provider", dpsID, further))
	servicetest.WantCode(t, err, codes.PermissionDenied)
}
