package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate/evolvetest"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

const blkID = "blk-1"

func givenBlk(events ...proto.Message) scenario[domain.BlkState, domain.BlkCommand] {
	return scenario[domain.BlkState, domain.BlkCommand]{initial: domain.InitialBlk(), evolve: domain.EvolveBlk, decide: domain.DecideBlk, history: events}
}

// blkAcmeFacts is acme-care with Oak House (4 places) and Elm House (2).
func blkAcmeFacts() domain.BlkProviderFacts {
	st := givenProvider(withSettings()...).state()
	return domain.BlkProviderFacts{Registered: true, Name: st.Name(), Settings: st.Settings}
}

func blkReserve(a domain.Actor, change func(*domain.BlkReserveCapacity)) domain.BlkReserveCapacity {
	c := domain.BlkReserveCapacity{Actor: a, Now: now, ContractID: blkID, ProviderID: acmeID, Provider: blkAcmeFacts(),
		Settings: []*purchasingv1.ReservedSetting{{Urn: "SC100001", Places: 2}}, StartsOn: today, EndsOn: "2027-11-22",
		WeeklyPricePence: 450000, Kind: purchasingv1.BlockKind_BLOCK_KIND_SOFT_BLOCK}
	if change != nil {
		change(&c)
	}
	return c
}

func blkReserved() *purchasingv1.BlockContractReserved {
	return &purchasingv1.BlockContractReserved{ContractId: blkID, Buyer: "consortium:north-west", Consortium: nw, ProviderId: acmeID, ProviderName: "Acme Care",
		Settings: []*purchasingv1.ReservedSetting{{Urn: "SC100001", Places: 2, Name: "Oak House"}}, StartsOn: today, EndsOn: "2027-11-22",
		WeeklyPricePence: 450000, Kind: purchasingv1.BlockKind_BLOCK_KIND_SOFT_BLOCK, ReservedAt: timestamppb.New(now)}
}

func TestBlkALeadReservesPlacesForItsConsortium(t *testing.T) {
	givenBlk().when(blkReserve(lead, nil)).thenEvents(t, blkReserved())
}

func TestBlkACouncilReservesThroughAConsortiumItBuysIn(t *testing.T) {
	want := blkReserved()
	want.Buyer, want.Council = "council:352", "352"
	givenBlk().when(blkReserve(commissioner, func(c *domain.BlkReserveCapacity) {
		c.Consortium, c.ConsortiumCouncils = nw, []string{"352", "353"}
	})).thenEvents(t, want)

	givenBlk().when(blkReserve(commissioner, func(c *domain.BlkReserveCapacity) {
		c.Consortium, c.ConsortiumCouncils = nw, []string{"353"}
	})).thenRule(t, domain.RuleBlkCouncilNotMember)
	givenBlk().when(blkReserve(commissioner, nil)).thenInvalid(t, "consortium")
	givenBlk().when(blkReserve(lead, func(c *domain.BlkReserveCapacity) { c.Consortium = "east" })).thenInvalid(t, "consortium")
}

func TestBlkOnlyBuyersReserve(t *testing.T) {
	givenBlk().when(blkReserve(acme, nil)).thenForbidden(t)
	givenBlk().when(blkReserve(domain.Actor{Subject: "v", Organisation: "council:352", Role: "council_viewer"}, nil)).thenForbidden(t)
}

func TestBlkReservationIsChecked(t *testing.T) {
	cases := map[string]struct {
		change func(*domain.BlkReserveCapacity)
		path   string
	}{
		"no setting":             {func(c *domain.BlkReserveCapacity) { c.Settings = nil }, "settings"},
		"another provider's URN": {func(c *domain.BlkReserveCapacity) { c.Settings[0].Urn = "SC999999" }, "settings[0].urn"},
		"a setting named twice":  {func(c *domain.BlkReserveCapacity) { c.Settings = append(c.Settings, c.Settings[0]) }, "settings[1].urn"},
		"no places":              {func(c *domain.BlkReserveCapacity) { c.Settings[0].Places = 0 }, "settings[0].places"},
		"more than registered":   {func(c *domain.BlkReserveCapacity) { c.Settings[0].Places = 5 }, "settings[0].places"},
		"not a date":             {func(c *domain.BlkReserveCapacity) { c.StartsOn = "23/11/2026" }, "starts_on"},
		"ends before it starts":  {func(c *domain.BlkReserveCapacity) { c.EndsOn = "2026-11-01" }, "ends_on"},
		"already over":           {func(c *domain.BlkReserveCapacity) { c.StartsOn, c.EndsOn = "2026-01-01", yesterday }, "ends_on"},
		"longer than four years": {func(c *domain.BlkReserveCapacity) { c.EndsOn = "2031-01-01" }, "ends_on"},
		"no price":               {func(c *domain.BlkReserveCapacity) { c.WeeklyPricePence = 0 }, "weekly_price_pence"},
		"neither block nor soft": {func(c *domain.BlkReserveCapacity) { c.Kind = 0 }, "kind"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) { givenBlk().when(blkReserve(lead, tc.change)).thenInvalid(t, tc.path) })
	}
	givenBlk().when(blkReserve(lead, func(c *domain.BlkReserveCapacity) { c.Provider = domain.BlkProviderFacts{} })).thenMissing(t, domain.MissingProvider)
	givenBlk(blkReserved()).when(blkReserve(lead, nil)).thenRule(t, domain.RuleBlkAlreadyExists)
}

