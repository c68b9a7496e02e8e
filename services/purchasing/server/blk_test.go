package server_test

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/purchasing/domain"
	"github.com/carecoop/carecoop/services/purchasing/grpcapi"
)

// blkClient is a caller's connection to BlockContractService.
func (h *harness) blkAs(c *caller) purchasingv1.BlockContractServiceClient {
	h.t.Helper()
	return purchasingv1.NewBlockContractServiceClient(h.Dial(h.svc.Addr.String(), h.Token(c.Subject, c.Org, c.Role)))
}

func blkRequest(reqID, provider, urn string, places uint32, kind purchasingv1.BlockKind) *purchasingv1.ReserveCapacityRequest {
	return &purchasingv1.ReserveCapacityRequest{RequestId: reqID, ProviderId: provider,
		Settings: []*purchasingv1.ReservedSetting{{Urn: urn, Places: places}}, StartsOn: "2026-11-23", EndsOn: "2027-11-22",
		WeeklyPricePence: 350000, Kind: kind, Note: "Two-year pilot of reserved places in Oldham"}
}

const (
	blkSoft  = purchasingv1.BlockKind_BLOCK_KIND_SOFT_BLOCK
	blkBlock = purchasingv1.BlockKind_BLOCK_KIND_BLOCK
)

// Reserving, deciding and reading a contract, by each party and by the
// parties that may not.
func TestBlkContractRolesAndValidation(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	h.market()
	lead, other := h.blkAs(h.lead()), h.blkAs(h.otherLead())
	manchester, stockport := h.blkAs(h.council("352")), h.blkAs(h.council("353"))
	adminE, adminB, responderE := h.blkAs(h.admin(provE)), h.blkAs(h.admin(provB)), h.blkAs(h.responder(provE))
	viewer := h.blkAs(h.as("viewer.352", auth.CouncilOrg("352"), auth.CouncilViewer))

	// Malformed requests: every bad field named.
	bad := blkRequest("blk-bad-0001", provE, "", 0, 0)
	bad.WeeklyPricePence, bad.StartsOn = 0, "23/11/2026"
	_, err := lead.ReserveCapacity(ctx, bad)
	got := servicetest.FieldViolations(t, err)
	for _, want := range []string{"settings[0].urn", "settings[0].places", "weekly_price_pence", "kind", "starts_on"} {
		if !slices.Contains(got, want) {
			t.Errorf("violations %v lack %s", got, want)
		}
	}
	// A setting of another provider, more places than registered, a term backwards.
	_, err = lead.ReserveCapacity(ctx, blkRequest("blk-bad-0002", provE, heatonNorth, 1, blkSoft))
	if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"settings[0].urn"}) {
		t.Errorf("another provider's setting: violations %v", got)
	}
	_, err = lead.ReserveCapacity(ctx, blkRequest("blk-bad-0003", provE, oaksView, 5, blkSoft))
	if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"settings[0].places"}) {
		t.Errorf("more places than registered: violations %v", got)
	}
	backwards := blkRequest("blk-bad-0004", provE, oaksView, 1, blkSoft)
	backwards.EndsOn = "2026-11-01"
	_, err = lead.ReserveCapacity(ctx, backwards)
	if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"ends_on"}) {
		t.Errorf("term backwards: violations %v", got)
	}
	_, err = lead.ReserveCapacity(ctx, blkRequest("blk-bad-0005", "no-such-provider", oaksView, 1, blkSoft))
	servicetest.WantCode(t, err, codes.NotFound)

	// Wrong roles.
	_, err = responderE.ReserveCapacity(ctx, blkRequest("blk-wrong-0001", provE, oaksView, 1, blkSoft))
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = viewer.ReserveCapacity(ctx, blkRequest("blk-wrong-0002", provE, oaksView, 1, blkSoft))
	servicetest.WantCode(t, err, codes.PermissionDenied)

	// The lead reserves for the consortium; Manchester for itself, through the consortium.
	cons := must(lead.ReserveCapacity(ctx, blkRequest("blk-nw-oaks-0001", provE, oaksView, 1, blkSoft))).OK(t)
	mine := blkRequest("blk-352-ribble-0001", provB, ribbleView, 2, blkBlock)
	mine.Consortium = consortium
	own := must(manchester.ReserveCapacity(ctx, mine)).OK(t)
	notMember := blkRequest("blk-999-0001", provE, oaksView, 1, blkSoft)
	notMember.Consortium = consortium
	_, err = h.blkAs(h.council("999")).ReserveCapacity(ctx, notMember)
	servicetest.WantRule(t, err, domain.RuleBlkCouncilNotMember)
	noConsortium := blkRequest("blk-352-none-0001", provE, oaksView, 1, blkSoft)
	_, err = manchester.ReserveCapacity(ctx, noConsortium)
	if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"consortium"}) {
		t.Errorf("a council without its consortium: violations %v", got)
	}

	// The provider decides; nobody else may.
	_, err = adminB.AcceptBlockContract(ctx, &purchasingv1.DecideBlockContractRequest{RequestId: "accept-by-b-0001", ContractId: cons.GetId()})
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = responderE.AcceptBlockContract(ctx, &purchasingv1.DecideBlockContractRequest{RequestId: "accept-by-r-0001", ContractId: cons.GetId()})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = lead.AcceptBlockContract(ctx, &purchasingv1.DecideBlockContractRequest{RequestId: "accept-by-l-0001", ContractId: cons.GetId()})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = adminE.AcceptBlockContract(ctx, &purchasingv1.DecideBlockContractRequest{RequestId: "accept-stale-0001", ContractId: cons.GetId(), ExpectedVersion: 7})
	servicetest.WantCode(t, err, codes.Aborted)
	acc := must(adminE.AcceptBlockContract(ctx, &purchasingv1.DecideBlockContractRequest{RequestId: "accept-e-0001", ContractId: cons.GetId(), ExpectedVersion: 1})).OK(t)
	_, err = h.blkAs(h.admin(provB)).DeclineBlockContract(ctx, &purchasingv1.DecideBlockContractRequest{RequestId: "decline-b-0001", ContractId: own.GetId()})
	if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"reason"}) {
		t.Errorf("a decline without a reason: violations %v", got)
	}
	dec := must(adminB.DeclineBlockContract(ctx, &purchasingv1.DecideBlockContractRequest{RequestId: "decline-b-0002", ContractId: own.GetId(),
		Reason: "Ribble View is committed to a sibling group until March"})).OK(t)

	// Who reads what.
	pos := max(acc.GetPosition(), dec.GetPosition())
	v := must(adminE.GetBlockContract(ctx, &purchasingv1.GetBlockContractRequest{ContractId: cons.GetId(), MinPosition: pos})).OK(t)
	if v.GetStatus() != purchasingv1.BlockContractStatus_BLOCK_CONTRACT_STATUS_ACCEPTED || v.GetPlaces() != 1 || v.GetSettings()[0].GetName() != "Oaks View" ||
		v.GetBuyer() != "consortium:"+consortium || v.GetProviderName() != "Oldham Oaks Care Ltd" || v.GetVersion() != 2 {
		t.Fatalf("the provider reads %v", v)
	}
	for name, c := range map[string]purchasingv1.BlockContractServiceClient{"another consortium": other, "another provider": adminB, "a member council": manchester} {
		_, err := c.GetBlockContract(ctx, &purchasingv1.GetBlockContractRequest{ContractId: cons.GetId(), MinPosition: pos})
		t.Log(name)
		servicetest.WantCode(t, err, codes.NotFound)
		_, err = c.GetBlockUtilisation(ctx, &purchasingv1.GetBlockUtilisationRequest{ContractId: cons.GetId(), MinPosition: pos})
		servicetest.WantCode(t, err, codes.NotFound)
	}
	_, err = lead.GetBlockContract(ctx, &purchasingv1.GetBlockContractRequest{ContractId: "not an id"})
	servicetest.WantCode(t, err, codes.InvalidArgument)
	list := func(c purchasingv1.BlockContractServiceClient) []string {
		var ids []string
		for _, v := range must(c.ListBlockContracts(ctx, &purchasingv1.ListBlockContractsRequest{MinPosition: pos})).OK(t).GetContracts() {
			ids = append(ids, v.GetContractId())
		}
		return ids
	}
	for name, tc := range map[string]struct {
		c    purchasingv1.BlockContractServiceClient
		want []string
	}{
		"the lead (both: Manchester buys through it)": {lead, []string{own.GetId(), cons.GetId()}},
		"Manchester":                {manchester, []string{own.GetId()}},
		"Manchester's viewer":       {viewer, []string{own.GetId()}},
		"Stockport":                 {stockport, nil},
		"Oldham Oaks":               {adminE, []string{cons.GetId()}},
		"Pennine Pathways":          {adminB, []string{own.GetId()}},
		"another consortium's lead": {other, nil},
	} {
		if got := list(tc.c); !slices.Equal(got, tc.want) {
			t.Errorf("%s lists %v, want %v", name, got, tc.want)
		}
	}
	declined := must(manchester.GetBlockContract(ctx, &purchasingv1.GetBlockContractRequest{ContractId: own.GetId(), MinPosition: pos})).OK(t)
	if declined.GetStatus() != purchasingv1.BlockContractStatus_BLOCK_CONTRACT_STATUS_DECLINED || declined.GetReason() == "" || declined.GetCouncil() != "352" {
		t.Fatalf("Manchester reads its declined contract as %v", declined)
	}

	// Ending: only the buyer, within the term.
	end := &purchasingv1.EndBlockContractRequest{RequestId: "end-nw-0001", ContractId: cons.GetId(), EndsOn: "2027-03-31", Reason: "the pilot ends with the financial year"}
	_, err = other.EndBlockContract(ctx, end)
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = manchester.EndBlockContract(ctx, end)
	servicetest.WantCode(t, err, codes.NotFound)
	late := &purchasingv1.EndBlockContractRequest{RequestId: "end-nw-0002", ContractId: cons.GetId(), EndsOn: "2028-03-31", Reason: "after the term"}
	_, err = lead.EndBlockContract(ctx, late)
	servicetest.WantRule(t, err, domain.RuleBlkEndWithinTerm)
	ended := must(lead.EndBlockContract(ctx, end)).OK(t)
	v = must(adminE.GetBlockContract(ctx, &purchasingv1.GetBlockContractRequest{ContractId: cons.GetId(), MinPosition: ended.GetPosition()})).OK(t)
	if v.GetStatus() != purchasingv1.BlockContractStatus_BLOCK_CONTRACT_STATUS_ENDED || v.GetEndsOn() != "2027-03-31" {
		t.Fatalf("ended contract reads %v", v)
	}
}

