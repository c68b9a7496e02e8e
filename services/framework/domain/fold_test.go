package domain_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/aggregate/evolvetest"
)

var foldCmp = []cmp.Option{cmp.AllowUnexported(domain.State{}), protocmp.Transform()}

// foldProviders bid: even ones on lot-1, odd ones on lot-2.
const foldProviders = 12

func foldProvider(i int) (id, lot string) {
	if i%2 == 0 {
		return fmt.Sprintf("p-%02d", i), "lot-1"
	}
	return fmt.Sprintf("p-%02d", i), "lot-2"
}

// foldHistory is a framework's life: drafted and amended, members changed,
// bids (some amended) and scores, an award of both lots, activation, then
// calloffs call-offs with uplifts approved and rejected, suspensions by the
// lead and by the early-warning policy, reinstatements, an extension and an
// event the state does not know.
func foldHistory(calloffs int) []proto.Message {
	h := []proto.Message{
		drafted(),
		&frameworkv1.FrameworkAmended{FrameworkId: fwID, Reason: "clearer title", Terms: termsWith(func(t *frameworkv1.FrameworkTerms) { t.Title = "Residential care, North West" })},
		&frameworkv1.MemberCouncilAdded{FrameworkId: fwID, LaCode: "354", Reason: "joined"},
		&frameworkv1.MemberCouncilRemoved{FrameworkId: fwID, LaCode: "353", Reason: "left"},
		opened(),
	}
	pence := func(i int) int64 { return 300000 + int64(i)*10000 }
	lot2Pence := func(i int) int64 { return 50000 + int64(i)*5000 }
	price := func(i int) int64 {
		if _, lot := foldProvider(i); lot == "lot-2" {
			return lot2Pence(i)
		}
		return pence(i)
	}
	for i := range foldProviders {
		p, lot := foldProvider(i)
		h = append(h, bid(lot, p, price(i)))
		if i%5 == 0 {
			h = append(h, &frameworkv1.BidAmended{FrameworkId: fwID, LotId: lot, ProviderId: p, WeeklyPricePence: price(i) - 1000, QualityAnswers: answers()})
		}
	}
	award := map[string][]*frameworkv1.AdmittedProvider{}
	for i := range foldProviders {
		p, lot := foldProvider(i)
		total := float64(90 - i)
		h = append(h, scored(lot, p, uint32(60+i), 80, total))
		award[lot] = append(award[lot], admitted(p, uint32(len(award[lot])+1), total, price(i)))
	}
	h = append(h,
		scored("lot-1", "never-bid", 70, 70, 70), // scores no bid: changes nothing
		&frameworkv1.FrameworkAwarded{FrameworkId: fwID, Reason: "best value", NoticePublishedOn: sstAfterCloseDay, StandstillEnds: sstAfterCloseEnds, Lots: []*frameworkv1.LotAward{
			{LotId: "lot-1", Admitted: award["lot-1"]}, {LotId: "lot-2", Admitted: award["lot-2"]}}},
		&frameworkv1.FrameworkActivated{FrameworkId: fwID, Reason: "contracts signed"},
	)
	uplifts := 0
	for n := range calloffs {
		p, lot := foldProvider(n % foldProviders)
		at := running.Add(time.Duration(n) * 24 * time.Hour)
		h = append(h, &frameworkv1.CallOffRecorded{FrameworkId: fwID, LotId: lot, Council: "352", ProviderId: p,
			Method: frameworkv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD, Ranking: []string{p}, Reason: "best match",
			PlacementId: fmt.Sprintf("pl-%d", n), ReferralId: fmt.Sprintf("ref-%d", n), AwardedAt: timestamppb.New(at)})
		switch n % 10 {
		case 3: // a provider asks for more; every other request is approved
			uplifts++
			id := fmt.Sprintf("up-%d", uplifts)
			h = append(h, &frameworkv1.PriceUpliftRequested{FrameworkId: fwID, UpliftId: id, LotId: lot, ProviderId: p,
				CurrentWeeklyPence: price(n % foldProviders), RequestedWeeklyPence: price(n%foldProviders) + 15000, EffectiveFrom: "2026-07-01", Justification: "National Living Wage rise"})
			if uplifts%2 == 1 {
				h = append(h, &frameworkv1.PriceUpliftApproved{FrameworkId: fwID, UpliftId: id, LotId: lot, ProviderId: p, NewWeeklyPence: price(n%foldProviders) + 15000, EffectiveFrom: "2026-07-01", Reason: "evidenced"})
			} else {
				h = append(h, &frameworkv1.PriceUpliftRejected{FrameworkId: fwID, UpliftId: id, Reason: "not evidenced"})
			}
		case 6:
			h = append(h, policySuspended(lot, p), policyReinstated(lot, p))
		case 8:
			h = append(h, &frameworkv1.ProviderSuspendedFromLot{FrameworkId: fwID, LotId: lot, ProviderId: p, Reason: "Inadequate Ofsted judgement"})
			if n%20 == 8 {
				h = append(h, &frameworkv1.ProviderReinstatedOnLot{FrameworkId: fwID, LotId: lot, ProviderId: p, Reason: "Good at reinspection"})
			}
		}
		if n == calloffs/2 {
			h = append(h, &frameworkv1.FrameworkExtended{FrameworkId: fwID, Months: 12, NewEnd: "2029-03-31", Reason: "working well"}, &emptypb.Empty{})
		}
	}
	return h
}

