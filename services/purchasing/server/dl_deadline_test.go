package server_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

func dlExtendRequest(reqID, referralID string, to time.Time) *purchasingv1.ExtendOfferDeadlineRequest {
	return &purchasingv1.ExtendOfferDeadlineRequest{RequestId: reqID, ReferralId: referralID, OffersDueBy: timestamppb.New(to), Reason: "providers asked for the weekend"}
}

func TestOfferDeadline(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market()
	manchester := h.council("352")

	// Without a deadline of its own, a referral takes the default 24 hours.
	res := h.refer(dpsID, "dl-referral-default", standardNeed())
	r := must(h.responder(provA).GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: res.GetId(), MinPosition: res.GetPosition()})).OK(t)
	if want := start.Add(24 * time.Hour); !r.GetOffersDueBy().AsTime().Equal(want) {
		t.Fatalf("provider sees offers due by %v, want %v", r.GetOffersDueBy().AsTime(), want)
	}

	// A deadline in the past is the caller's mistake, named by field.
	_, err := manchester.CreateReferral(ctx, &purchasingv1.CreateReferralRequest{RequestId: "dl-referral-past", DpsId: dpsID, Need: standardNeed(),
		OffersDueBy: timestamppb.New(start.Add(-time.Hour))})
	if got := servicetest.FieldViolations(t, err); len(got) != 1 || got[0] != "offers_due_by" {
		t.Fatalf("past deadline: violations %v", got)
	}

	// The commissioner's own deadline, which the provider sees in its list.
	due := start.Add(4 * time.Hour)
	res = must(manchester.CreateReferral(ctx, &purchasingv1.CreateReferralRequest{RequestId: "dl-referral-four-hours", DpsId: dpsID, Need: standardNeed(),
		OffersDueBy: timestamppb.New(due)})).OK(t)
	refID := res.GetId()
	list := must(h.responder(provB).ListReferrals(ctx, &purchasingv1.ListReferralsRequest{MinPosition: res.GetPosition()})).OK(t)
	var seen bool
	for _, v := range list.GetReferrals() {
		if v.GetReferralId() == refID {
			seen = v.GetOffersDueBy().AsTime().Equal(due)
		}
	}
	if !seen {
		t.Fatalf("provider B's list does not show %s due by %v", refID, due)
	}

	// After the deadline an offer is refused, naming it.
	h.Clock.Advance(4*time.Hour + time.Minute)
	_, err = h.responder(provA).MakeOffer(ctx, offerRequest(refID, fallowfield, 450000, "2026-11-30"))
	servicetest.WantRule(t, err, domain.RuleOfferDeadlinePassed)
	if st := servicetest.WantCode(t, err, codes.FailedPrecondition); st != nil && !strings.Contains(st.Message(), domain.FormatDeadline(due)) {
		t.Errorf("refusal %q does not name the deadline", st.Message())
	}

	// Only the referring council's commissioner may extend it: another
	// council does not see the referral, a provider may not call it, and
	// the request must carry a deadline.
	later := h.Clock.Now().Add(24 * time.Hour)
	_, err = h.council("353").ExtendOfferDeadline(ctx, dlExtendRequest("dl-extend-other", refID, later))
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = h.responder(provA).ExtendOfferDeadline(ctx, dlExtendRequest("dl-extend-provider", refID, later))
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.as("viewer.352", auth.CouncilOrg("352"), auth.CouncilViewer).ExtendOfferDeadline(ctx, dlExtendRequest("dl-extend-viewer", refID, later))
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = manchester.ExtendOfferDeadline(ctx, &purchasingv1.ExtendOfferDeadlineRequest{RequestId: "dl-extend-empty", ReferralId: refID})
	if got := servicetest.FieldViolations(t, err); len(got) != 1 || got[0] != "offers_due_by" {
		t.Fatalf("no deadline: violations %v", got)
	}
	_, err = manchester.ExtendOfferDeadline(ctx, dlExtendRequest("dl-extend-earlier", refID, due.Add(-time.Hour)))
	servicetest.WantCode(t, err, codes.InvalidArgument) // in the past by now

	ext := must(manchester.ExtendOfferDeadline(ctx, dlExtendRequest("dl-extend-ok", refID, later))).OK(t)
	r = must(h.responder(provA).GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: refID, MinPosition: ext.GetPosition()})).OK(t)
	if !r.GetOffersDueBy().AsTime().Equal(later) {
		t.Fatalf("after extending: due by %v, want %v", r.GetOffersDueBy().AsTime(), later)
	}
	// Now the offer is taken; the decision log says the deadline moved.
	h.offer(provA, refID, fallowfield, 450000, "2026-11-30")
	logs := must(manchester.GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: refID, MinPosition: h.LastPosition()})).OK(t)
	var logged bool
	for _, d := range logs.GetDecisions() {
		logged = logged || d.GetDecision() == "OfferDeadlineExtended" && strings.Contains(d.GetSummary(), domain.FormatDeadline(later))
	}
	if !logged {
		t.Error("the decision log does not show the extension")
	}
}