// matchOrder is the settings a referral was sent to, in rank order.
func (h *harness) blkMatchOrder(c *caller, res *purchasingv1.CommandResponse) []string {
	h.t.Helper()
	r := must(c.GetReferral(h.Ctx, &purchasingv1.GetReferralRequest{ReferralId: res.GetId(), MinPosition: res.GetPosition()})).OK(h.t)
	var out []string
	for i, m := range r.GetMatches() {
		if m.GetRank() != uint32(i+1) {
			h.t.Errorf("match %s ranked %d at %d", m.GetSettingUrn(), m.GetRank(), i+1)
		}
		out = append(out, m.GetSettingUrn())
	}
	return out
}

// A referral from a buyer a contract covers is offered to the reserved
// place first, while the place is free; the placement made there is
// counted under the contract, and what its empty days cost is reported
// per week.
func TestBlkReservedPlaceIsOfferedFirstAndCounted(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market()
	lead, adminE := h.blkAs(h.lead()), h.blkAs(h.admin(provE))
	nearestFirst := []string{fallowfield, heatonNorth, oaksView, ribbleView}
	oaksFirst := []string{oaksView, fallowfield, heatonNorth, ribbleView}

	// Oaks View (third by distance from M14) is reserved for the consortium:
	// one place, paid for while empty.
	cons := must(lead.ReserveCapacity(ctx, blkRequest("blk-nw-oaks-0001", provE, oaksView, 1, blkBlock))).OK(t)
	// Manchester reserves Ribble View for itself.
	mine := blkRequest("blk-352-ribble-0001", provB, ribbleView, 1, blkSoft)
	mine.Consortium = consortium
	own := must(h.blkAs(h.council("352")).ReserveCapacity(ctx, mine)).OK(t)

	// Not yet accepted: nothing is reserved.
	if got := h.blkMatchOrder(h.council("352"), h.refer(dpsID, "referral-blk-0001", standardNeed())); !slices.Equal(got, nearestFirst) {
		t.Fatalf("before acceptance: %v, want %v", got, nearestFirst)
	}
	must(adminE.AcceptBlockContract(ctx, &purchasingv1.DecideBlockContractRequest{RequestId: "accept-e-0001", ContractId: cons.GetId()})).OK(t)
	must(h.blkAs(h.admin(provB)).AcceptBlockContract(ctx, &purchasingv1.DecideBlockContractRequest{RequestId: "accept-b-0001", ContractId: own.GetId()})).OK(t)

	// Manchester: its own reserved place and the consortium's come first,
	// each in its rank order.
	ref := h.refer(dpsID, "referral-blk-0002", standardNeed())
	if got, want := h.blkMatchOrder(h.council("352"), ref), []string{oaksView, ribbleView, fallowfield, heatonNorth}; !slices.Equal(got, want) {
		t.Fatalf("Manchester's referral: %v, want %v", got, want)
	}
	ex := must(h.council("352").ExplainMatch(ctx, &purchasingv1.ExplainMatchRequest{ReferralId: ref.GetId(), SettingUrn: oaksView, MinPosition: ref.GetPosition()})).OK(t)
	if r := ex.GetReasons()[0]; r.GetCriterion() != domain.CriterionBlockContract || !r.GetMet() || !containsWord(r.GetDetail(), cons.GetId()) {
		t.Fatalf("Oaks View's first reason: %v", r)
	}
	// The provider reads, on its own match, that the place is reserved.
	exE := must(h.responder(provE).ExplainMatch(ctx, &purchasingv1.ExplainMatchRequest{ReferralId: ref.GetId(), SettingUrn: oaksView, MinPosition: ref.GetPosition()})).OK(t)
	if exE.GetReasons()[0].GetCriterion() != domain.CriterionBlockContract {
		t.Fatalf("Oldham Oaks reads %v", exE.GetReasons())
	}
	// Stockport: only the consortium's place is its to be offered first.
	stockportRef := must(h.council("353").CreateReferral(ctx, &purchasingv1.CreateReferralRequest{RequestId: "referral-blk-353-0001", DpsId: dpsID, Need: standardNeed()})).OK(t)
	if got := h.blkMatchOrder(h.council("353"), stockportRef); !slices.Equal(got, oaksFirst) {
		t.Fatalf("Stockport's referral: %v, want %v", got, oaksFirst)
	}

	// Oldham Oaks offers Oaks View; Manchester awards it two days later.
	off := h.offer(provE, ref.GetId(), oaksView, 340000, h.today())
	h.Clock.Advance(48 * time.Hour)
	award := must(h.council("352").AwardPlacement(ctx, &purchasingv1.AwardPlacementRequest{RequestId: "award-blk-0001", ReferralId: ref.GetId(),
		OfferId: off.GetOfferId(), Reason: "Reserved place under the consortium's block contract, meets every need"})).OK(t)

	// The reserved place is used: the next referral is not offered it first.
	h.settle()
	if got := h.blkMatchOrder(h.council("353"), must(h.council("353").CreateReferral(ctx, &purchasingv1.CreateReferralRequest{
		RequestId: "referral-blk-353-0002", DpsId: dpsID, Need: standardNeed()})).OK(t)); got[0] == oaksView {
		t.Fatalf("a used reserved place is still offered first: %v", got)
	}

	// The child leaves on 1 December (monitoring records the end); today is 3 December.
	h.Clock.Set(time.Date(2026, time.December, 3, 9, 0, 0, 0, time.UTC))
	endedAt := h.blkPlacementEnded(award.GetPlacementId(), "2026-12-01")
	u := must(lead.GetBlockUtilisation(ctx, &purchasingv1.GetBlockUtilisationRequest{ContractId: cons.GetId(), MinPosition: endedAt})).OK(t)
	if len(u.GetWeeks()) != 2 || u.GetPlacements() != 1 {
		t.Fatalf("utilisation: %v", u)
	}
	// Week 1 (23–29 Nov): used from the 25th, 5 of 7 days; 2 empty days at £3,500 a week.
	// Week 2 (30 Nov – 3 Dec): used on the 30th only.
	w1, w2 := u.GetWeeks()[0], u.GetWeeks()[1]
	if w1.GetUsedPlaceDays() != 5 || w1.GetEmptyPlaceDays() != 2 || w1.GetEmptyCostPence() != 100000 || w1.GetOfferedFirst() != 2 {
		t.Errorf("week 1: %v", w1)
	}
	if w2.GetDays() != 4 || w2.GetUsedPlaceDays() != 1 || w2.GetEmptyPlaceDays() != 3 || w2.GetEmptyCostPence() != 150000 || w2.GetOfferedFirst() != 0 {
		t.Errorf("week 2: %v", w2)
	}
	if u.GetEmptyCostPence() != 250000 || u.GetUsedPlaceDays() != 6 {
		t.Errorf("totals: %v", u)
	}
	// The provider reads the same figures; Manchester's soft block costs nothing empty.
	if pu := must(adminE.GetBlockUtilisation(ctx, &purchasingv1.GetBlockUtilisationRequest{ContractId: cons.GetId(), MinPosition: endedAt})).OK(t); pu.GetEmptyCostPence() != 250000 {
		t.Errorf("the provider reads %v", pu)
	}
	soft := must(h.blkAs(h.council("352")).GetBlockUtilisation(ctx, &purchasingv1.GetBlockUtilisationRequest{ContractId: own.GetId(), MinPosition: endedAt})).OK(t)
	if soft.GetEmptyCostPence() != 0 || soft.GetEmptyPlaceDays() != 11 || soft.GetOfferedFirst() != 1 {
		t.Errorf("soft block: %v", soft)
	}
	if got := h.blkMatchOrder(h.council("352"), h.refer(dpsID, "referral-blk-0003", standardNeed())); got[0] != oaksView {
		t.Fatalf("the place freed on 1 December is not offered first again: %v", got)
	}

	// A retried reservation is the same contract, reserved once.
	again := must(lead.ReserveCapacity(ctx, blkRequest("blk-nw-oaks-0001", provE, oaksView, 1, blkBlock))).OK(t)
	if again.GetId() != cons.GetId() || again.GetStreamVersion() != 1 {
		t.Fatalf("a retried reservation answered %v, first %v", again, cons)
	}
	// A restarted service builds the same figures from the stream alone.
	h.restart()
	after := must(h.blkAs(h.lead()).GetBlockUtilisation(ctx, &purchasingv1.GetBlockUtilisationRequest{ContractId: cons.GetId(), MinPosition: h.LastPosition()})).OK(t)
	u.Weeks[1].OfferedFirst++ // referral-blk-0003, made since
	u.OfferedFirst++
	if !proto.Equal(after, u) {
		t.Fatalf("after a restart:\n%v\nbefore:\n%v", after, u)
	}
}

