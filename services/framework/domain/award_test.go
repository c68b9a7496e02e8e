package domain_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
)

func awardCmd(now time.Time, lots ...domain.LotAwardDecision) domain.AwardFramework {
	return domain.AwardFramework{Actor: lead, Now: now, Lots: lots, Reason: "best value on the published weighting"}
}

func lotDecision(lot string, providers ...string) domain.LotAwardDecision {
	return domain.LotAwardDecision{LotID: lot, ProviderIDs: providers}
}

func TestAwardRanksByTotalScore(t *testing.T) {
	// bright (87) ranks above acme (86) although acme is cheaper.
	want := &frameworkv1.FrameworkAwarded{FrameworkId: fwID, Reason: "best value on the published weighting", NoticePublishedOn: sstAfterCloseDay, StandstillEnds: sstAfterCloseEnds, Lots: []*frameworkv1.LotAward{
		{LotId: "lot-1", Admitted: []*frameworkv1.AdmittedProvider{admitted("bright-homes", 1, 87, 500000), admitted("acme-care", 2, 86, 400000)}},
	}}
	s := given(evaluated()...).when(awardCmd(afterClose, lotDecision("lot-1", "acme-care", "bright-homes"))).thenEvents(t, want)
	if s.Status != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_AWARDED {
		t.Fatalf("status after award: %v", s.Status)
	}
	got := s.Admitted("lot-1")
	if len(got) != 2 || got[0].ProviderID != "bright-homes" || got[1].ProviderID != "acme-care" || got[1].WeeklyPricePence != 400000 {
		t.Fatalf("admitted: %+v", got)
	}
}

func TestAwardRankingTies(t *testing.T) {
	// Equal totals: the lower price first; equal prices too: provider id.
	history := concat(open(), []proto.Message{
		bid("lot-1", "calm-care", 500000), bid("lot-1", "bright-homes", 500000), bid("lot-1", "acme-care", 450000),
		scored("lot-1", "calm-care", 70, 90, 76), scored("lot-1", "bright-homes", 70, 90, 76), scored("lot-1", "acme-care", 60, 100, 76),
	})
	want := &frameworkv1.FrameworkAwarded{FrameworkId: fwID, Reason: "best value on the published weighting", NoticePublishedOn: sstAfterCloseDay, StandstillEnds: sstAfterCloseEnds, Lots: []*frameworkv1.LotAward{
		{LotId: "lot-1", Admitted: []*frameworkv1.AdmittedProvider{
			admitted("acme-care", 1, 76, 450000), admitted("bright-homes", 2, 76, 500000), admitted("calm-care", 3, 76, 500000),
		}},
	}}
	given(history...).when(awardCmd(afterClose, lotDecision("lot-1", "calm-care", "bright-homes", "acme-care"))).thenEvents(t, want)
}

func TestAwardSeveralLots(t *testing.T) {
	history := concat(evaluated(), []proto.Message{bid("lot-2", "calm-care", 100000), scored("lot-2", "calm-care", 40, 100, 58)})
	want := &frameworkv1.FrameworkAwarded{FrameworkId: fwID, Reason: "best value on the published weighting", NoticePublishedOn: sstAfterCloseDay, StandstillEnds: sstAfterCloseEnds, Lots: []*frameworkv1.LotAward{
		{LotId: "lot-2", Admitted: []*frameworkv1.AdmittedProvider{admitted("calm-care", 1, 58, 100000)}},
		{LotId: "lot-1", Admitted: []*frameworkv1.AdmittedProvider{admitted("bright-homes", 1, 87, 500000)}},
	}}
	// calm's quality 40 is exactly lot-2's threshold: admitted.
	given(history...).when(awardCmd(afterClose, lotDecision("lot-2", "calm-care"), lotDecision("lot-1", "bright-homes"))).thenEvents(t, want)
}