func TestBlkTheProviderAcceptsOrDeclines(t *testing.T) {
	after := givenBlk(blkReserved()).when(domain.BlkAccept{Actor: acme, Now: now}).
		thenEvents(t, &purchasingv1.BlockContractAccepted{ContractId: blkID, ProviderId: acmeID})
	if after.Status != purchasingv1.BlockContractStatus_BLOCK_CONTRACT_STATUS_ACCEPTED {
		t.Fatalf("status %v", after.Status)
	}
	givenBlk(blkReserved()).when(domain.BlkDecline{Actor: acme, Now: now, Reason: "Oak House is full until spring"}).
		thenEvents(t, &purchasingv1.BlockContractDeclined{ContractId: blkID, ProviderId: acmeID, Reason: "Oak House is full until spring"})
	givenBlk(blkReserved()).when(domain.BlkDecline{Actor: acme, Now: now}).thenInvalid(t, "reason")

	// Another provider is told nothing; the responder may not commit its provider.
	givenBlk(blkReserved()).when(domain.BlkAccept{Actor: bright, Now: now}).thenMissing(t, domain.MissingBlockContract)
	givenBlk(blkReserved()).when(domain.BlkAccept{Actor: acmeResponder, Now: now}).thenForbidden(t)
	givenBlk(blkReserved(), &purchasingv1.BlockContractAccepted{ContractId: blkID}).when(domain.BlkDecline{Actor: acme, Now: now, Reason: "changed our mind"}).
		thenRule(t, domain.RuleBlkNotProposed)
	givenBlk(blkReserved()).when(domain.BlkAccept{Actor: acme, Now: now.AddDate(1, 1, 0)}).thenRule(t, domain.RuleBlkTermOver)
}

func TestBlkTheBuyerEndsItWithinTheTerm(t *testing.T) {
	live := events(blkReserved(), &purchasingv1.BlockContractAccepted{ContractId: blkID})
	after := givenBlk(live...).when(domain.BlkEnd{Actor: lead, Now: now, EndsOn: "2027-03-31", Reason: "the homes are needed elsewhere"}).
		thenEvents(t, &purchasingv1.BlockContractEnded{ContractId: blkID, EndsOn: "2027-03-31", Reason: "the homes are needed elsewhere"})
	if after.EndsOn != "2027-03-31" {
		t.Fatalf("ends on %s", after.EndsOn)
	}
	givenBlk(live...).when(domain.BlkEnd{Actor: lead, Now: now, EndsOn: yesterday, Reason: "too late"}).thenRule(t, domain.RuleBlkEndWithinTerm)
	givenBlk(live...).when(domain.BlkEnd{Actor: lead, Now: now, EndsOn: "2028-01-01", Reason: "too long"}).thenRule(t, domain.RuleBlkEndWithinTerm)
	givenBlk(live...).when(domain.BlkEnd{Actor: otherLead, Now: now, EndsOn: tomorrow, Reason: "not ours"}).thenMissing(t, domain.MissingBlockContract)
	givenBlk(live...).when(domain.BlkEnd{Actor: acme, Now: now, EndsOn: tomorrow, Reason: "provider"}).thenMissing(t, domain.MissingBlockContract)
	givenBlk(append(live, &purchasingv1.BlockContractEnded{ContractId: blkID, EndsOn: tomorrow})...).
		when(domain.BlkEnd{Actor: lead, Now: now, EndsOn: tomorrow, Reason: "again"}).thenRule(t, domain.RuleBlkNotLive)

	// A council's contract is ended by its commissioner, not its viewer.
	council := blkReserved()
	council.Buyer, council.Council = "council:352", "352"
	viewer := domain.Actor{Subject: "v", Organisation: "council:352", Role: "council_viewer"}
	givenBlk(council).when(domain.BlkEnd{Actor: viewer, Now: now, EndsOn: tomorrow, Reason: "viewer"}).thenForbidden(t)
	givenBlk(council).when(domain.BlkEnd{Actor: commissioner, Now: now, EndsOn: tomorrow, Reason: "no longer needed"}).thenOK(t)
}

func TestEvolveBlkLeavesTheGivenStateUnchanged(t *testing.T) {
	history := events(blkReserved())
	next := events(&purchasingv1.BlockContractAccepted{ContractId: blkID}, &purchasingv1.BlockContractEnded{ContractId: blkID, EndsOn: tomorrow})
	evolvetest.AssertPure(t, domain.EvolveBlk, history, next...)
	evolvetest.AssertFold(t, domain.EvolveBlk, domain.FoldBlk, append(history, next...))
}

