package server_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 11, item 9: every command on an existing framework takes the
// version the caller last saw. One that has moved on since answers ABORTED
// and nothing is written; the version the caller saw is accepted.
func TestEveryCommandRefusesAStaleVersionAndWritesNothing(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	id := h.active("draft-stale-version-1")
	current := must(h.provider(p1).RequestPriceUplift(ctx, &frameworkv1.RequestPriceUpliftRequest{RequestId: "uplift-stale-00001", FrameworkId: id,
		LotId: "lot-1", RequestedWeeklyPence: 480000, EffectiveFrom: "2026-10-01", Justification: "Staff pay award"})).OK(t).GetStreamVersion()
	stale := current - 1 // the caller saw it one change ago
	before := h.LastPosition()

	calls := map[string]func(context.Context) error{
		"SubmitBid": func(ctx context.Context) error {
			_, err := h.provider(p2).SubmitBid(ctx, &frameworkv1.SubmitBidRequest{RequestId: "stale-submit-bid", FrameworkId: id, LotId: "lot-2",
				WeeklyPricePence: 700000, QualityAnswers: answers("Trained staff."), ExpectedVersion: stale})
			return err
		},
		"ScoreBid": func(ctx context.Context) error {
			_, err := h.lead().ScoreBid(ctx, &frameworkv1.ScoreBidRequest{RequestId: "stale-score-bid", FrameworkId: id, LotId: "lot-1", ProviderId: p1,
				QualityScore: 90, Reason: "Re-scored by the panel", ExpectedVersion: stale})
			return err
		},
		"ExpireFramework": func(ctx context.Context) error {
			_, err := h.lead().ExpireFramework(ctx, &frameworkv1.ExpireFrameworkRequest{RequestId: "stale-expire-framework", FrameworkId: id, ExpectedVersion: stale})
			return err
		},
		"RequestPriceUplift": func(ctx context.Context) error {
			_, err := h.provider(p2).RequestPriceUplift(ctx, &frameworkv1.RequestPriceUpliftRequest{RequestId: "stale-request-uplift", FrameworkId: id,
				LotId: "lot-1", RequestedWeeklyPence: 450000, EffectiveFrom: "2026-10-01", Justification: "Energy costs", ExpectedVersion: stale})
			return err
		},
		"ApprovePriceUplift": func(ctx context.Context) error {
			_, err := h.lead().ApprovePriceUplift(ctx, &frameworkv1.DecidePriceUpliftRequest{RequestId: "stale-approve-uplift", FrameworkId: id,
				UpliftId: "up-1", Reason: "Within the index", ExpectedVersion: stale})
			return err
		},
		"RejectPriceUplift": func(ctx context.Context) error {
			_, err := h.lead().RejectPriceUplift(ctx, &frameworkv1.DecidePriceUpliftRequest{RequestId: "stale-reject-uplift", FrameworkId: id,
				UpliftId: "up-1", Reason: "Above the index", ExpectedVersion: stale})
			return err
		},
		"SuspendProvider": func(ctx context.Context) error {
			_, err := h.lead().SuspendProvider(ctx, &frameworkv1.ProviderOnLotRequest{RequestId: "stale-suspend-provider", FrameworkId: id,
				LotId: "lot-1", ProviderId: p2, Reason: "Safeguarding concern", ExpectedVersion: stale})
			return err
		},
		"ReinstateProvider": func(ctx context.Context) error {
			_, err := h.lead().ReinstateProvider(ctx, &frameworkv1.ProviderOnLotRequest{RequestId: "stale-reinstate-provider", FrameworkId: id,
				LotId: "lot-1", ProviderId: p2, Reason: "Concern resolved", ExpectedVersion: stale})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			servicetest.WantCode(t, call(ctx), codes.Aborted)
		})
	}
	if after := h.LastPosition(); after != before {
		t.Fatalf("stale commands wrote: the store moved from %d to %d", before, after)
	}

	// The version the caller saw is still the framework's: accepted.
	must(h.lead().ApprovePriceUplift(ctx, &frameworkv1.DecidePriceUpliftRequest{RequestId: "fresh-approve-uplift", FrameworkId: id,
		UpliftId: "up-1", Reason: "Within the index", ExpectedVersion: current})).OK(t)
}
