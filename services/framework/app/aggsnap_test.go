package app

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/aggregate/snaptest"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// Given a framework's years of events, folded as a load folds them: the
// state Unmarshal gives back from Marshal is the folded state, evolves by
// further events to the same state, and decides commands as the folded one
// does.

var (
	aggsnapLead   = domain.NewActor("lead-1", "consortium:north-west", domain.RoleConsortiumLead)
	aggsnapPolicy = domain.NewActor("policy", "consortium:north-west", domain.RoleConsortiumPolicy)
	aggsnapT0     = time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	aggsnapClose  = time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
)

func aggsnapProvider(i int) domain.Actor {
	return domain.NewActor(fmt.Sprintf("u-%d", i), fmt.Sprintf("provider:p-%02d", i), domain.RoleProviderAdmin)
}

func aggsnapCouncil(la string) domain.Actor {
	return domain.NewActor("u-"+la, "council:"+la, "council_commissioner")
}

func aggsnapTerms() *frameworkv1.FrameworkTerms {
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

// aggsnapHistory decides a framework's life: drafted and amended, forty
// providers bidding (some twice), every bid scored, an award, then four
// years of uplifts, suspensions by the lead and by the early-warning
// policy, reinstatements, an extension and six hundred call-offs.
func aggsnapHistory(t *testing.T) []proto.Message {
	t.Helper()
	var (
		s   = domain.Initial()
		out []proto.Message
	)
	do := func(c domain.Command) {
		t.Helper()
		events, err := domain.Decide(s, c)
		if err != nil {
			t.Fatalf("%T: %v", c, err)
		}
		for _, e := range events {
			s = domain.Evolve(s, e)
		}
		out = append(out, events...)
	}
	do(domain.DraftFramework{Actor: aggsnapLead, Now: aggsnapT0, FrameworkID: "fw-1", Terms: aggsnapTerms()})
	do(domain.AddMemberCouncil{Actor: aggsnapLead, Now: aggsnapT0, LACode: "354", Reason: "joined the consortium"})
	do(domain.RemoveMemberCouncil{Actor: aggsnapLead, Now: aggsnapT0, LACode: "353", Reason: "left the consortium"})
	do(domain.OpenForBids{Actor: aggsnapLead, Now: aggsnapT0, BidsCloseAt: aggsnapClose})
	answers := []*frameworkv1.QualityAnswer{{Question: "How do you keep children safe?", Answer: "Safer recruitment, training and supervision."}}
	lotOf := func(i int) (string, int64) {
		if i%3 == 0 {
			return "lot-2", 50000 + int64(i)*2000
		}
		return "lot-1", 300000 + int64(i)*10000
	}
	for i := range 40 {
		lot, price := lotOf(i)
		do(domain.SubmitBid{Actor: aggsnapProvider(i), Now: aggsnapT0.Add(time.Duration(i) * time.Hour), LotID: lot, WeeklyPricePence: price, QualityAnswers: answers})
		if i%7 == 0 {
			do(domain.SubmitBid{Actor: aggsnapProvider(i), Now: aggsnapT0.Add(time.Duration(i)*time.Hour + time.Minute), LotID: lot, WeeklyPricePence: price + 1000, QualityAnswers: answers})
		}
	}
	evaluating := aggsnapClose.Add(time.Hour)
	award := map[string][]string{}
	for i := range 40 {
		lot, _ := lotOf(i)
		quality := uint32(30 + (i*13)%70)
		do(domain.ScoreBid{Actor: aggsnapLead, Now: evaluating, LotID: lot, ProviderID: fmt.Sprintf("p-%02d", i), QualityScore: quality, Reason: "panel"})
		if (lot == "lot-1" && quality >= 50) || (lot == "lot-2" && quality >= 40) {
			award[lot] = append(award[lot], fmt.Sprintf("p-%02d", i))
		}
	}
	do(domain.AwardFramework{Actor: aggsnapLead, Now: evaluating, Reason: "best value", Lots: []domain.LotAwardDecision{
		{LotID: "lot-1", ProviderIDs: award["lot-1"]}, {LotID: "lot-2", ProviderIDs: award["lot-2"]}}})
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	do(domain.ActivateFramework{Actor: aggsnapLead, Now: now, Reason: "contracts signed"})

	admitted := append(append([]string{}, award["lot-1"]...), award["lot-2"]...)
	councils := []string{"352", "354"}
	var byLead string // the provider the lead suspends, then reinstates
	for week := range 200 {
		now = now.AddDate(0, 0, 7)
		for j := range 3 {
			n := week*3 + j
			p := admitted[(n*7)%len(admitted)]
			lot := "lot-1"
			if a, ok := s.Admission("lot-2", p); ok && !a.Suspended {
				lot = "lot-2"
			}
			la := councils[n%2]
			do(domain.RecordCallOff{Actor: aggsnapCouncil(la), Now: now, CallOff: domain.CallOff{PlacementID: fmt.Sprintf("pl-%d", n), ReferralID: fmt.Sprintf("ref-%d", n),
				LotID: lot, Council: la, ProviderID: p, Method: frameworkv1.CallOffMethod(1 + n%2), Ranking: []string{p}, Reason: "best match", AwardedAt: now}})
		}
		if week%26 == 5 { // twice a year a provider asks for more; every other one is approved
			i := (week / 26) % len(award["lot-1"])
			p := award["lot-1"][i]
			a, _ := s.Admission("lot-1", p)
			if !a.Suspended {
				do(domain.RequestPriceUplift{Actor: domain.NewActor("u", "provider:"+p, domain.RoleProviderAdmin), Now: now, LotID: "lot-1",
					RequestedWeeklyPence: a.WeeklyPricePence + 15000, EffectiveFrom: now.AddDate(0, 1, 0).Format(domain.DateLayout), Justification: "National Living Wage rise"})
				id := s.Uplifts()[len(s.Uplifts())-1].ID
				if week%52 == 5 {
					do(domain.ApprovePriceUplift{Actor: aggsnapLead, Now: now, UpliftID: id, Reason: "evidenced"})
				} else {
					do(domain.RejectPriceUplift{Actor: aggsnapLead, Now: now, UpliftID: id, Reason: "not evidenced"})
				}
			}
		}
		if week%20 == 9 { // the policy suspends a provider on red and reinstates it on green
			p := admitted[(week/20)%len(admitted)]
			do(domain.ApplyRiskAction{Actor: aggsnapPolicy, Now: now, ProviderID: p, Suspend: true, Reason: "red"})
			if week%40 == 9 {
				do(domain.ApplyRiskAction{Actor: aggsnapPolicy, Now: now.Add(time.Hour), ProviderID: p, Suspend: false, Reason: "green again"})
			}
		}
		if week == 60 {
			for _, a := range s.Admitted("lot-1") {
				if !a.Suspended {
					byLead = a.ProviderID
					break
				}
			}
			do(domain.SuspendProvider{Actor: aggsnapLead, Now: now, LotID: "lot-1", ProviderID: byLead, Reason: "Inadequate Ofsted judgement"})
		}
		if week == 90 {
			do(domain.ReinstateProvider{Actor: aggsnapLead, Now: now, LotID: "lot-1", ProviderID: byLead, Reason: "Good at reinspection"})
		}
		if week == 100 {
			do(domain.ExtendFramework{Actor: aggsnapLead, Now: now, Reason: "working well"})
		}
	}
	return out
}

func aggsnapFold(events []proto.Message) domain.State {
	s := domain.Initial()
	for _, e := range events {
		s = domain.Evolve(s, e)
	}
	return s
}

var aggsnapCmp = []cmp.Option{cmp.AllowUnexported(domain.State{}), protocmp.Transform()}

func aggsnapRestore(t *testing.T, s domain.State) domain.State {
	t.Helper()
	data, err := aggsnapFrameworkCodec.Marshal(s)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	got, err := aggsnapFrameworkCodec.Unmarshal(data)
	if err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if d := cmp.Diff(s, got, aggsnapCmp...); d != "" {
		t.Fatalf("restored state differs from the folded one (-folded +restored):\n%s", d)
	}
	return got
}

func aggsnapSameDecision(t *testing.T, folded, restored domain.State, c domain.Command) {
	t.Helper()
	want, wantErr := domain.Decide(folded, c)
	got, gotErr := domain.Decide(restored, c)
	if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
		t.Fatalf("%T: restored state's error %v, folded state's %v", c, gotErr, wantErr)
	}
	if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
		t.Fatalf("%T: restored state decides other events (-folded +restored):\n%s", c, d)
	}
}

