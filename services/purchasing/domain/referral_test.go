package domain_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// Referral fixtures: ref-1 from council 352 through dps-nw, created at now,
// matched to acme's Oak House (M14) and Elm House (SK1) and bright's Ash
// House (WA1).

const refID = "ref-1"

func need() *purchasingv1.Need {
	return &purchasingv1.Need{
		CategoryId: "residential", AgeYears: 14, Sex: purchasingv1.Sex_SEX_MALE, NeededBy: purchasingv1.NeededBy_NEEDED_BY_MORE_THAN_5_DAYS,
		HomeOutcode: "M14", MaxDistanceMiles: 20, StartBy: "2026-12-01", WeeklyBudgetPence: 500000, ExpectedDurationWeeks: 26,
		Needs: []string{"emotional_behavioural"}, ResidentialCare: purchasingv1.Suitability_SUITABILITY_PREFERRED,
	}
}

func needWith(change func(*purchasingv1.Need)) *purchasingv1.Need {
	n := need()
	change(n)
	return n
}

func matches() []*purchasingv1.MatchedSetting {
	home := purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME
	return []*purchasingv1.MatchedSetting{
		{Rank: 1, ProviderId: acmeID, SettingUrn: "SC100001", SettingName: "Oak House", SettingType: home, Outcode: "M14", DistanceMiles: 0,
			OfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, FreePlaces: 2},
		{Rank: 2, ProviderId: acmeID, SettingUrn: "SC100002", SettingName: "Elm House", SettingType: home, Outcode: "SK1", DistanceMiles: 4.1,
			OfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_NOT_YET_INSPECTED, FreePlaces: 1},
		{Rank: 3, ProviderId: brightID, SettingUrn: "SC200001", SettingName: "Ash House", SettingType: home, Outcode: "WA1", DistanceMiles: 14.6,
			OfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING, FreePlaces: 1, MedianAwardedPricePence: 420000},
	}
}

func referralCreated() *purchasingv1.ReferralCreated {
	return &purchasingv1.ReferralCreated{ReferralId: refID, Council: "352", DpsId: dpsID, Consortium: nw, Need: need(),
		CreatedAt: timestamppb.New(now), CategoryName: "Residential care", OffersDueBy: timestamppb.New(now.Add(24 * time.Hour))}
}

func referralMatched() *purchasingv1.ReferralMatched {
	return &purchasingv1.ReferralMatched{ReferralId: refID, Matches: matches(), Considered: 12}
}

func offerMade(id, provider, urn string, pence int64, from string) *purchasingv1.OfferMade {
	return &purchasingv1.OfferMade{ReferralId: refID, OfferId: id, ProviderId: provider, SettingUrn: urn, WeeklyPricePence: pence, AvailableFrom: from}
}

func referred() []proto.Message { return events(referralCreated(), referralMatched()) }

// threeOffers: acme offers both homes, bright its one.
func threeOffers() []proto.Message {
	return append(referred(),
		offerMade("off-1", acmeID, "SC100001", 450000, "2026-11-20"),
		offerMade("off-2", acmeID, "SC100002", 480000, "2026-12-01"),
		offerMade("off-3", brightID, "SC200001", 400000, "2026-11-25"),
	)
}

func withdrawn() *purchasingv1.ReferralWithdrawn {
	return &purchasingv1.ReferralWithdrawn{ReferralId: refID, Reason: purchasingv1.ReferralWithdrawalReason_REFERRAL_WITHDRAWAL_REASON_NEED_CHANGED}
}

func createReferral(a domain.Actor, dps []proto.Message, n *purchasingv1.Need) domain.CreateReferral {
	return domain.CreateReferral{Actor: a, Now: now, ReferralID: refID, Dps: dpsState(dps), Need: n, Matches: matches(), Considered: 12}
}

func offer(a domain.Actor, urn string, pence int64) domain.MakeOffer {
	return domain.MakeOffer{Actor: a, Now: now, SettingURN: urn, WeeklyPricePence: pence, AvailableFrom: "2026-11-30"}
}

func decline(a domain.Actor) domain.DeclineReferral {
	return domain.DeclineReferral{Actor: a, Now: now, Reason: purchasingv1.DeclineReason_DECLINE_REASON_NO_VACANCY, Note: "full"}
}

