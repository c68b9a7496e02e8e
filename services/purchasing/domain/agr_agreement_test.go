package domain_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate/evolvetest"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// Agreement fixtures: agr-1 of placement pl-1, council 352 placing with
// acme-care's Oak House from 2026-12-01 at £4,000 a week.

const agrID = "agr-1"

func agrGiven(events ...proto.Message) scenario[domain.AgreementState, domain.AgreementCommand] {
	return scenario[domain.AgreementState, domain.AgreementCommand]{
		initial: domain.InitialAgreement(), evolve: domain.EvolveAgreement, decide: domain.DecideAgreement, history: events,
	}
}

func agrTerms() *purchasingv1.AgreementTerms {
	return &purchasingv1.AgreementTerms{
		PlacementId: "pl-1", ReferralId: refID, Consortium: nw, Council: "352", ProviderId: acmeID, ProviderName: "Acme Care",
		SettingUrn: "SC100001", SettingName: "Oak House", SettingType: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME,
		DpsId: dpsID, DpsTitle: "North West DPS", CategoryId: "residential", CategoryName: "Residential care",
		StartDate: "2026-12-01", Prices: []*purchasingv1.AgreementPrice{{FromDate: "2026-12-01", WeeklyPricePence: 400000}},
		PriceIncludes: "Education on site and two-to-one staffing at night",
	}
}

func agrDrawnTerms() *purchasingv1.AgreementTerms {
	t := agrTerms()
	t.AgreementId, t.Version = agrID, 1
	return t
}

func agrDrawn() *purchasingv1.AgreementDrawn {
	t := agrDrawnTerms()
	return &purchasingv1.AgreementDrawn{AgreementId: agrID, Terms: t, Digest: domain.AgreementDigest(t), DrawnAt: timestamppb.New(now)}
}

func agrAccepted(version uint32, a domain.Actor, party purchasingv1.AgreementParty, digest string) *purchasingv1.AgreementAccepted {
	return &purchasingv1.AgreementAccepted{AgreementId: agrID, Acceptance: &purchasingv1.AgreementAcceptance{
		Version: version, Party: party, Subject: a.Subject, Organisation: a.Organisation, Role: a.Role, AcceptedAt: timestamppb.New(now), Digest: digest,
	}}
}

const (
	agrByCouncil  = purchasingv1.AgreementParty_AGREEMENT_PARTY_COUNCIL
	agrByProvider = purchasingv1.AgreementParty_AGREEMENT_PARTY_PROVIDER
)

// inForce: drawn and accepted by both.
func agrInForce() []proto.Message {
	d := agrDrawn().GetDigest()
	return events(agrDrawn(), agrAccepted(1, commissioner, agrByCouncil, d), agrAccepted(1, acme, agrByProvider, d),
		&purchasingv1.AgreementLocked{AgreementId: agrID, Version: 1, Digest: d})
}

func TestDrawAgreementRecordsTheTermsWithTheirDigest(t *testing.T) {
	system := domain.Actor{Subject: "service:purchasing", Organisation: "consortium:north-west", Role: domain.RoleConsortiumPolicy}
	after := agrGiven().when(domain.DrawAgreement{Actor: system, Now: now, AgreementID: agrID, Terms: agrTerms()}).thenEvents(t, agrDrawn())
	if after.Awaiting() != 1 || after.InForce != 0 {
		t.Fatalf("awaiting %d, in force %d; want 1, 0", after.Awaiting(), after.InForce)
	}
	agrGiven(agrDrawn()).when(domain.DrawAgreement{Actor: system, Now: now, AgreementID: agrID, Terms: agrTerms()}).thenRule(t, domain.RuleAgreementDrawn)
}

func TestTheDigestIsTheSHA256OfTheCanonicalTermsAndChangesWithThem(t *testing.T) {
	a := agrDrawnTerms()
	if got := domain.AgreementDigest(a); len(got) != 64 || got != domain.AgreementDigest(agrDrawnTerms()) {
		t.Fatalf("digest %q is not a stable SHA-256", got)
	}
	if !strings.Contains(domain.AgreementCanonical(a), "weekly price from 2026-12-01: 400000 pence\n") {
		t.Fatalf("canonical text without the price:\n%s", domain.AgreementCanonical(a))
	}
	b := agrDrawnTerms()
	b.Prices[0].WeeklyPricePence++
	if domain.AgreementDigest(a) == domain.AgreementDigest(b) {
		t.Fatal("a changed price kept the digest")
	}
}

func TestBothPartiesAcceptThenTheAgreementIsLocked(t *testing.T) {
	d := agrDrawn().GetDigest()
	agrGiven(agrDrawn()).when(domain.AcceptAgreement{Actor: commissioner, Now: now, Version: 1, Digest: d}).
		thenEvents(t, agrAccepted(1, commissioner, agrByCouncil, d))
	after := agrGiven(agrDrawn(), agrAccepted(1, commissioner, agrByCouncil, d)).
		when(domain.AcceptAgreement{Actor: acme, Now: now, Version: 1}).
		thenEvents(t, agrAccepted(1, acme, agrByProvider, d), &purchasingv1.AgreementLocked{AgreementId: agrID, Version: 1, Digest: d})
	if after.InForce != 1 || after.Awaiting() != 0 {
		t.Fatalf("in force %d, awaiting %d; want 1, 0", after.InForce, after.Awaiting())
	}
}

