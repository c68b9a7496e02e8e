package domain_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// afterClose is Sunday 1 February 2026: the standstill begins with it but
// counts from Monday 2 February, and its eighth working day is Wednesday
// 11 February.
const (
	sstAfterCloseDay  = "2026-02-01"
	sstAfterCloseEnds = "2026-02-11"
)

func activateAt(now time.Time) domain.ActivateFramework {
	return domain.ActivateFramework{Actor: lead, Now: now, Reason: "contracts signed"}
}

func TestStandstillEndsAfterEightWorkingDays(t *testing.T) {
	for _, c := range []struct{ notice, ends, why string }{
		{"2026-02-02", "2026-02-11", "a Monday counts itself: Mon 2 to Fri 6, then Mon 9 to Wed 11"},
		{"2026-02-01", "2026-02-11", "a Sunday does not count: the period starts on Monday"},
		{"2026-12-17", "2026-12-30", "Christmas Day and the Boxing Day substitute (Monday 28) do not count"},
		{"2026-04-02", "2026-04-15", "Good Friday 3 April and Easter Monday 6 April do not count"},
	} {
		notice, _ := time.Parse(time.DateOnly, c.notice)
		if got := domain.StandstillEnds(notice).Format(time.DateOnly); got != c.ends {
			t.Errorf("standstill from a notice on %s ends %s, want %s (%s)", c.notice, got, c.ends, c.why)
		}
	}
}

func TestAwardStartsTheStandstill(t *testing.T) {
	// Without a notice day the notice is today's, in England.
	s := given(evaluated()...).when(awardCmd(afterClose, lotDecision("lot-1", "bright-homes"))).thenEvents(t, &frameworkv1.FrameworkAwarded{
		FrameworkId: fwID, Reason: "best value on the published weighting", NoticePublishedOn: sstAfterCloseDay, StandstillEnds: sstAfterCloseEnds,
		Lots: []*frameworkv1.LotAward{{LotId: "lot-1", Admitted: []*frameworkv1.AdmittedProvider{admitted("bright-homes", 1, 87, 500000)}}},
	})
	if s.NoticePublishedOn != sstAfterCloseDay || s.StandstillEnds != sstAfterCloseEnds {
		t.Fatalf("state after the award: notice %q, standstill ends %q", s.NoticePublishedOn, s.StandstillEnds)
	}
	// 23:30 UTC on 31 May is already 1 June in London (BST): the notice day
	// is the English one.
	late := time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC)
	lateAward := given(evaluated()...).when(awardCmd(late, lotDecision("lot-1", "bright-homes")))
	if lateAward.err != nil {
		t.Fatal(lateAward.err)
	}
	if ev := lateAward.events[0].(*frameworkv1.FrameworkAwarded); ev.GetNoticePublishedOn() != "2026-06-01" || ev.GetStandstillEnds() != "2026-06-10" {
		t.Fatalf("an award at 00:30 BST on 1 June: notice %s, standstill ends %s", ev.GetNoticePublishedOn(), ev.GetStandstillEnds())
	}
	// A notice published before the award was recorded, today's, and none
	// from the future.
	withNotice := func(now time.Time, day string) domain.AwardFramework {
		c := awardCmd(now, lotDecision("lot-1", "bright-homes"))
		c.NoticePublishedOn = day
		return c
	}
	past := given(evaluated()...).when(withNotice(running, "2026-05-11"))
	if past.err != nil || past.after.StandstillEnds != "2026-05-20" {
		t.Fatalf("a notice of Monday 11 May 2026: %v, standstill ends %q, want 2026-05-20", past.err, past.after.StandstillEnds)
	}
	given(evaluated()...).when(withNotice(running, "2026-06-01")).thenEvents(t, &frameworkv1.FrameworkAwarded{
		FrameworkId: fwID, Reason: "best value on the published weighting", NoticePublishedOn: "2026-06-01", StandstillEnds: "2026-06-10",
		Lots: []*frameworkv1.LotAward{{LotId: "lot-1", Admitted: []*frameworkv1.AdmittedProvider{admitted("bright-homes", 1, 87, 500000)}}},
	})
	given(evaluated()...).when(withNotice(running, "2026-06-02")).thenRule(t, domain.RuleNoticeNotInFuture)
	given(evaluated()...).when(withNotice(running, "2026-02-30")).thenInvalid(t, "notice_published_on")
	given(evaluated()...).when(withNotice(running, "1 June")).thenInvalid(t, "notice_published_on")
}

