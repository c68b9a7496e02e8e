package domain_test

import (
	"testing"
	"time"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
)

func TestOpenForBids(t *testing.T) {
	s := given(draft()...).when(domain.OpenForBids{Actor: lead, Now: t0, BidsCloseAt: closeAt}).thenEvents(t, opened())
	if got := s.StatusAt(t0); got != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS {
		t.Fatalf("status before close: %v", got)
	}
	if got := s.StatusAt(closeAt); got != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EVALUATING {
		t.Fatalf("status at close: %v", got)
	}
	if s.Status != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS {
		t.Fatalf("recorded status: %v", s.Status)
	}
}

func TestOpenForBidsRules(t *testing.T) {
	given(draft()...).when(domain.OpenForBids{Actor: lead, Now: t0, BidsCloseAt: t0}).thenRule(t, domain.RuleCloseInFuture)
	given(draft()...).when(domain.OpenForBids{Actor: lead, Now: t0, BidsCloseAt: t0.Add(-time.Minute)}).thenRule(t, domain.RuleCloseInFuture)
	given(draft()...).when(domain.OpenForBids{Actor: lead, Now: t0}).thenInvalid(t, "bids_close_at")
	given(open()...).when(domain.OpenForBids{Actor: lead, Now: t0, BidsCloseAt: closeAt}).thenRule(t, domain.RuleOpenOnlyDraft)
	given(active()...).when(domain.OpenForBids{Actor: lead, Now: running, BidsCloseAt: running.Add(time.Hour)}).thenRule(t, domain.RuleOpenOnlyDraft)
	given(terminated()...).when(domain.OpenForBids{Actor: lead, Now: t0, BidsCloseAt: closeAt}).thenRule(t, domain.RuleEnded)
}

func submit(a domain.Actor, now time.Time, lot string, pence int64) domain.SubmitBid {
	return domain.SubmitBid{Actor: a, Now: now, LotID: lot, WeeklyPricePence: pence, QualityAnswers: answers()}
}

func TestSubmitBidThenAmendIt(t *testing.T) {
	s := given(open()...).when(submit(acme, t0, "lot-1", 400000)).thenEvents(t, bid("lot-1", "acme-care", 400000))
	if b, ok := s.Bid("lot-1", "acme-care"); !ok || b.WeeklyPricePence != 400000 {
		t.Fatalf("bid after submission: %+v %v", b, ok)
	}
	amended := &frameworkv1.BidAmended{FrameworkId: fwID, LotId: "lot-1", ProviderId: "acme-care", WeeklyPricePence: 390000, QualityAnswers: answers()}
	s = given(append(open(), bid("lot-1", "acme-care", 400000))...).when(submit(acme, t0, "lot-1", 390000)).thenEvents(t, amended)
	if b, _ := s.Bid("lot-1", "acme-care"); b.WeeklyPricePence != 390000 {
		t.Fatalf("bid after amendment: %+v", b)
	}
	// A bid on another lot is a new bid.
	given(append(open(), bid("lot-1", "acme-care", 400000))...).when(submit(acme, t0, "lot-2", 100000)).thenEvents(t, bid("lot-2", "acme-care", 100000))
}

func TestAProviderOnlyTouchesItsOwnBid(t *testing.T) {
	// bright's first bid on lot-1 is a submission, even though acme has bid there:
	// a provider cannot reach another provider's bid.
	history := append(open(), bid("lot-1", "acme-care", 400000))
	s := given(history...).when(submit(bright, t0, "lot-1", 450000)).thenEvents(t, bid("lot-1", "bright-homes", 450000))
	if b, _ := s.Bid("lot-1", "acme-care"); b.WeeklyPricePence != 400000 {
		t.Fatalf("acme's bid changed: %+v", b)
	}
	// The provider id comes from the actor, never from the command.
	a := domain.Actor{Subject: "u-bright", Organisation: "provider:bright-homes", Role: domain.RoleProviderAdmin}
	given(history...).when(submit(a, t0, "lot-1", 450000)).thenEvents(t, bid("lot-1", "bright-homes", 450000))
}

func TestOnlyAProviderAdminBids(t *testing.T) {
	for _, a := range []domain.Actor{lead, commission, responder, domain.NewActor("x", "council:352", domain.RoleProviderAdmin)} {
		given(open()...).when(submit(a, t0, "lot-1", 400000)).thenForbidden(t)
	}
}

func TestBiddingWindow(t *testing.T) {
	// One second before the close is accepted; at the close it is refused.
	given(open()...).when(submit(acme, closeAt.Add(-time.Second), "lot-1", 400000)).thenEvents(t, bid("lot-1", "acme-care", 400000))
	given(open()...).when(submit(acme, closeAt, "lot-1", 400000)).thenRule(t, domain.RuleNoBidsAfterClose)
	// Amending at the close is refused too.
	given(withBids()...).when(submit(acme, closeAt, "lot-1", 390000)).thenRule(t, domain.RuleNoBidsAfterClose)
	given(draft()...).when(submit(acme, t0, "lot-1", 400000)).thenRule(t, domain.RuleNotOpenForBids)
	given(awarded()...).when(submit(acme, running, "lot-1", 400000)).thenRule(t, domain.RuleNoBidsAfterClose)
	given(terminated()...).when(submit(acme, t0, "lot-1", 400000)).thenRule(t, domain.RuleEnded)
}