// foldStep evolves events one at a time from the initial state.
func foldStep(events []proto.Message) domain.State {
	s := domain.Initial()
	for _, e := range events {
		s = domain.Evolve(s, e)
	}
	return s
}

func foldOne(s domain.State, e proto.Message) domain.State {
	return domain.Fold(s, []proto.Message{e})
}

func TestFoldIsEvolveEventByEvent(t *testing.T) {
	h := foldHistory(60)
	want := foldStep(h)
	if d := cmp.Diff(want, domain.Fold(domain.Initial(), h), foldCmp...); d != "" {
		t.Fatalf("folding at once differs from evolving one by one (-evolved +folded):\n%s", d)
	}
	// The history reaches what it is meant to, so the comparison is not of
	// two empty states.
	if len(want.Bids("lot-2")) != foldProviders/2 || len(want.Admitted("lot-1")) != foldProviders/2 ||
		len(want.Uplifts()) != 6 || !want.CallOffRecorded("pl-59") || want.ExtensionsUsed != 1 {
		t.Fatalf("the history did not build the framework it describes: %d bids, %d admitted, %d uplifts",
			len(want.Bids("lot-2")), len(want.Admitted("lot-1")), len(want.Uplifts()))
	}
	evolvetest.AssertFold(t, domain.Evolve, domain.Fold, h)
}

// Folding the rest of a history onto the state of any prefix gives the
// state of the whole, and leaves the prefix's state as it was.
func TestFoldOntoAnyPrefix(t *testing.T) {
	h := foldHistory(30)
	want := domain.Fold(domain.Initial(), h)
	for i := range len(h) + 1 {
		given := domain.Fold(domain.Initial(), h[:i])
		got := domain.Fold(given, h[i:])
		if d := cmp.Diff(want, got, foldCmp...); d != "" {
			t.Fatalf("folding events %d.. onto the state of the first %d (-whole +split):\n%s", i, i, d)
		}
		if d := cmp.Diff(foldStep(h[:i]), given, foldCmp...); d != "" {
			t.Fatalf("folding events %d.. changed the state it was given (-before +after):\n%s", i, d)
		}
	}
}

func TestFoldNeverChangesTheStateItIsGiven(t *testing.T) {
	h := foldHistory(20)
	history, next := h[:len(h)-25], h[len(h)-25:]
	// Events that write to every map the state holds, into lots and
	// entries the history already has.
	next = append(next,
		bid("lot-1", "p-00", 123400),
		&frameworkv1.BidAmended{FrameworkId: fwID, LotId: "lot-2", ProviderId: "p-01", WeeklyPricePence: 99000},
		scored("lot-1", "p-02", 11, 12, 13),
		&frameworkv1.FrameworkAwarded{FrameworkId: fwID, Lots: []*frameworkv1.LotAward{{LotId: "lot-2", Admitted: []*frameworkv1.AdmittedProvider{admitted("p-03", 1, 50, 60000)}}}},
		&frameworkv1.PriceUpliftApproved{FrameworkId: fwID, UpliftId: "up-1", LotId: "lot-1", ProviderId: "p-02", NewWeeklyPence: 1},
		&frameworkv1.PriceUpliftRejected{FrameworkId: fwID, UpliftId: "up-2", Reason: "changed mind"},
		&frameworkv1.CallOffRecorded{FrameworkId: fwID, LotId: "lot-1", PlacementId: "pl-new"},
		&frameworkv1.MemberCouncilAdded{FrameworkId: fwID, LaCode: "355"},
		drafted(),
	)
	evolvetest.AssertPure(t, foldOne, history, next...)

	// Several events at once, along two paths from one state: neither
	// changes the given state nor shows in the other's result.
	given := domain.Fold(domain.Initial(), history)
	a := domain.Fold(given, next)
	b := domain.Fold(given, next[len(next)-9:len(next)-1])
	if d := cmp.Diff(foldStep(history), given, foldCmp...); d != "" {
		t.Fatalf("folding changed the state it was given (-before +after):\n%s", d)
	}
	if d := cmp.Diff(foldStep(append(history[:len(history):len(history)], next...)), a, foldCmp...); d != "" {
		t.Fatalf("a second fold from the same state changed the first's result (-want +got):\n%s", d)
	}
	if d := cmp.Diff(foldStep(append(history[:len(history):len(history)], next[len(next)-9:len(next)-1]...)), b, foldCmp...); d != "" {
		t.Fatalf("the second fold's result is wrong (-want +got):\n%s", d)
	}
}

// BenchmarkFoldLongFramework loads a framework with 2,000 call-offs at
// once (Fold, as the repository does) and event by event (Evolve), which
// copies the call-offs on each.
func BenchmarkFoldLongFramework(b *testing.B) {
	h := foldHistory(2000)
	b.Run("Fold", func(b *testing.B) {
		for b.Loop() {
			domain.Fold(domain.Initial(), h)
		}
	})
	b.Run("Evolve", func(b *testing.B) {
		for b.Loop() {
			foldStep(h)
		}
	})
}