func TestAggsnapFrameworkRestoresTheFoldedState(t *testing.T) {
	history := aggsnapHistory(t)
	folded := aggsnapFold(history)
	p := folded.Parts()
	if len(history) < 700 || len(p.CallOffs) != 600 || len(p.Uplifts) < 4 || len(p.Bids) != 2 || folded.ExtensionsUsed != 1 {
		t.Fatalf("the history is not the one meant: %d events, %d call-offs, %d uplifts, %d lots bid on, %d extensions",
			len(history), len(p.CallOffs), len(p.Uplifts), len(p.Bids), folded.ExtensionsUsed)
	}
	restored := aggsnapRestore(t, folded)

	now := time.Date(2030, 1, 6, 9, 0, 0, 0, time.UTC)
	lot1 := folded.Admitted("lot-1")
	first, second := lot1[0].ProviderID, lot1[1].ProviderID
	callOff := func(id string) domain.RecordCallOff {
		return domain.RecordCallOff{Actor: aggsnapCouncil("352"), Now: now, CallOff: domain.CallOff{PlacementID: id, LotID: "lot-1", Council: "352",
			ProviderID: first, Method: frameworkv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD, AwardedAt: now}}
	}
	for _, c := range []domain.Command{
		callOff("pl-17"),   // recorded: nothing
		callOff("pl-9999"), // new
		domain.RequestPriceUplift{Actor: domain.NewActor("u", "provider:"+second, domain.RoleProviderAdmin), Now: now, LotID: "lot-1",
			RequestedWeeklyPence: 900000, EffectiveFrom: "2030-02-01", Justification: "costs"}, // its id follows the uplifts'
		domain.ApprovePriceUplift{Actor: aggsnapLead, Now: now, UpliftID: "up-1", Reason: "again"}, // decided already
		domain.ApplyRiskAction{Actor: aggsnapPolicy, Now: now, ProviderID: first, Suspend: true, Reason: "red"},
		domain.ApplyRiskAction{Actor: aggsnapPolicy, Now: now, ProviderID: aggsnapSuspendedByPolicy(folded), Suspend: false, Reason: "green"},
		domain.ReinstateProvider{Actor: aggsnapLead, Now: now, LotID: "lot-1", ProviderID: second, Reason: "fine"},
		domain.ExtendFramework{Actor: aggsnapLead, Now: now, Reason: "second option"},
		domain.ScoreBid{Actor: aggsnapLead, Now: now, LotID: "lot-1", ProviderID: first, QualityScore: 90, Reason: "late"},
		domain.RemoveMemberCouncil{Actor: aggsnapLead, Now: now, LACode: "353", Reason: "gone"},
	} {
		aggsnapSameDecision(t, folded, restored, c)
	}

	more, err := domain.Decide(folded, callOff("pl-9999"))
	if err != nil {
		t.Fatal(err)
	}
	more = append(more, &frameworkv1.PriceUpliftRequested{FrameworkId: "fw-1", UpliftId: "up-99", LotId: "lot-1", ProviderId: first, RequestedWeeklyPence: 1},
		&frameworkv1.BidScored{FrameworkId: "fw-1", LotId: "lot-1", ProviderId: first, QualityScore: 1},
		&frameworkv1.ProviderSuspendedFromLot{FrameworkId: "fw-1", LotId: "lot-1", ProviderId: first, Reason: "x"},
		&frameworkv1.MemberCouncilAdded{FrameworkId: "fw-1", LaCode: "355"})
	if d := cmp.Diff(aggsnapFold(append(history, more...)), aggsnapFoldFrom(restored, more), aggsnapCmp...); d != "" {
		t.Fatalf("after more events the restored state differs (-folded +restored):\n%s", d)
	}
}

