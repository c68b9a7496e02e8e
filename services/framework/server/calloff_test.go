package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// calloffAward appends a PlacementAwarded as purchasing would (on
// purchasing/referral/<referral>, by a commissioner of council) and returns
// it as stored.
func (h *harness) calloffAward(referral, council string, ev *purchasingv1.PlacementAwarded) eventstore.RecordedEvent {
	h.t.Helper()
	ev.ReferralId, ev.Council, ev.Consortium = referral, council, consortium
	sid := eventstore.StreamID{Context: "purchasing", Aggregate: "referral", ID: referral}
	meta := eventstore.Metadata{Actor: eventstore.Actor{Subject: "commissioner." + council, Organisation: auth.CouncilOrg(council), Role: auth.CouncilCommissioner},
		CorrelationID: "corr-" + referral}
	res, err := h.store.Append(h.Ctx, sid, eventstore.Any, meta, ev)
	if err != nil {
		h.t.Fatal(err)
	}
	events, err := h.store.ReadStream(h.Ctx, sid)
	if err != nil {
		h.t.Fatal(err)
	}
	e := events[len(events)-1]
	if e.Position != res.Position {
		h.t.Fatalf("read back the event at %d, appended at %d", e.Position, res.Position)
	}
	return e
}

// Issue 18: a council's placement under a framework lot is recorded as a
// call-off of the framework, caused by purchasing's award, once; the lead,
// the member councils and the platform read it, nobody else.
func TestCallOffsAreRecordedFromPurchasingsAwards(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	id := h.active("calloff-fw-0001")
	fw := must(h.lead().GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)
	// The ranking purchasing follows is the award's: lot-1 has Northern
	// Lights first, then Pennine Pathways.
	if got, want := rankedProviders(fw, "lot-1"), []string{p1 + ":1:ACTIVE", p2 + ":2:ACTIVE"}; !slices.Equal(got, want) {
		t.Fatalf("lot-1's ranking %v, want %v", got, want)
	}

	// A DPS award is no call-off; one under an unknown framework is skipped.
	dps := h.calloffAward("ref-dps-1", "352", &purchasingv1.PlacementAwarded{PlacementId: "pl-dps-1", ProviderId: p1, DpsId: "dps-1"})
	unknown := h.calloffAward("ref-unknown-1", "352", &purchasingv1.PlacementAwarded{PlacementId: "pl-unknown-1", ProviderId: p1,
		CallOff: &purchasingv1.CallOff{FrameworkId: "fw-nosuchframework", LotId: "lot-1", Method: purchasingv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD}})
	// Manchester places by direct award with Pennine Pathways: Northern
	// Lights, ranked first, had no suitable vacancy.
	const why = "Northern Lights Care, ranked first, had no vacancy for a child of 14; Pennine Pathways, second, had"
	direct := h.calloffAward("ref-352-1", "352", &purchasingv1.PlacementAwarded{PlacementId: "pl-352-1", ProviderId: p2,
		CallOff: &purchasingv1.CallOff{FrameworkId: id, LotId: "lot-1", Method: purchasingv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD,
			Ranking: []string{p1, p2}, Reason: why}})
	got := h.reactions(id, direct, 1)
	if d := got[0]; d.GetDecision() != "CallOffRecorded" || d.GetReason() != why || d.GetLotId() != "lot-1" || d.GetProviderId() != p2 ||
		d.GetActor().GetOrganisation() != auth.CouncilOrg("352") || d.GetCorrelationId() != "corr-ref-352-1" {
		t.Fatalf("the call-off in the decision log: %v", d)
	}
	for _, d := range h.decisions(id) {
		if d.GetCausationId() == dps.EventID || d.GetCausationId() == unknown.EventID {
			t.Errorf("an award that is no call-off of this framework was recorded: %v", d)
		}
	}

	// Delivered again (the bus is at least once): nothing new.
	before := h.LastPosition()
	if err := h.svc.App.RecordCallOff(ctx, direct); err != nil {
		t.Fatal(err)
	}
	if after := h.LastPosition(); after != before {
		t.Fatalf("a second delivery moved the store from %d to %d", before, after)
	}

	want := &frameworkv1.CallOff{Council: "352", LotId: "lot-1", ProviderId: p2, Method: frameworkv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD,
		Ranking: []string{p1, p2}, Reason: why}
	check := func(c *caller, wantCallOffs bool) {
		t.Helper()
		fw := must(c.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)
		var listed *frameworkv1.Framework
		for _, f := range must(c.ListFrameworks(ctx, &frameworkv1.ListFrameworksRequest{MinPosition: h.LastPosition()})).OK(t).GetFrameworks() {
			if f.GetFrameworkId() == id {
				listed = f
			}
		}
		for _, f := range []*frameworkv1.Framework{fw, listed} {
			cos := f.GetCallOffs()
			if !wantCallOffs {
				if len(cos) != 0 {
					t.Errorf("%s %s reads the councils' call-offs: %v", c.Org, c.Role, cos)
				}
				continue
			}
			if len(cos) != 1 {
				t.Fatalf("%s reads %d call-offs, want 1", c.Org, len(cos))
			}
			co := cos[0]
			if !co.GetAwardedAt().AsTime().Equal(direct.OccurredAt) {
				t.Errorf("%s reads the call-off as awarded at %v, want %v", c.Org, co.GetAwardedAt().AsTime(), direct.OccurredAt)
			}
			co.AwardedAt, co.ProviderName = nil, ""
			if !proto.Equal(co, want) {
				t.Errorf("%s reads the call-off %v, want %v", c.Org, co, want)
			}
		}
	}
	check(h.lead(), true)
	check(h.council("352"), true)
	check(h.as("viewer.359", auth.CouncilOrg("359"), auth.CouncilViewer), true)
	check(h.auditor(), true)
	check(h.otherLead(), false)
	check(h.council("341"), false)
	check(h.provider(p2), false)
	// The decision log (with the call-off) is the governors' alone.
	_, err := h.otherLead().GetDecisionLog(ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: id, MinPosition: h.LastPosition()})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.provider(p2).GetDecisionLog(ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: id, MinPosition: h.LastPosition()})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.lead().GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: "not a framework id"})
	servicetest.FieldViolations(t, err)

	// A further competition by Stockport among lot-2's providers is a second call-off.
	fc := h.calloffAward("ref-356-1", "356", &purchasingv1.PlacementAwarded{PlacementId: "pl-356-1", ProviderId: p3,
		CallOff: &purchasingv1.CallOff{FrameworkId: id, LotId: "lot-2", Method: purchasingv1.CallOffMethod_CALL_OFF_METHOD_FURTHER_COMPETITION,
			Ranking: []string{p3, p1}, Reason: "Best offer of the two lot-2 providers"}})
	h.reactions(id, fc, 1)
	fw = must(h.council("352").GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)
	if n := len(fw.GetCallOffs()); n != 2 || fw.GetCallOffs()[1].GetMethod() != frameworkv1.CallOffMethod_CALL_OFF_METHOD_FURTHER_COMPETITION ||
		fw.GetCallOffs()[1].GetCouncil() != "356" {
		t.Fatalf("after Stockport's further competition: %v", fw.GetCallOffs())
	}

	// A restarted service rebuilds them from the stream.
	h.restart()
	fw = must(h.lead().GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)
	if len(fw.GetCallOffs()) != 2 {
		t.Fatalf("after a restart: %d call-offs", len(fw.GetCallOffs()))
	}
}