func TestAPartyAcceptsOnce(t *testing.T) {
	d := agrDrawn().GetDigest()
	agrGiven(agrDrawn(), agrAccepted(1, commissioner, agrByCouncil, d)).
		when(domain.AcceptAgreement{Actor: commissioner, Now: now, Version: 1}).thenRule(t, domain.RuleAgreementAlreadyAccepted)
	// Another person of the same council is the same party.
	colleague := commissioner
	colleague.Subject = "u-352-b"
	agrGiven(agrDrawn(), agrAccepted(1, commissioner, agrByCouncil, d)).
		when(domain.AcceptAgreement{Actor: colleague, Now: now, Version: 1}).thenRule(t, domain.RuleAgreementAlreadyAccepted)
}

func TestOnlyThePartiesInTheRightRoleAccept(t *testing.T) {
	for _, a := range []domain.Actor{commissioner2, bright, acmeResponder, lead, platformAdmin,
		{Subject: "u-352-v", Organisation: "council:352", Role: "council_viewer"}} {
		agrGiven(agrDrawn()).when(domain.AcceptAgreement{Actor: a, Now: now, Version: 1}).thenForbidden(t)
	}
}

func TestALockedAgreementIsNotAcceptedAgain(t *testing.T) {
	agrGiven(agrInForce()...).when(domain.AcceptAgreement{Actor: acme, Now: now, Version: 1}).thenRule(t, domain.RuleAgreementLocked)
}

func TestAcceptanceNamesTheVersionAndTermsRead(t *testing.T) {
	agrGiven(agrDrawn()).when(domain.AcceptAgreement{Actor: acme, Now: now, Version: 2}).thenRule(t, domain.RuleAgreementVersion)
	agrGiven(agrDrawn()).when(domain.AcceptAgreement{Actor: acme, Now: now, Version: 1, Digest: strings.Repeat("0", 64)}).
		thenRule(t, domain.RuleAgreementDigest)
}

func TestNothingIsDoneToAnAgreementNeverDrawn(t *testing.T) {
	agrGiven().when(domain.AcceptAgreement{Actor: acme, Now: now, Version: 1}).thenMissing(t, "agreement")
}

func TestAVariationIsANewVersionBothAcceptWhileTheAcceptedOneStands(t *testing.T) {
	later := now.Add(24 * time.Hour)
	want := agrDrawnTerms()
	want.Version = 2
	want.Prices = append(want.Prices, &purchasingv1.AgreementPrice{FromDate: "2027-04-05", WeeklyPricePence: 420000})
	want.EndDate = "2027-11-30"
	want.VariationReason = "annual uplift and an agreed end"
	proposed := &purchasingv1.AgreementVariationProposed{AgreementId: agrID, Terms: want, Digest: domain.AgreementDigest(want),
		Party: agrByProvider, Subject: acme.Subject, Organisation: acme.Organisation, ProposedAt: timestamppb.New(later)}
	after := agrGiven(agrInForce()...).when(domain.ProposeVariation{Actor: acme, Now: later, NewWeeklyPrice: 420000, PriceFrom: "2027-04-05",
		EndDate: "2027-11-30", Reason: "annual uplift and an agreed end"}).thenEvents(t, proposed)
	if after.InForce != 1 || after.Awaiting() != 2 || after.Current().Terms.GetEndDate() != "" {
		t.Fatalf("until both accept, version 1 stands: in force %d, awaiting %d", after.InForce, after.Awaiting())
	}

	varied := append(agrInForce(), proposed)
	agrGiven(varied...).when(domain.ProposeVariation{Actor: commissioner, Now: later, EndDate: "2027-06-30", Reason: "shorter"}).
		thenRule(t, domain.RuleAgreementVariationOpen)
	agrGiven(varied...).when(domain.AcceptAgreement{Actor: commissioner, Now: later, Version: 1}).thenRule(t, domain.RuleAgreementVersion)
	d2 := proposed.GetDigest()
	varied = append(varied, agrAccepted(2, commissioner, agrByCouncil, d2))
	after = agrGiven(varied...).when(domain.AcceptAgreement{Actor: acme, Now: now, Version: 2, Digest: d2}).
		thenEvents(t, agrAccepted(2, acme, agrByProvider, d2), &purchasingv1.AgreementLocked{AgreementId: agrID, Version: 2, Digest: d2})
	if after.InForce != 2 || after.Current().Terms.GetEndDate() != "2027-11-30" {
		t.Fatalf("in force %d with end %q; want 2 ending 2027-11-30", after.InForce, after.Current().Terms.GetEndDate())
	}
}