func containsWord(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i:i+len(w)] == w {
			return true
		}
	}
	return false
}

// blkPlacementEnded appends monitoring's ContractEnded for a placement, as
// its council's EndPlacement would, and returns its position.
func (h *harness) blkPlacementEnded(placementID, endDate string) uint64 {
	h.t.Helper()
	meta := eventstore.Metadata{Actor: eventstore.Actor{Subject: "commissioner.352", Organisation: "council:352", Role: auth.CouncilCommissioner}, RequestID: "end-" + placementID}
	res, err := h.store.Append(h.Ctx, eventstore.StreamID{Context: "monitoring", Aggregate: "contract", ID: placementID}, eventstore.Any, meta,
		&monitoringv1.ContractEnded{ContractId: placementID, EndDate: endDate, ReasonCode: "E11", Reason: "returned home",
			Kind: monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT, Council: "352", ProviderId: provE, SettingUrn: oaksView})
	if err != nil {
		h.t.Fatal(err)
	}
	return res.Position
}

// Every RPC of BlockContractService has a policy entry, and every entry is
// one of its RPCs.
func TestBlkPolicyCoversEveryRPC(t *testing.T) {
	gs := grpc.NewServer()
	grpcapi.RegisterBlk(gs, nil)
	if err := grpcserver.CheckPolicyCoverage(gs, grpcapi.BlkPolicy); err != nil {
		t.Fatal(err)
	}
	if err := grpcapi.BlkPolicy.Validate(); err != nil {
		t.Fatal(err)
	}
	desc := purchasingv1.BlockContractService_ServiceDesc
	if len(grpcapi.BlkPolicy) != len(desc.Methods) {
		t.Fatalf("%d policy entries for %d RPCs", len(grpcapi.BlkPolicy), len(desc.Methods))
	}
}
