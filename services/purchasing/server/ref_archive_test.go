package server_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// Issue 16: a referral closed more than a quarter ago is kept in summary.
// Lists show it without its offers and declines, but with each provider's
// standing; GetReferral reads it whole from its stream, for those who may
// see it and no one else, before and after a restart.
func TestAReferralClosedAQuarterAgoIsListedInSummaryAndReadWhole(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market()

	// 352's referral goes to A, B and E: A and B offer, E declines, A is
	// placed (B's offer closes).
	ref := h.refer(dpsID, "referral-archive-0001", standardNeed()).GetId()
	offA := h.offer(provA, ref, fallowfield, 465000, "2026-11-30")
	h.offer(provB, ref, heatonNorth, 438000, "2026-11-26")
	must(h.responder(provE).DeclineReferral(ctx, &purchasingv1.DeclineReferralRequest{RequestId: "decline-archive-0001", ReferralId: ref,
		Reason: purchasingv1.DeclineReason_DECLINE_REASON_PRICE, Note: "Our fees for this need are above the budget"})).OK(t)
	awarded := must(h.council("352").AwardPlacement(ctx, &purchasingv1.AwardPlacementRequest{RequestId: "award-archive-0001", ReferralId: ref,
		OfferId: offA.GetOfferId(), Reason: "Nearest to school and family"})).OK(t)
	h.agrWait(domain.AgreementIDFor(awarded.GetPlacementId()))

	// Those who may see it (callers of the running service: a restart
	// dials again).
	readers := func() []*caller {
		return []*caller{h.council("352"), h.lead(), h.auditor(), h.responder(provA), h.responder(provB), h.responder(provE)}
	}
	get := func(c *caller) *purchasingv1.ReferralView {
		t.Helper()
		return must(c.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: ref, MinPosition: h.LastPosition()})).OK(t)
	}
	listed := func(c *caller) *purchasingv1.ReferralView {
		t.Helper()
		for _, v := range must(c.ListReferrals(ctx, &purchasingv1.ListReferralsRequest{MinPosition: h.LastPosition()})).OK(t).GetReferrals() {
			if v.GetReferralId() == ref {
				return v
			}
		}
		t.Fatalf("%s does not list %s", c.Org, ref)
		return nil
	}
	whole := map[string]*purchasingv1.ReferralView{}
	for _, c := range readers() {
		whole[c.Org] = get(c)
		if listed(c).GetSummarised() {
			t.Fatalf("%s lists the referral in summary the day it closed", c.Org)
		}
	}

	// 89 days on, a new referral (any event moves the model's time): the
	// closed one is still held whole. At 91 days it is summarised.
	h.Clock.Advance(89 * 24 * time.Hour)
	h.publish(provE, oaksView, 1)
	if listed(h.council("352")).GetSummarised() {
		t.Fatal("summarised 89 days after it closed")
	}
	h.Clock.Advance(2 * 24 * time.Hour)
	h.publish(provE, oaksView, 2)

	check := func(when string) {
		t.Helper()
		for _, c := range readers() {
			w, l := whole[c.Org], listed(c)
			if !l.GetSummarised() || len(l.GetOffers())+len(l.GetDeclines()) != 0 {
				t.Errorf("%s, %s: listed with summarised %v, %d offers and %d declines; want a summary", when, c.Org, l.GetSummarised(), len(l.GetOffers()), len(l.GetDeclines()))
			}
			// The summary says what the whole said, but for the offers and
			// declines (and the version, which no event has moved).
			want := proto.CloneOf(w)
			want.Offers, want.Declines, want.Summarised = nil, nil, true
			if diff := cmp.Diff(want, l, protocmp.Transform()); diff != "" {
				t.Errorf("%s, %s: the summary differs from the referral held whole (-whole +summary):\n%s", when, c.Org, diff)
			}
			if diff := cmp.Diff(w, get(c), protocmp.Transform()); diff != "" {
				t.Errorf("%s, %s: GetReferral differs from the referral held whole (-before +now):\n%s", when, c.Org, diff)
			}
		}
		if got := listed(h.responder(provB)).GetYourResponse(); got != "your offer closed: "+domain.ClosedAwardedElsewhere {
			t.Errorf("%s: B's standing in the list is %q", when, got)
		}
		if got := listed(h.responder(provE)).GetYourResponse(); got != "you declined" {
			t.Errorf("%s: E's standing in the list is %q", when, got)
		}
		// Who could not see it whole cannot see it in summary.
		for _, c := range []*caller{h.council("353"), h.otherLead(), h.responder(provC)} {
			_, err := c.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: ref, MinPosition: h.LastPosition()})
			servicetest.WantCode(t, err, codes.NotFound)
			for _, v := range must(c.ListReferrals(ctx, &purchasingv1.ListReferralsRequest{MinPosition: h.LastPosition()})).OK(t).GetReferrals() {
				if v.GetReferralId() == ref {
					t.Errorf("%s: %s lists the referral", when, c.Org)
				}
			}
		}
	}
	check("summarised")
	h.restart()
	check("after a restart")
}