func award(a domain.Actor, offerID string, at time.Time) domain.AwardPlacement {
	return domain.AwardPlacement{Actor: a, Now: at, OfferID: offerID, Reason: "best match for the child"}
}

func withdrawReferral(a domain.Actor) domain.WithdrawReferral {
	return domain.WithdrawReferral{Actor: a, Now: now, Reason: purchasingv1.ReferralWithdrawalReason_REFERRAL_WITHDRAWAL_REASON_NEED_CHANGED}
}

func TestCreateReferral(t *testing.T) {
	s := givenReferral().when(createReferral(commissioner, openDps(), need())).thenEvents(t, referralCreated(), referralMatched())
	if !s.Exists() || s.Status != purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN || s.ReferralID != refID {
		t.Fatalf("after creating: %+v", s)
	}
	if len(s.Matches) != 3 || !s.Providers[acmeID] || !s.Providers[brightID] || s.Providers["calm-care"] {
		t.Fatalf("matched: %v, providers %v", s.Matches, s.Providers)
	}
	// A council of the DPS other than the first may refer too.
	created := referralCreated()
	created.Council = "353"
	givenReferral().when(createReferral(commissioner2, openDps(), need())).thenEvents(t, created, referralMatched())
}

func TestCreateReferralNormalisesHomeOutcode(t *testing.T) {
	in := needWith(func(n *purchasingv1.Need) { n.HomeOutcode = "m14" })
	evs, _ := givenReferral().when(createReferral(commissioner, openDps(), in)).thenOK(t)
	if got := evs[0].(*purchasingv1.ReferralCreated).GetNeed().GetHomeOutcode(); got != "M14" {
		t.Fatalf("home outcode %q, want M14", got)
	}
	if in.GetHomeOutcode() != "m14" {
		t.Fatal("the command's need was changed")
	}
}

func TestCreateReferralWithNoMatches(t *testing.T) {
	c := createReferral(commissioner, openDps(), need())
	c.Matches, c.Considered = nil, 40
	s := givenReferral().when(c).thenEvents(t, referralCreated(), &purchasingv1.ReferralMatched{ReferralId: refID, Considered: 40})
	if len(s.Providers) != 0 {
		t.Fatalf("providers: %v", s.Providers)
	}
}

func TestCreateReferralWho(t *testing.T) {
	for _, a := range []domain.Actor{acme, lead, platformAdmin,
		{Organisation: "council:352", Role: domain.RoleConsortiumLead},
		{Organisation: "consortium:north-west", Role: domain.RoleCouncilCommissioner},
	} {
		givenReferral().when(createReferral(a, openDps(), need())).thenForbidden(t)
	}
	givenReferral().when(createReferral(outsider, openDps(), need())).thenRule(t, domain.RuleCouncilNotMember)
}

func TestCreateReferralRules(t *testing.T) {
	givenReferral(referred()...).when(createReferral(commissioner, openDps(), need())).thenRule(t, domain.RuleReferralAlreadyExists)
	givenReferral().when(createReferral(commissioner, draftDps(), need())).thenRule(t, domain.RuleDpsNotOpen)
	givenReferral().when(createReferral(commissioner, closedDps(), need())).thenRule(t, domain.RuleDpsNotOpen)
	givenReferral().when(createReferral(commissioner, nil, need())).thenMissing(t, domain.MissingDps)
	givenReferral().when(createReferral(commissioner, openDps(), needWith(func(n *purchasingv1.Need) { n.CategoryId = "secure" }))).
		thenRule(t, domain.RuleUnknownCategory)
	givenReferral().when(createReferral(commissioner, openDps(), needWith(func(n *purchasingv1.Need) { n.HomeOutcode = "ZZ9" }))).
		thenInvalid(t, "need.home_outcode")
	givenReferral().when(createReferral(commissioner, openDps(), needWith(func(n *purchasingv1.Need) { n.StartBy = yesterday }))).
		thenRule(t, domain.RuleStartByNotPast)
	givenReferral().when(createReferral(commissioner, openDps(), needWith(func(n *purchasingv1.Need) { n.StartBy = "next week" }))).
		thenInvalid(t, "need.start_by")
	// Starting today is not in the past.
	givenReferral().when(createReferral(commissioner, openDps(), needWith(func(n *purchasingv1.Need) { n.StartBy = today }))).thenOK(t)
}

