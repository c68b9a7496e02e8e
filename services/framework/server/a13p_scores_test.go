package server_test

import (
	"testing"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
)

// Issue 13, frameworks: a provider reads its own scores and rank after the
// award. While the panel scores, its bids come back unscored (a price
// score would tell it the lowest rival price before any decision); the
// lead reads every score all along. Once awarded, each provider reads its
// own bids' scores and no other provider's bid.
func TestA13pProviderReadsItsScoresOnlyOnceAwarded(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	id := h.scored("a13p-scores-fw-01")

	bids := func(c *caller) []*frameworkv1.Bid {
		t.Helper()
		return must(c.ListBids(ctx, &frameworkv1.ListBidsRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t).GetBids()
	}
	for _, b := range bids(h.lead()) {
		if !b.GetScored() || b.GetTotalScore() == 0 {
			t.Errorf("while evaluating, the lead reads %s's bid on %s unscored", b.GetProviderId(), b.GetLotId())
		}
	}
	for _, p := range []string{p1, p2, p3} {
		for _, b := range bids(h.provider(p)) {
			if b.GetScored() || b.GetQualityScore() != 0 || b.GetPriceScore() != 0 || b.GetTotalScore() != 0 || b.GetScoreReason() != "" {
				t.Errorf("while evaluating, %s reads its bid on %s scored: %v", p, b.GetLotId(), b)
			}
		}
		// Without a framework filter too.
		for _, b := range must(h.provider(p).ListBids(ctx, &frameworkv1.ListBidsRequest{MinPosition: h.LastPosition()})).OK(t).GetBids() {
			if b.GetScored() || b.GetTotalScore() != 0 {
				t.Errorf("while evaluating, %s lists its bid on %s scored", p, b.GetLotId())
			}
		}
	}

	must(h.lead().AwardFramework(ctx, &frameworkv1.AwardFrameworkRequest{
		RequestId: "award-" + id, FrameworkId: id, Lots: standardAward(), Reason: "Every bidder met the quality threshold",
	})).OK(t)
	for _, p := range []string{p1, p2, p3} {
		got := bids(h.provider(p))
		mine := 0
		for _, sb := range standardBids {
			if sb.provider == p {
				mine++
			}
		}
		if len(got) != mine {
			t.Fatalf("after the award %s reads %d bids, want its own %d", p, len(got), mine)
		}
		for _, b := range got {
			if b.GetProviderId() != p {
				t.Errorf("%s reads %s's bid", p, b.GetProviderId())
			}
			var want bid
			for _, sb := range standardBids {
				if sb.provider == p && sb.lot == b.GetLotId() {
					want = sb
				}
			}
			if !b.GetScored() || b.GetQualityScore() != want.quality || b.GetTotalScore() != expectedTotal(want, standardBids) {
				t.Errorf("after the award %s reads its bid on %s as quality %d total %v, want %d and %v", p, b.GetLotId(),
					b.GetQualityScore(), b.GetTotalScore(), want.quality, expectedTotal(want, standardBids))
			}
		}
	}
}