func TestAVariationNeedsTheAgreementInForceAndSensibleTerms(t *testing.T) {
	agrGiven(agrDrawn()).when(domain.ProposeVariation{Actor: commissioner, Now: now, EndDate: "2027-01-01", Reason: "end"}).
		thenRule(t, domain.RuleAgreementNotInForce)
	given := agrGiven(agrInForce()...)
	given.when(domain.ProposeVariation{Actor: bright, Now: now, EndDate: "2027-01-01", Reason: "end"}).thenForbidden(t)
	given.when(domain.ProposeVariation{Actor: commissioner, Now: now, Reason: "nothing"}).thenInvalid(t, "new_weekly_price_pence")
	given.when(domain.ProposeVariation{Actor: commissioner, Now: now, NewWeeklyPrice: 1, Reason: "no date"}).thenInvalid(t, "price_from")
	given.when(domain.ProposeVariation{Actor: commissioner, Now: now, NewWeeklyPrice: 1, PriceFrom: "2026-12-01", Reason: "same day"}).thenInvalid(t, "price_from")
	given.when(domain.ProposeVariation{Actor: commissioner, Now: now, EndDate: "2026-11-30", Reason: "before start"}).thenInvalid(t, "end_date")
	given.when(domain.ProposeVariation{Actor: commissioner, Now: now, NewWeeklyPrice: 1, PriceFrom: "2027-02-01", EndDate: "2027-01-31", Reason: "after end"}).
		thenInvalid(t, "price_from")
}

func TestThePlacementsEndIsRecordedOnce(t *testing.T) {
	ended := &purchasingv1.AgreementPlacementEnded{AgreementId: agrID, EndDate: "2027-02-10", ReasonCode: "E11"}
	agrGiven(agrInForce()...).when(domain.RecordAgreementPlacementEnded{EndDate: "2027-02-10", ReasonCode: "E11"}).thenEvents(t, ended)
	if evs, err := domain.DecideAgreement(agrGiven(append(agrInForce(), ended)...).state(), domain.RecordAgreementPlacementEnded{EndDate: "2027-02-10"}); err != nil || len(evs) != 0 {
		t.Fatalf("recorded twice: %v %v", evs, err)
	}
}

func TestCostScheduleFollowsPricesAndEndsWithThePlacement(t *testing.T) {
	terms := agrDrawnTerms()
	terms.Prices = append(terms.Prices, &purchasingv1.AgreementPrice{FromDate: "2027-04-05", WeeklyPricePence: 420000})
	terms.EndDate = "2027-11-30"
	got := domain.CostSchedule(terms, "2027-05-02")
	want := []*purchasingv1.CostPeriod{
		{FromDate: "2026-12-01", ToDate: "2027-04-04", WeeklyPricePence: 400000},
		{FromDate: "2027-04-05", ToDate: "2027-05-02", WeeklyPricePence: 420000},
	}
	if len(got) != len(want) {
		t.Fatalf("schedule %v, want %v", got, want)
	}
	for i := range want {
		if !proto.Equal(got[i], want[i]) {
			t.Errorf("period %d: %v, want %v", i, got[i], want[i])
		}
	}
	// The week of the start (Monday 30 November): Tuesday to Sunday, 6/7 of £4,000.
	days, price, amount := domain.WeekCost(got, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	if days != 6 || price != 400000 || amount != 342857 {
		t.Errorf("start week: %d days at %d = %d; want 6 days at 400000 = 342857", days, price, amount)
	}
	// A full week, and the week the price changes on its Monday.
	if days, _, amount := domain.WeekCost(got, time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)); days != 7 || amount != 400000 {
		t.Errorf("full week: %d days, %d; want 7, 400000", days, amount)
	}
	if _, price, amount := domain.WeekCost(got, time.Date(2027, 4, 5, 0, 0, 0, 0, time.UTC)); price != 420000 || amount != 420000 {
		t.Errorf("uplift week: %d, %d; want 420000", price, amount)
	}
	// Ended on Sunday 2 May: nothing after.
	if days, _, amount := domain.WeekCost(got, time.Date(2027, 5, 3, 0, 0, 0, 0, time.UTC)); days != 0 || amount != 0 {
		t.Errorf("after the end: %d days, %d", days, amount)
	}
}

func TestEvolveAgreementLeavesTheGivenStateUnchanged(t *testing.T) {
	history := agrInForce()[:2]
	next := append(agrInForce()[2:], &purchasingv1.AgreementVariationProposed{AgreementId: agrID, Terms: agrDrawnTerms()},
		agrAccepted(2, acme, agrByProvider, ""), &purchasingv1.AgreementPlacementEnded{AgreementId: agrID, EndDate: "2027-01-01"})
	evolvetest.AssertPure(t, domain.EvolveAgreement, history, next...)
	evolvetest.AssertFold(t, domain.EvolveAgreement, domain.FoldAgreement, append(history, next...))
}