func TestMakeOffer(t *testing.T) {
	c := offer(acmeResponder, "SC100001", 450000)
	c.Note = "Can visit this week"
	want := offerMade("off-1", acmeID, "SC100001", 450000, "2026-11-30")
	want.Note = "Can visit this week"
	s := givenReferral(referred()...).when(c).thenEvents(t, want)
	o := s.Offer("off-1")
	if o == nil || o.Status != purchasingv1.OfferStatus_OFFER_STATUS_OPEN {
		t.Fatalf("offer off-1: %+v", o)
	}
	// Ids count up across providers.
	history := append(referred(), want)
	givenReferral(history...).when(offer(bright, "SC200001", 400000)).
		thenEvents(t, offerMade("off-2", brightID, "SC200001", 400000, "2026-11-30"))
	givenReferral(history...).when(offer(acme, "SC100002", 480000)).
		thenEvents(t, offerMade("off-2", acmeID, "SC100002", 480000, "2026-11-30"))
	givenReferral(append(history, offerMade("off-2", brightID, "SC200001", 400000, today))...).when(offer(acme, "SC100002", 480000)).
		thenEvents(t, offerMade("off-3", acmeID, "SC100002", 480000, "2026-11-30"))
}

func TestMakeOfferWho(t *testing.T) {
	// A provider the referral was not sent to, a council or a lead: to them
	// it does not exist.
	for _, a := range []domain.Actor{calm, commissioner, lead, platformAdmin} {
		givenReferral(referred()...).when(offer(a, "SC100001", 450000)).thenMissing(t, domain.MissingReferral)
	}
	givenReferral().when(offer(acme, "SC100001", 450000)).thenMissing(t, domain.MissingReferral)
	// A matched provider may offer only its own matched settings.
	givenReferral(referred()...).when(offer(acme, "SC200001", 400000)).thenRule(t, domain.RuleSettingNotMatched)
	givenReferral(referred()...).when(offer(bright, "SC100001", 400000)).thenRule(t, domain.RuleSettingNotMatched)
	givenReferral(referred()...).when(offer(acme, "SC999999", 400000)).thenRule(t, domain.RuleSettingNotMatched)
}

func TestMakeOfferRules(t *testing.T) {
	// The budget is a ceiling: equal is fine, a penny over is not.
	givenReferral(referred()...).when(offer(acme, "SC100001", 500001)).thenRule(t, domain.RuleOfferOverBudget)
	givenReferral(referred()...).when(offer(acme, "SC100001", 500000)).thenOK(t)
	// One open offer per setting.
	withOffer := append(referred(), offerMade("off-1", acmeID, "SC100001", 450000, today))
	givenReferral(withOffer...).when(offer(acme, "SC100001", 440000)).thenRule(t, domain.RuleAlreadyOffered)
	// Having declined, a provider cannot offer.
	declined := append(referred(), &purchasingv1.ReferralDeclined{ReferralId: refID, ProviderId: acmeID, Reason: purchasingv1.DeclineReason_DECLINE_REASON_PRICE})
	givenReferral(declined...).when(offer(acme, "SC100001", 450000)).thenRule(t, domain.RuleAlreadyDeclined)
	// Nor once the referral is decided.
	givenReferral(append(referred(), withdrawn())...).when(offer(acme, "SC100001", 450000)).thenRule(t, domain.RuleReferralNotOpen)
	awarded := append(withOffer, &purchasingv1.PlacementAwarded{PlacementId: "pl-1", ReferralId: refID, OfferId: "off-1"})
	givenReferral(awarded...).when(offer(acme, "SC100002", 450000)).thenRule(t, domain.RuleAlreadyAwarded)
	bad := offer(acme, "SC100001", 450000)
	bad.AvailableFrom = "30/11/2026"
	givenReferral(referred()...).when(bad).thenInvalid(t, "available_from")
}