// aggsnapSuspendedByPolicy is a provider the policy suspended and did not reinstate.
func aggsnapSuspendedByPolicy(s domain.State) string {
	for _, lot := range []string{"lot-1", "lot-2"} {
		for _, a := range s.Admitted(lot) {
			if a.Suspended && a.ByMonitoring {
				return a.ProviderID
			}
		}
	}
	return ""
}

func aggsnapFoldFrom(s domain.State, events []proto.Message) domain.State {
	for _, e := range events {
		s = domain.Evolve(s, e)
	}
	return s
}

// Each stage of a framework's life comes back as it was, maps left nil
// until their first entry as Evolve leaves them.
func TestAggsnapFrameworkAtEachStage(t *testing.T) {
	history := aggsnapHistory(t)
	for _, n := range []int{0, 1, 4, 5, 30, 90, 92, len(history) - 1} {
		aggsnapRestore(t, aggsnapFold(history[:n]))
	}
	// An award's lots keep their keys even with no provider left in them.
	s := aggsnapFold(history[:1])
	aggsnapRestore(t, domain.Evolve(s, &frameworkv1.FrameworkAwarded{FrameworkId: "fw-1", Lots: []*frameworkv1.LotAward{{LotId: "lot-1"}}}))
	aggsnapRestore(t, domain.Evolve(s, &frameworkv1.FrameworkAwarded{FrameworkId: "fw-1"}))
}