func TestAwardRules(t *testing.T) {
	l1 := lotDecision("lot-1", "acme-care", "bright-homes")
	given(withBids()...).when(awardCmd(closeAt.Add(-time.Second), l1)).thenRule(t, domain.RuleNoAwardBeforeClose)
	given(draft()...).when(awardCmd(afterClose, l1)).thenRule(t, domain.RuleNotEvaluating)
	given(awarded()...).when(awardCmd(running, l1)).thenRule(t, domain.RuleNotEvaluating)
	given(terminated()...).when(awardCmd(running, l1)).thenRule(t, domain.RuleEnded)
	given(evaluated()...).when(awardCmd(afterClose, lotDecision("lot-9", "acme-care"))).thenMissing(t, domain.MissingLot)
	given(evaluated()...).when(awardCmd(afterClose, lotDecision("lot-1", "acme-care"), lotDecision("lot-1", "bright-homes"))).thenRule(t, domain.RuleLotAwardedOnce)
	given(evaluated()...).when(awardCmd(afterClose, lotDecision("lot-1", "acme-care", "acme-care"))).thenRule(t, domain.RuleProviderNamedOnce)
	// No bid at all, and a bid not yet scored.
	given(evaluated()...).when(awardCmd(afterClose, lotDecision("lot-1", "calm-care"))).thenRule(t, domain.RuleAwardRequiresScoredBid)
	given(withBids()...).when(awardCmd(afterClose, lotDecision("lot-1", "acme-care"))).thenRule(t, domain.RuleAwardRequiresScoredBid)
	// Below lot-1's threshold of 50 (49), and exactly at it (50).
	low := append(withBids(), scored("lot-1", "acme-care", 49, 100, 64.3))
	given(low...).when(awardCmd(afterClose, lotDecision("lot-1", "acme-care"))).thenRule(t, domain.RuleQualityThreshold)
	atThreshold := append(withBids(), scored("lot-1", "acme-care", 50, 100, 65))
	given(atThreshold...).when(awardCmd(afterClose, lotDecision("lot-1", "acme-care"))).thenEvents(t, &frameworkv1.FrameworkAwarded{
		FrameworkId: fwID, Reason: "best value on the published weighting", NoticePublishedOn: sstAfterCloseDay, StandstillEnds: sstAfterCloseEnds,
		Lots: []*frameworkv1.LotAward{{LotId: "lot-1", Admitted: []*frameworkv1.AdmittedProvider{admitted("acme-care", 1, 65, 400000)}}},
	})
	// Fields.
	given(evaluated()...).when(awardCmd(afterClose)).thenInvalid(t, "lots")
	given(evaluated()...).when(awardCmd(afterClose, lotDecision("lot-1"))).thenInvalid(t, "lots[0].provider_ids")
	given(evaluated()...).when(domain.AwardFramework{Actor: lead, Now: afterClose, Lots: []domain.LotAwardDecision{l1}}).thenInvalid(t, "reason")
}

func TestActivate(t *testing.T) {
	s := given(awarded()...).when(domain.ActivateFramework{Actor: lead, Now: running, Reason: "contracts signed"}).
		thenEvents(t, &frameworkv1.FrameworkActivated{FrameworkId: fwID, Reason: "contracts signed"})
	if s.Status != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE {
		t.Fatalf("status: %v", s.Status)
	}
	given(evaluated()...).when(domain.ActivateFramework{Actor: lead, Now: afterClose, Reason: "too soon"}).thenRule(t, domain.RuleActivateOnlyAwarded)
	given(active()...).when(domain.ActivateFramework{Actor: lead, Now: running, Reason: "again"}).thenRule(t, domain.RuleActivateOnlyAwarded)
	given(awarded()...).when(domain.ActivateFramework{Actor: lead, Now: running}).thenInvalid(t, "reason")
	given(terminated()...).when(domain.ActivateFramework{Actor: lead, Now: running, Reason: "x"}).thenRule(t, domain.RuleEnded)
}

func extendCmd(now time.Time) domain.ExtendFramework {
	return domain.ExtendFramework{Actor: lead, Now: now, Reason: "performing well"}
}

func TestExtendUsesTheOptionsInOrder(t *testing.T) {
	history := concat(awarded(), []proto.Message{&frameworkv1.FrameworkActivated{FrameworkId: fwID, Reason: "go"}})
	first := &frameworkv1.FrameworkExtended{FrameworkId: fwID, Months: 12, NewEnd: "2029-03-31", Reason: "performing well"}
	s := given(history...).when(extendCmd(running)).thenEvents(t, first)
	if s.Status != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXTENDED || s.CurrentEnd != "2029-03-31" || s.ExtensionsUsed != 1 {
		t.Fatalf("after one extension: %v %s %d", s.Status, s.CurrentEnd, s.ExtensionsUsed)
	}
	history = append(history, first)
	second := &frameworkv1.FrameworkExtended{FrameworkId: fwID, Months: 12, NewEnd: "2030-03-31", Reason: "performing well"}
	given(history...).when(extendCmd(running)).thenEvents(t, second)
	history = append(history, second)
	given(history...).when(extendCmd(running)).thenRule(t, domain.RuleNoExtensionLeft)
}

func TestExtendRules(t *testing.T) {
	given(awarded()...).when(extendCmd(running)).thenRule(t, domain.RuleNotActive)
	given(draft()...).when(extendCmd(t0)).thenRule(t, domain.RuleNotActive)
	given(terminated()...).when(extendCmd(running)).thenRule(t, domain.RuleEnded)
	given(active()...).when(domain.ExtendFramework{Actor: lead, Now: running}).thenInvalid(t, "reason")
	// Without options there is nothing to use.
	noOptions := concat([]proto.Message{&frameworkv1.FrameworkDrafted{FrameworkId: fwID, Consortium: nw,
		Terms: termsWith(func(t *frameworkv1.FrameworkTerms) { t.ExtensionOptionsMonths = nil })}}, active()[1:])
	given(noOptions...).when(extendCmd(running)).thenRule(t, domain.RuleNoExtensionLeft)
}

