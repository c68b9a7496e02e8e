package server_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// The agreements' and the block contracts' read models restart from the
// snapshots saved at the stop, and answer as the models built from the
// stream did (issue 16).
func TestSnap2AgreementsAndBlockRestartFromSnapshots(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market()
	lead, adminE := h.blkAs(h.lead()), h.blkAs(h.admin(provE))

	// A block contract on Oaks View, accepted; one refused.
	cons := must(lead.ReserveCapacity(ctx, blkRequest("blk-snap2-0001", provE, oaksView, 1, blkBlock))).OK(t)
	must(adminE.AcceptBlockContract(ctx, &purchasingv1.DecideBlockContractRequest{RequestId: "snap2-accept-0001", ContractId: cons.GetId()})).OK(t)
	mine := blkRequest("blk-snap2-0002", provB, ribbleView, 1, blkSoft)
	mine.Consortium = consortium
	own := must(h.blkAs(h.council("352")).ReserveCapacity(ctx, mine)).OK(t)
	must(h.blkAs(h.admin(provB)).DeclineBlockContract(ctx, &purchasingv1.DecideBlockContractRequest{RequestId: "snap2-decline-0001", ContractId: own.GetId(),
		Reason: "Ribble View is full until March"})).OK(t)

	// A referral offered the reserved place first, awarded there: the
	// award draws an agreement, which the council accepts.
	ref := h.refer(dpsID, "referral-snap2-0001", standardNeed())
	off := h.offer(provE, ref.GetId(), oaksView, 340000, h.today())
	h.Clock.Advance(48 * time.Hour)
	award := must(h.council("352").AwardPlacement(ctx, &purchasingv1.AwardPlacementRequest{RequestId: "snap2-award-0001", ReferralId: ref.GetId(),
		OfferId: off.GetOfferId(), Reason: "Reserved place under the consortium's block contract"})).OK(t)
	agrID := domain.AgreementIDFor(award.GetPlacementId())
	v := h.agrWait(agrID)
	must(h.agrCouncil("352").AcceptAgreement(ctx, agrAccept(agrID, v, "snap2-accept-agr"))).OK(t)
	// A second referral is still open: its day is in the model's pending map.
	h.refer(dpsID, "referral-snap2-0002", standardNeed())
	h.settle()

	type answers struct {
		agreement                 *purchasingv1.AgreementView
		agreements                *purchasingv1.ListAgreementsResponse
		agrLog, blkLog            *purchasingv1.GetDecisionLogResponse
		contract, declined        *purchasingv1.BlockContractView
		contracts                 *purchasingv1.ListBlockContractsResponse
		utilisation, utilisation2 *purchasingv1.BlockUtilisation
	}
	read := func() answers {
		t.Helper()
		pos := h.LastPosition()
		council, blk := h.council("352"), h.blkAs(h.lead())
		return answers{
			agreement:    must(h.agrCouncil("352").GetAgreement(ctx, &purchasingv1.GetAgreementRequest{AgreementId: agrID, MinPosition: pos})).OK(t),
			agreements:   must(h.agrAdmin(provE).ListAgreements(ctx, &purchasingv1.ListAgreementsRequest{MinPosition: pos})).OK(t),
			agrLog:       must(council.GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: agrID, MinPosition: pos})).OK(t),
			blkLog:       must(h.lead().GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: cons.GetId(), MinPosition: pos})).OK(t),
			contract:     must(blk.GetBlockContract(ctx, &purchasingv1.GetBlockContractRequest{ContractId: cons.GetId(), MinPosition: pos})).OK(t),
			declined:     must(h.blkAs(h.council("352")).GetBlockContract(ctx, &purchasingv1.GetBlockContractRequest{ContractId: own.GetId(), MinPosition: pos})).OK(t),
			contracts:    must(blk.ListBlockContracts(ctx, &purchasingv1.ListBlockContractsRequest{MinPosition: pos})).OK(t),
			utilisation:  must(blk.GetBlockUtilisation(ctx, &purchasingv1.GetBlockUtilisationRequest{ContractId: cons.GetId(), MinPosition: pos})).OK(t),
			utilisation2: must(h.blkAs(h.council("352")).GetBlockUtilisation(ctx, &purchasingv1.GetBlockUtilisationRequest{ContractId: own.GetId(), MinPosition: pos})).OK(t),
		}
	}
	before := read()
	h.restart()
	if h.svc.Agreements.Runner().RestoredAt() == 0 {
		t.Error("the agreements' model was replayed, not restored from its snapshot")
	}
	if h.svc.Block.ReadModels()[0].RestoredAt() == 0 {
		t.Error("the block contracts' model was replayed, not restored from its snapshot")
	}
	after := read()
	for _, c := range []struct {
		name          string
		before, after proto.Message
	}{
		{"GetAgreement", before.agreement, after.agreement},
		{"ListAgreements", before.agreements, after.agreements},
		{"GetDecisionLog (agreement)", before.agrLog, after.agrLog},
		{"GetDecisionLog (block contract)", before.blkLog, after.blkLog},
		{"GetBlockContract", before.contract, after.contract},
		{"GetBlockContract (declined)", before.declined, after.declined},
		{"ListBlockContracts", before.contracts, after.contracts},
		{"GetBlockUtilisation", before.utilisation, after.utilisation},
		{"GetBlockUtilisation (declined)", before.utilisation2, after.utilisation2},
	} {
		if !proto.Equal(c.before, c.after) {
			t.Errorf("%s differs after the restart:\nbefore %v\nafter  %v", c.name, c.before, c.after)
		}
	}
	if after.utilisation.GetPlacements() != 1 || len(after.agreement.GetVersions()) == 0 || len(after.contracts.GetContracts()) != 2 {
		t.Errorf("the restarted models lost data: %d placements, agreement %v, %d contracts",
			after.utilisation.GetPlacements(), after.agreement, len(after.contracts.GetContracts()))
	}

	// The restored block model still knows the stay (its place is taken)
	// and the provider can accept the restored agreement.
	if got := h.blkMatchOrder(h.council("352"), h.refer(dpsID, "referral-snap2-0003", standardNeed())); len(got) > 0 && got[0] == oaksView {
		t.Errorf("the used reserved place is offered first after the restart: %v", got)
	}
	must(h.agrAdmin(provE).AcceptAgreement(ctx, agrAccept(agrID, after.agreement, "snap2-accept-agr-e"))).OK(t)
}