func TestAggsnapFrameworkGarbageIsAnError(t *testing.T) {
	seed, err := aggsnapFrameworkCodec.Marshal(aggsnapFold(aggsnapHistory(t)[:40]))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range snaptest.Garbage(seed) {
		if _, err := aggsnapFrameworkCodec.Unmarshal(b); err == nil {
			t.Errorf("%x: read as a state", b)
		}
	}
	for _, bad := range []aggsnapFramework{
		{HasTerms: true, Terms: []byte{0xff, 0xff, 0xff}},
		{Bids: []aggsnapBid{{LotID: "lot-1", ProviderID: "p", QualityAnswers: [][]byte{{0xff, 0xff}}}}},
	} {
		data, err := snapshot.Encode(&bad)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := aggsnapFrameworkCodec.Unmarshal(data); err == nil {
			t.Errorf("a snapshot with a part that is not protobuf was read: %+v", bad)
		}
	}
}

func FuzzAggsnapFrameworkUnmarshal(f *testing.F) {
	for _, n := range []int{1, 5, 60} {
		s := domain.Initial()
		for _, e := range []proto.Message{
			&frameworkv1.FrameworkDrafted{FrameworkId: "fw-1", Consortium: "north-west", Terms: aggsnapTerms()},
			&frameworkv1.BidSubmitted{FrameworkId: "fw-1", LotId: "lot-1", ProviderId: "p-1", WeeklyPricePence: 400000, QualityAnswers: []*frameworkv1.QualityAnswer{{Answer: "a"}}},
			&frameworkv1.FrameworkAwarded{FrameworkId: "fw-1", Lots: []*frameworkv1.LotAward{{LotId: "lot-1", Admitted: []*frameworkv1.AdmittedProvider{{ProviderId: "p-1", Rank: 1}}}}},
			&frameworkv1.PriceUpliftRequested{FrameworkId: "fw-1", UpliftId: "up-1", LotId: "lot-1", ProviderId: "p-1"},
			&frameworkv1.CallOffRecorded{FrameworkId: "fw-1", LotId: "lot-1", PlacementId: fmt.Sprint("pl-", n)},
		}[:min(n, 5)] {
			s = domain.Evolve(s, e)
		}
		data, err := aggsnapFrameworkCodec.Marshal(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := aggsnapFrameworkCodec.Unmarshal(data)
		if err != nil {
			return
		}
		if _, err := aggsnapFrameworkCodec.Marshal(s); err != nil {
			t.Fatalf("a state read from %x does not marshal: %v", data, err)
		}
	})
}