func TestBlkReservedPlacesAreOfferedFirst(t *testing.T) {
	m := func(rank uint32, urn string) *purchasingv1.MatchedSetting {
		return &purchasingv1.MatchedSetting{Rank: rank, SettingUrn: urn, Reasons: []*purchasingv1.MatchReason{{Criterion: domain.CriterionVacancy, Met: true}}}
	}
	given := []*purchasingv1.MatchedSetting{m(1, "A"), m(2, "B"), m(3, "C"), m(4, "D")}
	got := domain.BlkOfferedFirst(given, map[string]domain.BlkReservedPlace{
		"C": {ContractID: "blk-7", Kind: purchasingv1.BlockKind_BLOCK_KIND_SOFT_BLOCK}, "X": {ContractID: "blk-8"}})
	var order []string
	for i, g := range got {
		order = append(order, g.GetSettingUrn())
		if g.GetRank() != uint32(i+1) {
			t.Errorf("%s ranked %d at %d", g.GetSettingUrn(), g.GetRank(), i+1)
		}
	}
	if want := "C A B D"; joinWords(order) != want {
		t.Fatalf("order %s, want %s", joinWords(order), want)
	}
	if c := domain.BlkReasonContract(got[0]); c != "blk-7" {
		t.Fatalf("reserved match names contract %q: %v", c, got[0].GetReasons())
	}
	if c := domain.BlkReasonContract(got[1]); c != "" {
		t.Fatalf("an unreserved match names contract %q", c)
	}
	if given[0].GetRank() != 1 || given[2].GetRank() != 3 || len(given[2].GetReasons()) != 1 {
		t.Fatal("the given matches were changed")
	}
}

func joinWords(s []string) string {
	out := ""
	for i, w := range s {
		if i > 0 {
			out += " "
		}
		out += w
	}
	return out
}

func TestBlkCovers(t *testing.T) {
	cons := blkReserved()
	if !domain.BlkCovers(cons, "352", nw) || domain.BlkCovers(cons, "352", "east") {
		t.Fatal("a consortium's contract covers its own DPSs' referrals only")
	}
	council := blkReserved()
	council.Council = "352"
	if !domain.BlkCovers(council, "352", "east") || domain.BlkCovers(council, "353", nw) {
		t.Fatal("a council's contract covers that council's referrals only")
	}
}

func TestBlkWeeksCountUsedAndEmptyPlaces(t *testing.T) {
	c := blkReserved() // 2 places from 2026-11-23 at £4,500 a week
	c.Kind = purchasingv1.BlockKind_BLOCK_KIND_BLOCK
	stays := []domain.BlkStay{{Start: "2026-11-25", End: "2026-12-02"}, {Start: "2026-12-01"}}
	weeks := domain.BlkWeeks(c, c.GetEndsOn(), stays, []string{"2026-11-25", "2026-12-01"}, "2026-12-03")
	if len(weeks) != 2 {
		t.Fatalf("%d weeks, want 2 (the second up to today)", len(weeks))
	}
	w1, w2 := weeks[0], weeks[1]
	// Week 1 (23–29 Nov): one child from the 25th, 5 of 14 place-days used.
	if w1.GetWeekStarting() != "2026-11-23" || w1.GetDays() != 7 || w1.GetUsedPlaceDays() != 5 || w1.GetEmptyPlaceDays() != 9 || w1.GetOfferedFirst() != 1 {
		t.Fatalf("week 1: %v", w1)
	}
	if want := int64((9*450000 + 3) / 7); w1.GetEmptyCostPence() != want {
		t.Fatalf("week 1 empty cost %d, want %d", w1.GetEmptyCostPence(), want)
	}
	// Week 2 (30 Nov – 3 Dec, today): first child to the 1st (left on the 2nd),
	// the second from the 1st: 30th 1, 1st 2, 2nd 1, 3rd 1 = 5 of 8.
	if w2.GetDays() != 4 || w2.GetUsedPlaceDays() != 5 || w2.GetEmptyPlaceDays() != 3 || w2.GetOfferedFirst() != 1 {
		t.Fatalf("week 2: %v", w2)
	}
	if w2.GetPlacesUsed() != 1.25 {
		t.Fatalf("week 2 places used %v, want 1.25", w2.GetPlacesUsed())
	}

	// A soft block's empty places cost nothing; more stays than places count the places only.
	c.Kind = purchasingv1.BlockKind_BLOCK_KIND_SOFT_BLOCK
	many := []domain.BlkStay{{Start: today}, {Start: today}, {Start: today}}
	w := domain.BlkWeeks(c, c.GetEndsOn(), many, nil, today)[0]
	if w.GetEmptyCostPence() != 0 || w.GetUsedPlaceDays() != 2 || w.GetEmptyPlaceDays() != 0 {
		t.Fatalf("soft block, full: %v", w)
	}
	if got := domain.BlkWeeks(c, c.GetEndsOn(), nil, nil, yesterday); got != nil {
		t.Fatalf("a term not yet started has weeks: %v", got)
	}
}
