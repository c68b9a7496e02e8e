package domain_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/emptypb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
)

func TestInitialDoesNotExist(t *testing.T) {
	s := domain.Initial()
	if s.Exists() || s.StatusAt(t0) != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_UNSPECIFIED {
		t.Fatal("the initial state exists")
	}
}

func TestEvolveIgnoresUnknownEvents(t *testing.T) {
	before := given(active()...).state()
	after := domain.Evolve(before, &emptypb.Empty{})
	if after.Status != before.Status || after.CurrentEnd != before.CurrentEnd {
		t.Fatal("an unknown event changed the state")
	}
}

func TestEvolveNeverChangesTheStateItIsGiven(t *testing.T) {
	base := given(evaluated()...).state()
	_ = domain.Evolve(base, bid("lot-2", "calm-care", 100000))
	_ = domain.Evolve(base, scored("lot-1", "acme-care", 10, 100, 37))
	if _, ok := base.Bid("lot-2", "calm-care"); ok {
		t.Fatal("Evolve added a bid to the state it was given")
	}
	if b, _ := base.Bid("lot-1", "acme-care"); b.QualityScore != 80 {
		t.Fatal("Evolve rescored a bid of the state it was given")
	}
	act := given(active()...).state()
	_ = domain.Evolve(act, suspended("acme-care"))
	_ = domain.Evolve(act, upliftRequested())
	_ = domain.Evolve(act, &frameworkv1.MemberCouncilRemoved{FrameworkId: fwID, LaCode: "352"})
	_ = domain.Evolve(act, &frameworkv1.MemberCouncilAdded{FrameworkId: fwID, LaCode: "354"})
	if a, _ := act.Admission("lot-1", "acme-care"); a.Suspended {
		t.Fatal("Evolve suspended a provider in the state it was given")
	}
	if len(act.Uplifts()) != 0 || len(act.MemberCouncils) != 2 || act.MemberCouncils[0] != "352" {
		t.Fatalf("Evolve changed the state it was given: %v %v", act.Uplifts(), act.MemberCouncils)
	}
}

func TestDecideTakesCommandsByPointerToo(t *testing.T) {
	given(draft()...).when(&domain.OpenForBids{Actor: lead, Now: t0, BidsCloseAt: closeAt}).thenEvents(t, opened())
	if _, err := domain.Decide(domain.Initial(), nil); err == nil {
		t.Fatal("a nil command was decided")
	}
}

func TestWholeLife(t *testing.T) {
	steps := []domain.Command{
		draftCmd(terms()),
		domain.OpenForBids{Actor: lead, Now: t0, BidsCloseAt: closeAt},
		submit(acme, t0, "lot-1", 420000),
		submit(bright, t0, "lot-1", 500000),
		submit(acme, t0.Add(time.Hour), "lot-1", 400000),
		scoreCmd(afterClose, "acme-care", 80),
		scoreCmd(afterClose, "bright-homes", 90),
		awardCmd(afterClose, lotDecision("lot-1", "acme-care", "bright-homes")),
		domain.ActivateFramework{Actor: lead, Now: running, Reason: "contracts signed"},
		upliftCmd(acme, 420000, "2026-07-01"),
		domain.ApprovePriceUplift{Actor: lead, Now: running, UpliftID: "up-1", Reason: "in line with the index"},
		suspendCmd("bright-homes"),
		reinstateCmd("bright-homes"),
		extendCmd(running),
		extendCmd(running),
		domain.ExpireFramework{Actor: lead, Now: time.Date(2030, 4, 1, 0, 0, 0, 0, time.UTC)},
	}
	s := domain.Initial()
	var names []string
	for i, c := range steps {
		events, err := domain.Decide(s, c)
		if err != nil {
			t.Fatalf("step %d (%T): %v", i, c, err)
		}
		for _, e := range events {
			s = domain.Evolve(s, e)
			names = append(names, string(e.ProtoReflect().Descriptor().Name()))
		}
	}
	want := "FrameworkDrafted FrameworkOpenedForBids BidSubmitted BidSubmitted BidAmended BidScored BidScored FrameworkAwarded " +
		"FrameworkActivated PriceUpliftRequested PriceUpliftApproved ProviderSuspendedFromLot ProviderReinstatedOnLot " +
		"FrameworkExtended FrameworkExtended FrameworkExpired"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("events:\n got %s\nwant %s", got, want)
	}
	if s.Status != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXPIRED || s.CurrentEnd != "2030-03-31" {
		t.Fatalf("end state: %v %s", s.Status, s.CurrentEnd)
	}
	if a, _ := s.Admission("lot-1", "acme-care"); a.WeeklyPricePence != 420000 || a.Rank != 2 {
		t.Fatalf("acme at the end: %+v", a)
	}
}

