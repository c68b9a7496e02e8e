package domain_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// given → when → then.

type scenario struct{ history []proto.Message }

func given(events ...proto.Message) scenario { return scenario{history: events} }

func (sc scenario) state() domain.State {
	s := domain.Initial()
	for _, e := range sc.history {
		s = domain.Evolve(s, e)
	}
	return s
}

type outcome struct {
	events []proto.Message
	err    error
	after  domain.State
}

func (sc scenario) when(c domain.Command) outcome {
	s := sc.state()
	events, err := domain.Decide(s, c)
	for _, e := range events {
		s = domain.Evolve(s, e)
	}
	return outcome{events: events, err: err, after: s}
}

func (o outcome) thenEvents(t *testing.T, want ...proto.Message) domain.State {
	t.Helper()
	if o.err != nil {
		t.Fatalf("want %d event(s), got error: %v", len(want), o.err)
	}
	if len(o.events) != len(want) {
		t.Fatalf("want %d event(s), got %d: %v", len(want), len(o.events), o.events)
	}
	for i := range want {
		if !proto.Equal(o.events[i], want[i]) {
			t.Errorf("event %d:\n got %T %v\nwant %T %v", i, o.events[i], o.events[i], want[i], want[i])
		}
	}
	return o.after
}

func (o outcome) thenError(t *testing.T, kind domainerr.Kind, rule string) {
	t.Helper()
	if o.err == nil {
		t.Fatalf("want %s error, got events %v", rule, o.events)
	}
	de, ok := domainerr.As(o.err)
	if !ok {
		t.Fatalf("want a domain error, got %v", o.err)
	}
	if de.Kind != kind || de.Rule != rule {
		t.Fatalf("want kind %d rule %q, got kind %d rule %q: %s", kind, rule, de.Kind, de.Rule, de.Message)
	}
	if de.Message == "" {
		t.Fatalf("error %q has no message", rule)
	}
	if len(o.events) != 0 {
		t.Fatalf("a refused command returned events %v", o.events)
	}
}

// thenRule expects a broken business rule.
func (o outcome) thenRule(t *testing.T, rule string) {
	t.Helper()
	o.thenError(t, domainerr.Precondition, rule)
}

// thenInvalid expects a bad field.
func (o outcome) thenInvalid(t *testing.T, path string) {
	t.Helper()
	o.thenError(t, domainerr.Invalid, path)
}

// thenMissing expects something not found.
func (o outcome) thenMissing(t *testing.T, what string) {
	t.Helper()
	o.thenError(t, domainerr.NotFound, what)
}

// thenForbidden expects the actor to be refused.
func (o outcome) thenForbidden(t *testing.T) {
	t.Helper()
	o.thenError(t, domainerr.Denied, "")
}

// Fixtures: framework fw-1 of consortium north-west, two lots, two member
// councils, bidding closing at closeAt.

const (
	fwID = "fw-1"
	nw   = "north-west"
)

var (
	lead       = domain.NewActor("lead-1", "consortium:north-west", domain.RoleConsortiumLead)
	otherLead  = domain.NewActor("lead-2", "consortium:east", domain.RoleConsortiumLead)
	acme       = domain.NewActor("u-acme", "provider:acme-care", domain.RoleProviderAdmin)
	bright     = domain.NewActor("u-bright", "provider:bright-homes", domain.RoleProviderAdmin)
	calm       = domain.NewActor("u-calm", "provider:calm-care", domain.RoleProviderAdmin)
	responder  = domain.NewActor("u-resp", "provider:acme-care", "provider_responder")
	commission = domain.NewActor("u-352", "council:352", "council_commissioner")

	t0      = time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	closeAt = time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
	// afterClose is during evaluation.
	afterClose = closeAt.Add(time.Hour)
	// running is a moment while the framework is active.
	running = time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
)

// terms: lot-1 £3,000–£8,000 a week, quality threshold 50; lot-2 £500–£1,500,
// threshold 40; 2026-04-01 to 2028-03-31 with two 12-month options (ending
// 2030-03-31, exactly 4 years); 70/30.
func terms() *frameworkv1.FrameworkTerms {
	return &frameworkv1.FrameworkTerms{
		Title:    "Residential care North West",
		Category: frameworkv1.Category_CATEGORY_RESIDENTIAL,
		Lots: []*frameworkv1.LotTerms{
			{LotId: "lot-1", Name: "Residential: emotional and behavioural needs", PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 300000, MaxWeeklyPence: 800000}, QualityThreshold: 50},
			{LotId: "lot-2", Name: "Residential: short breaks", PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 50000, MaxWeeklyPence: 150000}, QualityThreshold: 40},
		},
		MemberCouncils:         []string{"352", "353"},
		TermStart:              "2026-04-01",
		TermEnd:                "2028-03-31",
		ExtensionOptionsMonths: []uint32{12, 12},
		QualityWeight:          70,
		PriceWeight:            30,
	}
}

