package server_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// A restarted service, on a new connection and a new store over the same
// NATS server, rebuilds its read model from the stream and answers exactly
// as before.
func TestRestartAnswersTheSame(t *testing.T) {
	h := newHarness(t)
	dpsID := h.market()
	ref := h.refer(dpsID, "referral-2026-0200", standardNeed())
	h.Clock.Advance(time.Hour)
	off := h.offer(provA, ref.GetId(), fallowfield, 465000, "2026-11-30")
	h.offer(provB, ref.GetId(), heatonNorth, 438000, "2026-11-26")
	h.Clock.Advance(time.Hour)
	awarded := must(h.council("352").AwardPlacement(h.Ctx, &purchasingv1.AwardPlacementRequest{RequestId: "award-restart", ReferralId: ref.GetId(),
		OfferId: off.GetOfferId(), Reason: "Nearest to school and family"})).OK(t)
	// The award's agreement is drawn in the background: wait for it, so
	// that nothing is written between the reads before and after.
	h.agrWait(domain.AgreementIDFor(awarded.GetPlacementId()))
	open := h.refer(dpsID, "referral-2026-0201", standardNeed())

	type answers struct {
		referral, openReferral, providerView *purchasingv1.ReferralView
		dps                                  *purchasingv1.DpsView
		provider                             *purchasingv1.ProviderView
		log                                  *purchasingv1.GetDecisionLogResponse
		apps                                 *purchasingv1.ListApplicationsResponse
		placements                           *purchasingv1.ListPlacementsResponse
	}
	read := func() answers {
		t.Helper()
		pos := h.LastPosition()
		ctx, council, lead := h.Ctx, h.council("352"), h.lead()
		a := answers{
			referral:     must(council.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: ref.GetId(), MinPosition: pos})).OK(t),
			openReferral: must(council.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: open.GetId(), MinPosition: pos})).OK(t),
			providerView: must(h.responder(provB).GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: ref.GetId(), MinPosition: pos})).OK(t),
			dps:          must(lead.GetDps(ctx, &purchasingv1.GetDpsRequest{DpsId: dpsID, MinPosition: pos})).OK(t),
			provider:     must(lead.GetProvider(ctx, &purchasingv1.GetProviderRequest{ProviderId: provA, MinPosition: pos})).OK(t),
			log:          must(council.GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: ref.GetId(), MinPosition: pos})).OK(t),
			apps:         must(lead.ListApplications(ctx, &purchasingv1.ListApplicationsRequest{DpsId: dpsID, MinPosition: pos})).OK(t),
			placements:   must(council.ListPlacements(ctx, &purchasingv1.ListPlacementsRequest{MinPosition: pos})).OK(t),
		}
		return a
	}
	before := read()
	h.restart()
	// Restored from the snapshot saved at the stop: the answers compare it
	// with the model replayed from the start (issue 16).
	if r := h.svc.App.ReadModels()[0]; r.RestoredAt() == 0 {
		t.Error("the restarted model was replayed, not restored from its snapshot")
	}
	after := read()

	for _, c := range []struct {
		name          string
		before, after proto.Message
	}{
		{"GetReferral (awarded)", before.referral, after.referral},
		{"GetReferral (open)", before.openReferral, after.openReferral},
		{"GetReferral (as the other provider)", before.providerView, after.providerView},
		{"GetDps", before.dps, after.dps},
		{"GetProvider", before.provider, after.provider},
		{"GetDecisionLog", before.log, after.log},
		{"ListApplications", before.apps, after.apps},
		{"ListPlacements", before.placements, after.placements},
	} {
		if !proto.Equal(c.before, c.after) {
			t.Errorf("%s differs after the restart:\nbefore %v\nafter  %v", c.name, c.before, c.after)
		}
	}
	if len(after.referral.GetOffers()) != 2 || after.placements.GetPlacements() == nil || len(after.dps.GetMemberships()) == 0 {
		t.Errorf("the restarted service lost data: %d offers, placements %v, %d memberships",
			len(after.referral.GetOffers()), after.placements.GetPlacements(), len(after.dps.GetMemberships()))
	}

	// The restarted service takes new commands on the same aggregates.
	must(h.responder(provA).MakeOffer(h.Ctx, offerRequest(open.GetId(), fallowfield, 470000, "2026-11-30"))).OK(t)
}