func TestAddMonthsKeepsMonthEnds(t *testing.T) {
	cases := map[string]struct {
		from   string
		months int
		want   string
	}{
		"end of January":    {"2026-01-31", 1, "2026-02-28"},
		"end of February":   {"2026-02-28", 1, "2026-03-31"},
		"mid-month":         {"2026-01-15", 1, "2026-02-15"},
		"30th into Feb":     {"2026-01-30", 1, "2026-02-28"},
		"leap day a year":   {"2028-02-29", 12, "2029-02-28"},
		"a year, month end": {"2027-03-31", 12, "2028-03-31"},
		"across years":      {"2026-11-30", 3, "2027-02-28"},
	}
	for name, c := range cases {
		from, _ := time.Parse(domain.DateLayout, c.from)
		if got := domain.AddMonths(from, c.months).Format(domain.DateLayout); got != c.want {
			t.Errorf("%s: %s + %d months = %s, want %s", name, c.from, c.months, got, c.want)
		}
	}
}

func TestDecisionSummary(t *testing.T) {
	cases := []struct {
		event                     proto.Message
		summary, reason, lot, who string
	}{
		{drafted(), `Drafted framework "Residential care North West" for consortium north-west: 2 lots, 2 member councils, term 2026-04-01 to 2028-03-31`, "", "", ""},
		{awarded()[len(awarded())-1], "Admitted 2 providers to lot lot-1; contract award notice published 2026-02-01, standstill ends 2026-02-11", "best value", "lot-1", ""},
		{&frameworkv1.FrameworkAwarded{Lots: []*frameworkv1.LotAward{{LotId: "lot-1", Admitted: []*frameworkv1.AdmittedProvider{{}}}, {LotId: "lot-2"}}, Reason: "r"},
			"Admitted 1 provider to lot lot-1; 0 providers to lot lot-2", "r", "", ""},
		{suspended("acme-care"), "Suspended provider acme-care on lot lot-1", "Inadequate Ofsted judgement", "lot-1", "acme-care"},
		{&frameworkv1.ProviderReinstatedOnLot{LotId: "lot-2", ProviderId: "acme-care", Reason: "good"}, "Reinstated provider acme-care on lot lot-2", "good", "lot-2", "acme-care"},
		{upliftRequested(), "Provider acme-care requested price uplift up-1 on lot lot-1: from £4,000.00 to £4,200.00 a week from 2026-07-01", "National Living Wage rise", "lot-1", "acme-care"},
		{&frameworkv1.PriceUpliftApproved{UpliftId: "up-1", LotId: "lot-1", ProviderId: "acme-care", NewWeeklyPence: 1234567, EffectiveFrom: "2026-07-01", Reason: "ok"},
			"Approved price uplift up-1 for provider acme-care on lot lot-1: £12,345.67 a week from 2026-07-01", "ok", "lot-1", "acme-care"},
		{&frameworkv1.FrameworkExtended{Months: 12, NewEnd: "2029-03-31", Reason: "good"}, "Extended the framework by 12 months to 2029-03-31", "good", "", ""},
		{bid("lot-1", "acme-care", 400000), "Provider acme-care submitted a bid on lot lot-1", "", "lot-1", "acme-care"},
		{&frameworkv1.MemberCouncilAdded{LaCode: "354", Reason: "joins"}, "Added council 354 as a member", "joins", "", ""},
		{&emptypb.Empty{}, "", "", "", ""},
	}
	for _, c := range cases {
		s, r, l, p := domain.DecisionSummary(c.event)
		if s != c.summary || r != c.reason || l != c.lot || p != c.who {
			t.Errorf("%T:\n got %q %q %q %q\nwant %q %q %q %q", c.event, s, r, l, p, c.summary, c.reason, c.lot, c.who)
		}
	}
	// Every event of events.proto has a summary.
	msgs := frameworkv1.File_carecoop_framework_v1_events_proto.Messages()
	for i := range msgs.Len() {
		name := msgs.Get(i).FullName()
		if name.Name() == "AdmittedProvider" || name.Name() == "LotAward" {
			continue // parts of FrameworkAwarded, not events
		}
		mt, err := protoregistry.GlobalTypes.FindMessageByName(name)
		if err != nil {
			t.Fatal(err)
		}
		e := mt.New().Interface()
		if name.Name() == "FrameworkOpenedForBids" {
			e = opened()
		}
		if s, _, _, _ := domain.DecisionSummary(e); s == "" {
			t.Errorf("%s has no summary", name)
		}
	}
}
