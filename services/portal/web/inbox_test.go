package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// inboxMarket is the purchasing setup of the inbox tests: Pennine
// Pathways (a home in Stockport, one in Blackburn) and Northern Lights (a
// home in south Manchester), each with a free place, both admitted by
// Amara Okafor to a residential DPS that Manchester (352) places through.
func (s *stack) inboxMarket() string {
	s.t.Helper()
	s.registerProvider(pennine, "Pennine Pathways Ltd", "08765432", "2027-11-30",
		childrensHome("SC200001", "Heaton Norris House", "SK1", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD),
		childrensHome("SC200003", "Ribble View", "BB1", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	s.registerProvider(northernLights, "Northern Lights Care Ltd", "09876543", "2027-11-30",
		childrensHome("SC100001", "Fallowfield House", "M20", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	for provider, urns := range map[string][]string{pennine: {"SC200001", "SC200003"}, northernLights: {"SC100001"}} {
		adm := s.purchasing(auth.ProviderOrg(provider), auth.ProviderAdmin)
		for _, urn := range urns {
			servicetest.Must(adm.PublishVacancy(s.Ctx, &purchasingv1.PublishVacancyRequest{RequestId: "vacancy-" + urn, ProviderId: provider, Urn: urn,
				FreePlaces: 1, AvailableFrom: "2026-12-03"})).OK(s.t)
		}
	}
	lead := s.purchasing(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	dpsID := servicetest.Must(lead.CreateDps(s.Ctx, &purchasingv1.CreateDpsRequest{RequestId: "inbox-dps-create", Terms: &purchasingv1.DpsTerms{
		Title: "Greater Manchester Placements DPS",
		Categories: []*purchasingv1.Category{{Id: "residential", Name: "Residential children's homes",
			SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME}}},
		MemberCouncils: []string{"352", "353"}, MinOfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, EndsOn: "2029-02-23",
	}})).OK(s.t).GetId()
	servicetest.Must(lead.OpenDps(s.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "inbox-dps-open", DpsId: dpsID})).OK(s.t)
	for _, p := range []string{pennine, northernLights} {
		s.apply(dpsID, p, nil, "residential")
		servicetest.Must(lead.AdmitProvider(s.Ctx, &purchasingv1.DecideApplicationRequest{RequestId: "inbox-admit-" + p, DpsId: dpsID, ProviderId: p,
			CategoryId: "residential", Reason: "Meets the criteria; insurance current"})).OK(s.t)
	}
	return dpsID
}

// inboxRefer is a referral by Chloe Byrne (Manchester) from home outcode
// home, within miles; it returns the referral's id once matched.
func (s *stack) inboxRefer(dpsID, requestID, home string, miles uint32, age uint32, sex purchasingv1.Sex, needs ...string) string {
	s.t.Helper()
	res := servicetest.Must(s.purchasing(auth.CouncilOrg("352"), auth.CouncilCommissioner).CreateReferral(s.Ctx, &purchasingv1.CreateReferralRequest{
		RequestId: requestID, DpsId: dpsID, Need: &purchasingv1.Need{
			CategoryId: "residential", AgeYears: age, Sex: sex, NeededBy: purchasingv1.NeededBy_NEEDED_BY_LESS_THAN_5_DAYS,
			HomeOutcode: home, MaxDistanceMiles: miles, StartBy: "2026-12-10", WeeklyBudgetPence: 650000, ExpectedDurationWeeks: 52, Needs: needs,
			LivingCompanions: purchasingv1.LivingCompanions_LIVING_COMPANIONS_WITH_OTHER_CHILDREN, Pets: purchasingv1.Pets_PETS_CAN,
			Risks: &purchasingv1.Risks{Missing: true}, PreferredLocation: "near current school",
		}})).OK(s.t)
	s.settle(res.GetPosition())
	return res.GetId()
}

// Issue 13, referrals inbox: Priya Shah (Pennine Pathways' admin) reads a
// referral in plain words, makes an offer (a missing price refused on its
// field first) and sees it pending; Rafi Khan (its responder) declines
// another with a reason; Sam Okoro (Northern Lights) does not see Pennine's
// offer and cannot open a referral not sent to him; after Chloe Byrne
// awards Pennine's offer, Priya reads "Awarded to you" and Sam "Awarded to
// another provider". A council commissioner cannot open the inbox.
func TestInboxOfferDeclineAndOutcome(t *testing.T) {
	s := newStack(t)
	dpsID := s.inboxMarket()
	// Matched to Heaton Norris House (SK1) and Fallowfield House (M20);
	// then one matched to Ribble View (BB1) only.
	first := s.inboxRefer(dpsID, "inbox-referral-1", "M14", 10, 14, purchasingv1.Sex_SEX_MALE, "emotional_behavioural")
	second := s.inboxRefer(dpsID, "inbox-referral-2", "BB2", 5, 12, purchasingv1.Sex_SEX_FEMALE)

	// Priya: the inbox from the navigation, the need in words.
	s.signIn("Priya Shah")
	s.Follow(`.govuk-service-navigation a[href="/inbox"]`)
	s.Contains("Referrals", "Waiting for your answer")
	wantIn(t, "the waiting referrals", s.Text("#waiting"), "Male, 14, Residential children's homes", "Manchester", "10 December 2026", "Female, 12")
	s.Follow(`#waiting a[href="/inbox/` + first + `"]`)
	s.Contains("Referral from Manchester", "Male, 14, Residential children's homes", "Waiting for your answer", "Sent to you on 3 December 2026")
	wantIn(t, "the need", s.Text("#need"), "14 (age band 10 to 15)", "Male", "Emotional and behavioural needs", "Residential children's homes",
		"Home area M14, placements within 10 miles", "near current school", "10 December 2026", "within 5 days", "52 weeks", "£6,500.00 at most",
		"Going missing", "with other children")
	wantIn(t, "the matched homes", s.Text("#matches"), "Heaton Norris House (SK1)", "Children's home", "Good")
	main := s.Text("main")
	for _, code := range []string{"emotional_behavioural", "RESIDENTIAL", "SEX_", "ref-", "deadline", "Deadline", "Ribble View", "Fallowfield", "Northern Lights"} {
		if strings.Contains(main, code) {
			t.Errorf("the referral page shows %q:\n%s", code, main)
		}
	}

	// An offer: the price forgotten, then given.
	s.Follow("#make-offer")
	s.Contains("Make an offer", "Which home or service are you offering?", "Heaton Norris House", "The council's weekly budget is £6,500.00")
	s.Enter("#available_from-day", "8")
	s.Enter("#available_from-month", "12")
	s.Enter("#available_from-year", "2026")
	s.Enter("#note", "Our registered manager has read the referral and can meet the family this week.")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter the weekly price in pounds, for example 4,250")
	wantIn(t, "the price's error", s.Text("#weekly_price_pence-error"), "Enter the weekly price")
	s.Enter("#weekly_price_pence", "6,200")
	s.Follow("main form .govuk-button")
	s.Contains("Your offer is sent to Manchester council", "Offer pending")
	wantIn(t, "the offers", s.Text("#offers"), "Heaton Norris House", "£6,200.00", "8 December 2026", "Pending")
	s.Follow(`a.govuk-back-link`)
	wantIn(t, "the answered referrals", s.Text("#answered"), "Male, 14", "Offer pending")

	// Rafi (responder) declines the second with a reason.
	s.signIn("Rafi Khan")
	s.Follow(`.govuk-service-navigation a[href="/inbox"]`)
	s.Follow(`#waiting a[href="/inbox/` + second + `"]`)
	wantIn(t, "the matched homes", s.Text("#matches"), "Ribble View (BB1)")
	s.Follow("#decline")
	s.Contains("Decline the referral", "Why are you declining?", "Not a safe match with the children already living there")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Select why you are declining")
	s.Click(`input[name="reason"][value="3"]`)
	s.Enter("#note", "Two young people at Ribble View are at risk of exploitation themselves.")
	s.Follow("main form .govuk-button")
	s.Contains("You declined the referral", "You declined", "Not a safe match with the children already living there", "Two young people at Ribble View")
	if strings.Contains(s.Text("main"), "Make an offer") {
		t.Error("a declined referral still offers to make an offer")
	}

	// Sam (Northern Lights) offers without JavaScript, the form sent twice
	// (a double click, a resent page): one offer.
	c := s.httpSignedIn(5)
	m := regexp.MustCompile(`name="request_id" value="([^"]+)"`).FindStringSubmatch(s.httpGet(t, c, "/inbox/"+first+"/offer"))
	if m == nil {
		t.Fatal("Sam's offer form has no request id")
	}
	form := url.Values{"request_id": {m[1]}, "setting_urn": {"SC100001"}, "weekly_price_pence": {"6400"},
		"available_from-day": {"7"}, "available_from-month": {"12"}, "available_from-year": {"2026"}}
	var at uint64
	for range 2 {
		res, err := c.PostForm(s.portal.URL+"/inbox/"+first+"/offer", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		loc, _ := url.Parse(res.Header.Get("Location"))
		if res.StatusCode != http.StatusSeeOther || loc == nil || loc.Path != "/inbox/"+first {
			t.Fatalf("an offer answered %d to %q, want 303 to the referral", res.StatusCode, res.Header.Get("Location"))
		}
		at, _ = strconv.ParseUint(loc.Query().Get("at"), 10, 64)
	}
	chloe := s.purchasing(auth.CouncilOrg("352"), auth.CouncilCommissioner)
	ref := servicetest.Must(chloe.GetReferral(s.Ctx, &purchasingv1.GetReferralRequest{ReferralId: first, MinPosition: at})).OK(t)
	if n := len(ref.GetOffers()); n != 2 {
		t.Fatalf("the council reads %d offers, want Pennine's and one of Northern Lights'", n)
	}

	// Sam sees the first referral without Pennine's offer, and not the
	// second at all.
	s.signIn("Sam Okoro")
	s.Follow(`.govuk-service-navigation a[href="/inbox"]`)
	if got := s.Text("main"); !strings.Contains(got, "Male, 14") || strings.Contains(got, "Female, 12") {
		t.Fatalf("Sam's inbox shows:\n%s", got)
	}
	s.Visit("/inbox/" + first)
	s.Contains("Fallowfield House", "£6,400.00", "Offer pending")
	for _, other := range []string{"£6,200.00", "Pennine", "Heaton Norris"} {
		if strings.Contains(s.Text("main"), other) {
			t.Errorf("Sam sees %q of Pennine's offer:\n%s", other, s.Text("main"))
		}
	}
	s.Visit("/inbox/" + second)
	s.Contains("Page not found")
	s.Visit("/inbox/" + second + "/offer")
	s.Contains("Page not found")

	// Chloe awards Pennine's offer.
	var offer string
	for _, o := range ref.GetOffers() {
		if o.GetProviderId() == pennine {
			offer = o.GetOfferId()
		}
	}
	s.settle(servicetest.Must(chloe.AwardPlacement(s.Ctx, &purchasingv1.AwardPlacementRequest{RequestId: "inbox-award-1", ReferralId: first, OfferId: offer,
		Reason: "Nearest Good home within budget"})).OK(t).GetPosition())
	s.Visit("/inbox/" + first)
	s.Contains("Awarded to another provider", "Not chosen: the council placed the child elsewhere")
	for _, other := range []string{"£6,200.00", "Pennine", "Heaton Norris"} {
		if strings.Contains(s.Text("main"), other) {
			t.Errorf("after the award Sam sees %q:\n%s", other, s.Text("main"))
		}
	}
	// Chloe withdraws the second, which Rafi declined.
	s.settle(servicetest.Must(chloe.WithdrawReferral(s.Ctx, &purchasingv1.WithdrawReferralRequest{RequestId: "inbox-withdraw-2", ReferralId: second,
		Reason: purchasingv1.ReferralWithdrawalReason_REFERRAL_WITHDRAWAL_REASON_NO_SUITABLE_OFFER})).OK(t).GetPosition())
	s.signIn("Priya Shah")
	s.Follow(`.govuk-service-navigation a[href="/inbox"]`)
	s.Contains("No referral is waiting for your answer.", "You have no offer waiting for a council's decision.")
	wantIn(t, "the decided referrals", s.Text("#closed"), "Male, 14", "Awarded to you", "Female, 12", "Withdrawn by the council")
	s.Follow(`#closed a[href="/inbox/` + first + `"]`)
	s.Contains("Awarded to you", "Accepted: the child is placed with you", "£6,200.00")
	if strings.Contains(s.Text("main"), "£6,400.00") {
		t.Error("Priya sees Northern Lights' price")
	}

	// A council's commissioner: not a provider's page.
	s.signIn("Chloe Byrne")
	s.Visit("/inbox")
	s.Contains("You cannot see this page")
}
