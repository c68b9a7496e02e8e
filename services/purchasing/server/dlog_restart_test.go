package server_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// Decision logs are summarised from the aggregates' streams when asked,
// not held by the read models: after a restart from the models' snapshots
// every log (a DPS's, a referral's with its agreement's, an agreement's, a
// block contract's) reads exactly as before, oldest first, and holds no
// commit after the position it is answered at (issue 16).
func TestDlogDecisionLogsTheSameAfterARestartFromSnapshots(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market()
	lead := h.blkAs(h.lead())
	cons := must(lead.ReserveCapacity(ctx, blkRequest("blk-dlog-0001", provE, oaksView, 1, blkBlock))).OK(t)
	must(h.blkAs(h.admin(provE)).AcceptBlockContract(ctx, &purchasingv1.DecideBlockContractRequest{RequestId: "dlog-accept-0001", ContractId: cons.GetId(),
		Reason: "Oaks View has room"})).OK(t)

	ref := h.refer(dpsID, "referral-dlog-0001", standardNeed())
	h.Clock.Advance(time.Hour)
	off := h.offer(provA, ref.GetId(), fallowfield, 465000, "2026-11-30")
	must(h.responder(provB).DeclineReferral(ctx, &purchasingv1.DeclineReferralRequest{RequestId: "dlog-decline-0001", ReferralId: ref.GetId(),
		Reason: purchasingv1.DeclineReason_DECLINE_REASON_NO_VACANCY})).OK(t)
	h.Clock.Advance(time.Hour)
	award := must(h.council("352").AwardPlacement(ctx, &purchasingv1.AwardPlacementRequest{RequestId: "dlog-award-0001", ReferralId: ref.GetId(),
		OfferId: off.GetOfferId(), Reason: "Nearest to school and family"})).OK(t)
	agrID := domain.AgreementIDFor(award.GetPlacementId())
	must(h.agrCouncil("352").AcceptAgreement(ctx, agrAccept(agrID, h.agrWait(agrID), "dlog-accept-agr"))).OK(t)
	h.settle()

	logs := func() map[string]*purchasingv1.GetDecisionLogResponse {
		t.Helper()
		pos := h.LastPosition()
		out := map[string]*purchasingv1.GetDecisionLogResponse{}
		for name, q := range map[string]struct {
			c  *caller
			id string
		}{
			"DPS (lead)":                  {h.lead(), dpsID},
			"DPS (member council)":        {h.council("354"), dpsID},
			"referral (placing council)":  {h.council("352"), ref.GetId()},
			"referral (platform)":         {h.auditor(), ref.GetId()},
			"agreement (provider)":        {h.admin(provA), agrID},
			"block contract (its buyer)":  {h.lead(), cons.GetId()},
			"block contract (its seller)": {h.admin(provE), cons.GetId()},
		} {
			log := must(q.c.GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: q.id, MinPosition: pos})).OK(t)
			if len(log.GetDecisions()) == 0 {
				t.Fatalf("%s: an empty log", name)
			}
			var last uint64
			for _, d := range log.GetDecisions() {
				if d.GetPosition() < last || d.GetPosition() > log.GetPosition() {
					t.Errorf("%s: decision %s at %d, after %d, answered at %d", name, d.GetDecision(), d.GetPosition(), last, log.GetPosition())
				}
				last = d.GetPosition()
			}
			out[name] = log
		}
		return out
	}
	before := logs()
	// The referral's log runs from its creation to its agreement's
	// acceptance: the agreement's decisions follow the award.
	var kinds []string
	for _, d := range before["referral (placing council)"].GetDecisions() {
		kinds = append(kinds, d.GetDecision())
	}
	want := []string{"ReferralCreated", "ReferralMatched", "OfferMade", "ReferralDeclined", "PlacementAwarded", "AgreementDrawn", "AgreementAccepted"}
	if len(kinds) != len(want) {
		t.Fatalf("the referral's log holds %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("the referral's log holds %v, want %v", kinds, want)
		}
	}

	h.restart()
	if h.svc.App.ReadModels()[0].RestoredAt() == 0 || h.svc.Agreements.Runner().RestoredAt() == 0 || h.svc.Block.ReadModels()[0].RestoredAt() == 0 {
		t.Error("a read model was replayed, not restored from its snapshot")
	}
	after := logs()
	for name, b := range before {
		if !proto.Equal(b, after[name]) {
			t.Errorf("the %s log differs after the restart:\nbefore %v\nafter  %v", name, b, after[name])
		}
	}
}