func TestExpire(t *testing.T) {
	dayAfterEnd := time.Date(2028, 4, 1, 0, 0, 0, 0, time.UTC)
	s := given(active()...).when(domain.ExpireFramework{Actor: lead, Now: dayAfterEnd}).
		thenEvents(t, &frameworkv1.FrameworkExpired{FrameworkId: fwID, End: "2028-03-31"})
	if s.Status != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXPIRED || !s.Ended() {
		t.Fatalf("status: %v", s.Status)
	}
	lastDay := time.Date(2028, 3, 31, 23, 59, 59, 0, time.UTC)
	given(active()...).when(domain.ExpireFramework{Actor: lead, Now: lastDay}).thenRule(t, domain.RuleNotYetEnded)
	// After an extension the new end counts.
	extended := append(active(), &frameworkv1.FrameworkExtended{FrameworkId: fwID, Months: 12, NewEnd: "2029-03-31", Reason: "x"})
	given(extended...).when(domain.ExpireFramework{Actor: lead, Now: dayAfterEnd}).thenRule(t, domain.RuleNotYetEnded)
	given(extended...).when(domain.ExpireFramework{Actor: lead, Now: time.Date(2029, 4, 1, 8, 0, 0, 0, time.UTC)}).
		thenEvents(t, &frameworkv1.FrameworkExpired{FrameworkId: fwID, End: "2029-03-31"})
	given(awarded()...).when(domain.ExpireFramework{Actor: lead, Now: dayAfterEnd}).thenRule(t, domain.RuleNotActive)
	given(expired()...).when(domain.ExpireFramework{Actor: lead, Now: dayAfterEnd}).thenRule(t, domain.RuleEnded)
}

func TestTerminateFromAnyStateButEnded(t *testing.T) {
	cmd := domain.TerminateFramework{Actor: lead, Now: running, Reason: "the consortium is dissolved"}
	want := &frameworkv1.FrameworkTerminated{FrameworkId: fwID, Reason: "the consortium is dissolved"}
	for _, h := range [][]proto.Message{draft(), open(), evaluated(), awarded(), active()} {
		s := given(h...).when(cmd).thenEvents(t, want)
		if s.Status != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_TERMINATED {
			t.Fatalf("status: %v", s.Status)
		}
	}
	given(active()...).when(domain.TerminateFramework{Actor: lead, Now: running}).thenInvalid(t, "reason")
	given(terminated()...).when(cmd).thenRule(t, domain.RuleEnded)
	given(expired()...).when(cmd).thenRule(t, domain.RuleEnded)
}

func TestAnEndedFrameworkRefusesEveryChange(t *testing.T) {
	cmds := []domain.Command{
		domain.AmendFramework{Actor: lead, Now: running, Terms: terms(), Reason: "x"},
		domain.AddMemberCouncil{Actor: lead, Now: running, LACode: "354", Reason: "x"},
		domain.RemoveMemberCouncil{Actor: lead, Now: running, LACode: "353", Reason: "x"},
		domain.OpenForBids{Actor: lead, Now: running, BidsCloseAt: running.Add(time.Hour)},
		submit(acme, running, "lot-1", 400000),
		scoreCmd(running, "acme-care", 80),
		awardCmd(running, lotDecision("lot-1", "acme-care")),
		domain.ActivateFramework{Actor: lead, Now: running, Reason: "x"},
		extendCmd(running),
		domain.ExpireFramework{Actor: lead, Now: running},
		domain.TerminateFramework{Actor: lead, Now: running, Reason: "x"},
		domain.RequestPriceUplift{Actor: acme, Now: running, LotID: "lot-1", RequestedWeeklyPence: 420000, EffectiveFrom: "2026-07-01", Justification: "x"},
		domain.ApprovePriceUplift{Actor: lead, Now: running, UpliftID: "up-1", Reason: "x"},
		domain.RejectPriceUplift{Actor: lead, Now: running, UpliftID: "up-1", Reason: "x"},
		domain.SuspendProvider{Actor: lead, Now: running, LotID: "lot-1", ProviderID: "acme-care", Reason: "x"},
		domain.ReinstateProvider{Actor: lead, Now: running, LotID: "lot-1", ProviderID: "acme-care", Reason: "x"},
	}
	for _, ended := range [][]proto.Message{append(terminated(), upliftRequested()), append(expired(), upliftRequested())} {
		for _, c := range cmds {
			given(ended...).when(c).thenRule(t, domain.RuleEnded)
		}
	}
}