func TestDeclineReferral(t *testing.T) {
	c := decline(bright)
	s := givenReferral(referred()...).when(c).thenEvents(t, &purchasingv1.ReferralDeclined{ReferralId: refID, ProviderId: brightID,
		Reason: purchasingv1.DeclineReason_DECLINE_REASON_NO_VACANCY, Note: "full"})
	if !s.Declined[brightID] || s.Declined[acmeID] {
		t.Fatalf("declined: %v", s.Declined)
	}
	declined := append(referred(), &purchasingv1.ReferralDeclined{ReferralId: refID, ProviderId: brightID})
	givenReferral(declined...).when(c).thenRule(t, domain.RuleAlreadyDeclined)
	// A provider with an open offer withdraws nothing by declining.
	givenReferral(threeOffers()...).when(c).thenRule(t, domain.RuleAlreadyOffered)
	givenReferral(referred()...).when(decline(calm)).thenMissing(t, domain.MissingReferral)
	givenReferral(referred()...).when(decline(commissioner)).thenMissing(t, domain.MissingReferral)
	givenReferral(append(referred(), withdrawn())...).when(c).thenRule(t, domain.RuleReferralNotOpen)
}

func TestAwardPlacement(t *testing.T) {
	at := now.Add(26 * time.Hour) // Tuesday 2026-11-24 12:00
	want := &purchasingv1.PlacementAwarded{
		PlacementId: "pl-1", ReferralId: refID, OfferId: "off-1", Council: "352", Consortium: nw, DpsId: dpsID, CategoryId: "residential",
		ProviderId: acmeID, SettingUrn: "SC100001", WeeklyPricePence: 450000,
		// Available from 2026-11-20, awarded on the 24th: it starts today.
		StartDate:             "2026-11-24",
		ExpectedDurationWeeks: 26, HomeOutcode: "M14", SettingOutcode: "M14", DistanceMiles: 0, AgeYears: 14,
		SettingType: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, Reason: "best match for the child",
		SecondsToPlacement: 26 * 3600,
	}
	s := givenReferral(threeOffers()...).when(award(commissioner, "off-1", at)).thenEvents(t, want,
		&purchasingv1.OfferClosed{ReferralId: refID, OfferId: "off-2", ProviderId: acmeID, Reason: "awarded to another offer"},
		&purchasingv1.OfferClosed{ReferralId: refID, OfferId: "off-3", ProviderId: brightID, Reason: domain.ClosedAwardedElsewhere},
	)
	if s.Status != purchasingv1.ReferralStatus_REFERRAL_STATUS_AWARDED || !proto.Equal(s.Placement, want) {
		t.Fatalf("after award: status %v, placement %v", s.Status, s.Placement)
	}
	if o := s.Offer("off-1"); o.Status != purchasingv1.OfferStatus_OFFER_STATUS_ACCEPTED {
		t.Fatalf("awarded offer: %v", o.Status)
	}
	for _, id := range []string{"off-2", "off-3"} {
		if o := s.Offer(id); o.Status != purchasingv1.OfferStatus_OFFER_STATUS_CLOSED || o.ClosedReason != domain.ClosedAwardedElsewhere {
			t.Fatalf("offer %s: %v %q", id, o.Status, o.ClosedReason)
		}
	}
}

func TestAwardPlacementStartsWhenAvailable(t *testing.T) {
	// Bright's home is free from the 25th, after the award on the 24th;
	// siblings and distance come from the referral and the match.
	created := referralCreated()
	created.Need.SiblingCount = 1
	history := events(created, referralMatched(), offerMade("off-1", brightID, "SC200001", 400000, "2026-11-25"))
	evs, _ := givenReferral(history...).when(award(commissioner, "off-1", now.Add(26*time.Hour))).thenOK(t)
	if len(evs) != 1 {
		t.Fatalf("with one offer, want only the award: %v", evs)
	}
	p := evs[0].(*purchasingv1.PlacementAwarded)
	if p.GetStartDate() != "2026-11-25" || p.GetProviderId() != brightID || p.GetSettingOutcode() != "WA1" || p.GetDistanceMiles() != 14.6 ||
		p.GetSiblingCount() != 1 || p.GetWeeklyPricePence() != 400000 || p.GetCouncil() != "352" {
		t.Fatalf("award: %v", show(p))
	}
}