func termsWith(change func(*frameworkv1.FrameworkTerms)) *frameworkv1.FrameworkTerms {
	t := terms()
	change(t)
	return t
}

func answers() []*frameworkv1.QualityAnswer {
	return []*frameworkv1.QualityAnswer{{Question: "How do you keep children safe?", Answer: "Safer recruitment, training and supervision."}}
}

func drafted() *frameworkv1.FrameworkDrafted {
	return &frameworkv1.FrameworkDrafted{FrameworkId: fwID, Consortium: nw, Terms: terms()}
}

func opened() *frameworkv1.FrameworkOpenedForBids {
	return &frameworkv1.FrameworkOpenedForBids{FrameworkId: fwID, BidsCloseAt: timestamppb.New(closeAt)}
}

func bid(lot, provider string, pence int64) *frameworkv1.BidSubmitted {
	return &frameworkv1.BidSubmitted{FrameworkId: fwID, LotId: lot, ProviderId: provider, WeeklyPricePence: pence, QualityAnswers: answers()}
}

func scored(lot, provider string, quality uint32, priceScore, total float64) *frameworkv1.BidScored {
	return &frameworkv1.BidScored{FrameworkId: fwID, LotId: lot, ProviderId: provider, QualityScore: quality, PriceScore: priceScore, TotalScore: total, Reason: "evaluated by the panel"}
}

func admitted(provider string, rank uint32, total float64, pence int64) *frameworkv1.AdmittedProvider {
	return &frameworkv1.AdmittedProvider{ProviderId: provider, Rank: rank, TotalScore: total, WeeklyPricePence: pence}
}

// Histories of the framework at each stage.

func draft() []proto.Message { return []proto.Message{drafted()} }

func open() []proto.Message { return append(draft(), opened()) }

// withBids: on lot-1, acme bids £4,000 and bright £5,000.
func withBids() []proto.Message {
	return append(open(), bid("lot-1", "acme-care", 400000), bid("lot-1", "bright-homes", 500000))
}

// evaluated: acme scored 80 (price 100, total 86), bright 90 (price 80, total 87).
func evaluated() []proto.Message {
	return append(withBids(), scored("lot-1", "acme-care", 80, 100, 86), scored("lot-1", "bright-homes", 90, 80, 87))
}

func awarded() []proto.Message {
	return append(evaluated(), &frameworkv1.FrameworkAwarded{FrameworkId: fwID, Reason: "best value", NoticePublishedOn: sstAfterCloseDay, StandstillEnds: sstAfterCloseEnds, Lots: []*frameworkv1.LotAward{
		{LotId: "lot-1", Admitted: []*frameworkv1.AdmittedProvider{admitted("bright-homes", 1, 87, 500000), admitted("acme-care", 2, 86, 400000)}},
	}})
}

func active() []proto.Message {
	return append(awarded(), &frameworkv1.FrameworkActivated{FrameworkId: fwID, Reason: "contracts signed"})
}

func terminated() []proto.Message {
	return append(active(), &frameworkv1.FrameworkTerminated{FrameworkId: fwID, Reason: "market collapse"})
}

func expired() []proto.Message {
	return append(active(), &frameworkv1.FrameworkExpired{FrameworkId: fwID, End: "2028-03-31"})
}

func upliftRequested() *frameworkv1.PriceUpliftRequested {
	return &frameworkv1.PriceUpliftRequested{FrameworkId: fwID, UpliftId: "up-1", LotId: "lot-1", ProviderId: "acme-care",
		CurrentWeeklyPence: 400000, RequestedWeeklyPence: 420000, EffectiveFrom: "2026-07-01", Justification: "National Living Wage rise"}
}

func suspended(provider string) *frameworkv1.ProviderSuspendedFromLot {
	return &frameworkv1.ProviderSuspendedFromLot{FrameworkId: fwID, LotId: "lot-1", ProviderId: provider, Reason: "Inadequate Ofsted judgement"}
}

func concat(parts ...[]proto.Message) []proto.Message {
	var out []proto.Message
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