func TestActivateOnlyAfterTheStandstill(t *testing.T) {
	// The standstill ends at the end of Wednesday 11 February 2026 (GMT).
	lastMinute := time.Date(2026, 2, 11, 23, 59, 59, 0, time.UTC)
	o := given(awarded()...).when(activateAt(lastMinute))
	o.thenRule(t, domain.RuleStandstill)
	de, _ := domainerr.As(o.err)
	for _, want := range []string{"Wednesday 11 February 2026", "from Thursday 12 February 2026", "Sunday 1 February 2026"} {
		if !strings.Contains(de.Message, want) {
			t.Errorf("the refusal %q does not say %q", de.Message, want)
		}
	}
	given(awarded()...).when(activateAt(afterClose)).thenRule(t, domain.RuleStandstill)
	s := given(awarded()...).when(activateAt(lastMinute.Add(time.Second))).
		thenEvents(t, &frameworkv1.FrameworkActivated{FrameworkId: fwID, Reason: "contracts signed"})
	if s.Status != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE {
		t.Fatalf("status: %v", s.Status)
	}
	// In summer the day ends at 23:00 UTC: the award of 1 June ends its
	// standstill on 10 June, and 23:30 UTC that day is 11 June in London.
	summer := concat(evaluated(), []proto.Message{&frameworkv1.FrameworkAwarded{FrameworkId: fwID, Reason: "best value",
		NoticePublishedOn: "2026-06-01", StandstillEnds: "2026-06-10",
		Lots: []*frameworkv1.LotAward{{LotId: "lot-1", Admitted: []*frameworkv1.AdmittedProvider{admitted("bright-homes", 1, 87, 500000)}}}}})
	given(summer...).when(activateAt(time.Date(2026, 6, 10, 22, 59, 0, 0, time.UTC))).thenRule(t, domain.RuleStandstill)
	given(summer...).when(activateAt(time.Date(2026, 6, 10, 23, 0, 0, 0, time.UTC))).
		thenEvents(t, &frameworkv1.FrameworkActivated{FrameworkId: fwID, Reason: "contracts signed"})
	// An award recorded before the standstill was kept has none to wait for.
	old := concat(evaluated(), []proto.Message{&frameworkv1.FrameworkAwarded{FrameworkId: fwID, Reason: "best value",
		Lots: []*frameworkv1.LotAward{{LotId: "lot-1", Admitted: []*frameworkv1.AdmittedProvider{admitted("bright-homes", 1, 87, 500000)}}}}})
	given(old...).when(activateAt(afterClose)).thenEvents(t, &frameworkv1.FrameworkActivated{FrameworkId: fwID, Reason: "contracts signed"})
	// Only the lead, and the other rules first.
	given(awarded()...).when(domain.ActivateFramework{Actor: otherLead, Now: afterClose, Reason: "x"}).thenForbidden(t)
	given(awarded()...).when(domain.ActivateFramework{Actor: lead, Now: afterClose}).thenInvalid(t, "reason")
}

func TestTheDecisionLogShowsTheStandstill(t *testing.T) {
	summary, _, _, _ := domain.DecisionSummary(awarded()[len(awarded())-1])
	if !strings.Contains(summary, "contract award notice published 2026-02-01, standstill ends 2026-02-11") {
		t.Fatalf("award summary %q", summary)
	}
	old, _, _, _ := domain.DecisionSummary(&frameworkv1.FrameworkAwarded{Lots: []*frameworkv1.LotAward{{LotId: "lot-1"}}})
	if strings.Contains(old, "standstill") {
		t.Fatalf("an award without a standstill says %q", old)
	}
}