func TestAwardPlacementWho(t *testing.T) {
	at := now.Add(time.Hour)
	// Anyone but the referring council: no such referral.
	for _, a := range []domain.Actor{commissioner2, outsider, acme, lead, platformAdmin} {
		givenReferral(threeOffers()...).when(award(a, "off-1", at)).thenMissing(t, domain.MissingReferral)
	}
	// The referring council, but not as a commissioner.
	givenReferral(threeOffers()...).when(award(domain.Actor{Organisation: "council:352", Role: "council_viewer"}, "off-1", at)).thenForbidden(t)
	givenReferral().when(award(commissioner, "off-1", at)).thenMissing(t, domain.MissingReferral)
}

func TestAwardPlacementRules(t *testing.T) {
	at := now.Add(time.Hour)
	givenReferral(threeOffers()...).when(award(commissioner, "off-9", at)).thenMissing(t, domain.MissingOffer)
	givenReferral(referred()...).when(award(commissioner, "off-1", at)).thenMissing(t, domain.MissingOffer)
	// Awarded once only.
	evs, _ := givenReferral(threeOffers()...).when(award(commissioner, "off-3", at)).thenOK(t)
	givenReferral(append(threeOffers(), evs...)...).when(award(commissioner, "off-1", at)).thenRule(t, domain.RuleAlreadyAwarded)
	givenReferral(append(threeOffers(), evs...)...).when(award(commissioner, "off-3", at)).thenRule(t, domain.RuleAlreadyAwarded)
	// Not after a withdrawal.
	evs, _ = givenReferral(threeOffers()...).when(withdrawReferral(commissioner)).thenOK(t)
	givenReferral(append(threeOffers(), evs...)...).when(award(commissioner, "off-1", at)).thenRule(t, domain.RuleReferralNotOpen)
	// An offer closed while the referral stays open cannot be accepted.
	closed := append(threeOffers(), &purchasingv1.OfferClosed{ReferralId: refID, OfferId: "off-2", ProviderId: acmeID, Reason: "setting closed"})
	givenReferral(closed...).when(award(commissioner, "off-2", at)).thenRule(t, domain.RuleOfferNotOpen)
}

func TestWithdrawReferral(t *testing.T) {
	reason := "referral withdrawn"
	s := givenReferral(threeOffers()...).when(withdrawReferral(commissioner)).thenEvents(t, withdrawn(),
		&purchasingv1.OfferClosed{ReferralId: refID, OfferId: "off-1", ProviderId: acmeID, Reason: reason},
		&purchasingv1.OfferClosed{ReferralId: refID, OfferId: "off-2", ProviderId: acmeID, Reason: reason},
		&purchasingv1.OfferClosed{ReferralId: refID, OfferId: "off-3", ProviderId: brightID, Reason: domain.ClosedReferralWithdrawn},
	)
	if s.Status != purchasingv1.ReferralStatus_REFERRAL_STATUS_WITHDRAWN {
		t.Fatalf("status after withdrawal: %v", s.Status)
	}
	for _, o := range s.Offers {
		if o.Status != purchasingv1.OfferStatus_OFFER_STATUS_CLOSED || o.ClosedReason != reason {
			t.Fatalf("offer %s after withdrawal: %v %q", o.Offer.GetOfferId(), o.Status, o.ClosedReason)
		}
	}
	// Without offers, only the withdrawal.
	givenReferral(referred()...).when(withdrawReferral(commissioner)).thenEvents(t, withdrawn())
	givenReferral(append(referred(), withdrawn())...).when(withdrawReferral(commissioner)).thenRule(t, domain.RuleReferralNotOpen)
	evs, _ := givenReferral(threeOffers()...).when(award(commissioner, "off-1", now)).thenOK(t)
	givenReferral(append(threeOffers(), evs...)...).when(withdrawReferral(commissioner)).thenRule(t, domain.RuleAlreadyAwarded)
	givenReferral(referred()...).when(withdrawReferral(commissioner2)).thenMissing(t, domain.MissingReferral)
	givenReferral(referred()...).when(withdrawReferral(acme)).thenMissing(t, domain.MissingReferral)
}

func TestDecideReferralNoCommand(t *testing.T) {
	if _, err := domain.DecideReferral(domain.InitialReferral(), nil); err == nil {
		t.Fatal("a nil command was decided")
	}
}