func TestBidLotAndPriceBand(t *testing.T) {
	given(open()...).when(submit(acme, t0, "lot-9", 400000)).thenMissing(t, domain.MissingLot)
	// The band's ends are inside it.
	given(open()...).when(submit(acme, t0, "lot-1", 300000)).thenEvents(t, bid("lot-1", "acme-care", 300000))
	given(open()...).when(submit(acme, t0, "lot-1", 800000)).thenEvents(t, bid("lot-1", "acme-care", 800000))
	given(open()...).when(submit(acme, t0, "lot-1", 299999)).thenRule(t, domain.RuleBidWithinPriceBand)
	given(open()...).when(submit(acme, t0, "lot-1", 800001)).thenRule(t, domain.RuleBidWithinPriceBand)
}

func TestBidFields(t *testing.T) {
	given(open()...).when(submit(acme, t0, "lot-1", 0)).thenInvalid(t, "weekly_price_pence")
	given(open()...).when(submit(acme, t0, "", 400000)).thenInvalid(t, "lot_id")
	given(open()...).when(domain.SubmitBid{Actor: acme, Now: t0, LotID: "lot-1", WeeklyPricePence: 400000}).thenInvalid(t, "quality_answers")
	given(open()...).when(domain.SubmitBid{Actor: acme, Now: t0, LotID: "lot-1", WeeklyPricePence: 400000,
		QualityAnswers: []*frameworkv1.QualityAnswer{{Question: "Why you?"}}}).thenInvalid(t, "quality_answers[0]")
}

func scoreCmd(now time.Time, provider string, quality uint32) domain.ScoreBid {
	return domain.ScoreBid{Actor: lead, Now: now, LotID: "lot-1", ProviderID: provider, QualityScore: quality, Reason: "evaluated by the panel"}
}

func TestScoreBid(t *testing.T) {
	// acme is the lowest price: price score 100, total (80×70 + 100×30)/100 = 86.
	given(withBids()...).when(scoreCmd(afterClose, "acme-care", 80)).thenEvents(t, scored("lot-1", "acme-care", 80, 100, 86))
	// bright: 4,000/5,000 × 100 = 80; (90×70 + 80×30)/100 = 87.
	s := given(withBids()...).when(scoreCmd(afterClose, "bright-homes", 90)).thenEvents(t, scored("lot-1", "bright-homes", 90, 80, 87))
	if b, _ := s.Bid("lot-1", "bright-homes"); !b.Scored || b.TotalScore != 87 {
		t.Fatalf("bid after scoring: %+v", b)
	}
	// Exactly at the close scoring may start.
	given(withBids()...).when(scoreCmd(closeAt, "acme-care", 80)).thenEvents(t, scored("lot-1", "acme-care", 80, 100, 86))
	// Re-scoring before the award emits BidScored again.
	given(evaluated()...).when(scoreCmd(afterClose, "acme-care", 60)).thenEvents(t, scored("lot-1", "acme-care", 60, 100, 72))
}

func TestScoreBidRules(t *testing.T) {
	given(withBids()...).when(scoreCmd(closeAt.Add(-time.Second), "acme-care", 80)).thenRule(t, domain.RuleNoScoringBeforeClose)
	given(draft()...).when(scoreCmd(afterClose, "acme-care", 80)).thenRule(t, domain.RuleNotEvaluating)
	given(awarded()...).when(scoreCmd(running, "acme-care", 80)).thenRule(t, domain.RuleNotEvaluating)
	given(withBids()...).when(scoreCmd(afterClose, "calm-care", 80)).thenMissing(t, domain.MissingBid)
	given(withBids()...).when(domain.ScoreBid{Actor: lead, Now: afterClose, LotID: "lot-9", ProviderID: "acme-care", QualityScore: 80, Reason: "x"}).thenMissing(t, domain.MissingLot)
	given(withBids()...).when(scoreCmd(afterClose, "acme-care", 101)).thenInvalid(t, "quality_score")
	given(withBids()...).when(domain.ScoreBid{Actor: lead, Now: afterClose, LotID: "lot-1", ProviderID: "acme-care", QualityScore: 80}).thenInvalid(t, "reason")
	given(withBids()...).when(scoreCmd(afterClose, "acme-care", 100)).thenEvents(t, scored("lot-1", "acme-care", 100, 100, 100))
	given(withBids()...).when(scoreCmd(afterClose, "acme-care", 0)).thenEvents(t, scored("lot-1", "acme-care", 0, 100, 30))
}

func TestEvolveKeepsTheCloseTime(t *testing.T) {
	s := given(open()...).state()
	if !s.BidsCloseAt.Equal(closeAt) {
		t.Fatalf("close time %v", s.BidsCloseAt)
	}
	other := given(draft()...).state()
	if other.StatusAt(closeAt.Add(time.Hour)) != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_DRAFT {
		t.Fatal("a draft is evaluating?")
	}
}

// Issue 11, item 12: scores have a stated precision — two decimal places.
// 430000 is 92.47% of 465000: the price score is 92.47, not 92.4731182795699,
// and the total (quality 82 at 70, price at 30) is 85.14.
func TestScoresHaveTwoDecimalPlaces(t *testing.T) {
	ps := domain.PriceScore(430000, 465000)
	if ps != 92.47 {
		t.Fatalf("price score %v, want 92.47", ps)
	}
	if total := domain.TotalScore(82, ps, 70, 30); total != 85.14 {
		t.Fatalf("total %v, want 85.14", total)
	}
	if domain.ScoreDecimals != 2 {
		t.Fatalf("ScoreDecimals = %d", domain.ScoreDecimals)
	}
}
