package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// refMarket is a DPS (members 352 and 353) with Pennine Pathways' Heaton
// Norris House (SK1) and Northern Lights' Fallowfield House (M20) admitted
// to residential care, each with a free place from 7 December 2026.
func (s *stack) refMarket() string {
	s.t.Helper()
	s.registerProvider(pennine, "Pennine Pathways Ltd", "08765432", "2027-11-30",
		childrensHome("SC200001", "Heaton Norris House", "SK1", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	s.registerProvider(northernLights, "Northern Lights Care Ltd", "09876543", "2027-11-30",
		childrensHome("SC100001", "Fallowfield House", "M20", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	dps := s.createDps("ref-dps-000001", "Greater Manchester Placements DPS", "352", "353")
	lead := s.purchasing(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	servicetest.Must(lead.OpenDps(s.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "ref-open-00001", DpsId: dps})).OK(s.t)
	for _, p := range []string{pennine, northernLights} {
		servicetest.Must(s.purchasing(auth.ProviderOrg(p), auth.ProviderAdmin).ApplyToDps(s.Ctx, &purchasingv1.ApplyToDpsRequest{RequestId: "ref-apply-" + p,
			DpsId: dps, ProviderId: p, CategoryIds: []string{"residential"},
			Answers: []*purchasingv1.CriterionAnswer{{CriterionId: "safeguarding", Answer: "Trained staff and a missing-from-care protocol."}}})).OK(s.t)
		servicetest.Must(lead.AdmitProvider(s.Ctx, &purchasingv1.DecideApplicationRequest{RequestId: "ref-admit-" + p, DpsId: dps, ProviderId: p,
			CategoryId: "residential", Reason: "Meets the selection criterion"})).OK(s.t)
	}
	for _, v := range []struct{ provider, urn string }{{pennine, "SC200001"}, {northernLights, "SC100001"}} {
		servicetest.Must(s.purchasing(auth.ProviderOrg(v.provider), auth.ProviderResponder).PublishVacancy(s.Ctx, &purchasingv1.PublishVacancyRequest{
			RequestId: "ref-vacancy-" + v.urn, ProviderId: v.provider, Urn: v.urn, FreePlaces: 1, AvailableFrom: "2026-12-07"})).OK(s.t)
	}
	return dps
}

// refOffer is a provider's offer through gRPC, as its responder.
func (s *stack) refOffer(provider, referral, urn string, pence int64, from string) {
	s.t.Helper()
	servicetest.Must(s.purchasing(auth.ProviderOrg(provider), auth.ProviderResponder).MakeOffer(s.Ctx, &purchasingv1.MakeOfferRequest{
		RequestId: "ref-offer-" + urn, ReferralId: referral, SettingUrn: urn, WeeklyPricePence: pence, AvailableFrom: from,
		Note: "A settled home with a place in a local school."})).OK(s.t)
}

// refAppears waits, in the page and without a reload, until the element
// matching sel shows text (the browser's bound of 30 seconds fails it).
func (s *stack) refAppears(sel, text string) {
	s.t.Helper()
	qs, _ := json.Marshal(sel)
	qt, _ := json.Marshal(text)
	s.Eval(`new Promise(ok => { const look = () => { const el = document.querySelector(` + string(qs) + `);
		if (el && el.textContent.includes(` + string(qt) + `)) { ok("shown") } else { setTimeout(look, 100) } }; look() })`)
}

// Issue 13, place a child: Chloe Byrne (commissioner, 352) goes from her
// home through the referral's questions (a postcode corrected on its page;
// a date the service refuses in free text, mapped back to its answer and
// changed), reads why there is no name, sends it, reads the providers it
// went to and why; an offer appears without a reload and in a plain GET;
// she compares two offers side by side, awards one with a reason, and
// reads the time to first offer and to placement on the referral and in
// her list.
func TestReferralPlaceAChildInTheBrowser(t *testing.T) {
	s := newStack(t)
	dps := s.refMarket()

	s.signIn("Chloe Byrne")
	s.Contains("Placing children", "No offer is waiting for a decision.", "No referral is waiting for offers.")
	s.Follow("#place-a-child")
	s.Contains("What kind of placement is needed?", "Residential children's homes", "Greater Manchester Placements DPS")
	s.Follow("main form .govuk-button") // nothing chosen
	s.Contains("There is a problem", "Select the kind of placement that is needed")
	s.Click(`input[name="need-category_id"][value="` + dps + ` residential"]`)
	s.Follow("main form .govuk-button")

	s.Contains("About the child", "Why we do not ask for the child's name or date of birth",
		"The platform only ever holds an anonymised description", "stays in your council's case management system")
	if strings.Contains(strings.ToLower(s.Text("main form")), "date of birth?") || s.Eval(`String(document.querySelectorAll("input[name*=name], input[name*=birth]").length)`) != "0" {
		t.Fatal("the referral asks for the child's name or date of birth")
	}
	s.Enter("#need-age_years", "14")
	s.Click(`input[name="need-sex"][value="2"]`)
	s.Follow("main form .govuk-button")

	s.Contains("How soon is the placement needed?", "When must the placement start by?")
	s.Click(`input[name="need-needed_by"][value="3"]`)
	s.Enter("#need-start_by-day", "18")
	s.Enter("#need-start_by-month", "12")
	s.Enter("#need-start_by-year", "2026")
	s.Follow("main form .govuk-button")

	s.Contains("What must the placement be able to meet?", "Emotional and behavioural difficulties", "Autism")
	if strings.Contains(s.Text("main"), "emotional_behavioural") {
		t.Fatal("the needs question shows a code")
	}
	s.Click(`input[name="need-needs"][value="emotional_behavioural"]`)
	s.Follow("main form .govuk-button")
	s.Contains("What risks should providers know about?", "Going missing")
	s.Click(`input[name="need-risks"][value="missing"]`)
	s.Follow("main form .govuk-button")
	s.Contains("What else must the placement provide?", "British Sign Language (BSL)")
	s.Follow("main form .govuk-button")
	s.Contains("Who can the child live with?", "With other children")
	s.Click(`input[name="need-living_companions"][value="2"]`)
	s.Follow("main form .govuk-button")
	s.Contains("Which kinds of placement are suitable?")
	s.Click(`input[name="need-residential_care"][value="1"]`)
	s.Follow("main form .govuk-button")

	// A field error, found on its page and corrected from the summary.
	s.Contains("Where is the child's home?")
	s.Enter("#need-home_outcode", "Manchester")
	s.Enter("#need-max_distance_miles", "20")
	s.Enter("#need-preferred_location", "Near the school she has attended since 01/09/2023")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter only the first half of the postcode, for example M14")
	wantIn(t, "the field's inline error", s.Text("#need-home_outcode-error"), "Error:", "first half of the postcode")
	s.Click(`.govuk-error-summary a[href="#need-home_outcode"]`)
	if f := s.Focused(); f != "need-home_outcode" {
		t.Fatalf("the error summary's link put the focus on %q", f)
	}
	s.Enter("#need-home_outcode", "M14")
	s.Follow("main form .govuk-button")

	s.Contains("Weekly budget and duration")
	s.Enter("#need-weekly_budget_pence", "5,200")
	s.Enter("#need-expected_duration_weeks", "26")
	s.Follow("main form .govuk-button")

	// How long providers have to offer: the DPS's usual time or another.
	s.Contains("How long do providers have to offer?", "The usual time for this DPS: 24 hours", "12 hours")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Select how long providers have to offer")
	s.Click(`input[name="offers-hours"][value="12"]`)
	s.Follow("main form .govuk-button")

	s.Contains("Check your answers", "12 hours", "Residential children's homes (Greater Manchester Placements DPS)", "14 years old", "Female",
		"18 December 2026", "Emotional and behavioural difficulties", "Going missing", "With other children", "M14", "20 miles",
		"£5,200.00 a week", "26 weeks")

	// The service refuses a date in free text: the error names the answer
	// and links to its Change link; changed, the referral is sent.
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Area to favour: free text must not contain a date")
	s.Click(`.govuk-error-summary a[href="#need-preferred_location"]`)
	s.Follow("a#need-preferred_location")
	s.Contains("Where is the child's home?")
	s.Enter("#need-preferred_location", "Near her school in south Manchester")
	s.Follow("main form .govuk-button")
	s.Contains("Check your answers", "Near her school in south Manchester")
	requestID := s.Eval(`document.querySelector("main form input[name=request_id]").value`)
	s.Follow("main form .govuk-button")

	// Where it went and why, in words.
	s.Contains("The referral is sent to the providers it matched", "14-year-old girl", "Waiting for offers", "Offers due by", "3 December 2026 at 9:00pm",
		"The referral went to 2 settings", "No offer yet. Offers appear here as providers send them.")
	ref := strings.TrimPrefix(strings.SplitN(s.Location(), "?", 2)[0], "/referrals/")
	if !strings.HasPrefix(ref, "ref-") {
		t.Fatalf("after sending, the page is %s", s.Location())
	}

	// The same form sent again (a double click, a refresh) sends nothing new.
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(mustURL(s.portal.URL), s.Cookies())
	again := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := again.PostForm(s.portal.URL+"/referrals/new/check", url.Values{"request_id": {requestID}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != "/referrals/"+ref {
		t.Fatalf("the check page sent again answered %d to %q, want 303 to /referrals/%s", res.StatusCode, loc, ref)
	}
	list := servicetest.Must(s.purchasing(auth.CouncilOrg("352"), auth.CouncilCommissioner).ListReferrals(s.Ctx, &purchasingv1.ListReferralsRequest{MinPosition: s.LastPosition()})).OK(t)
	if n := len(list.GetReferrals()); n != 1 {
		t.Fatalf("council 352 has %d referrals after one sent twice", n)
	}

	matches := s.Text("#matches")
	wantIn(t, "the matches", matches, "Pennine Pathways Ltd", "Heaton Norris House (SC200001, SK1)", "Northern Lights Care Ltd", "Fallowfield House",
		"Distance:", "miles from M14 (limit 20)", "Vacancy:", "1 free place(s) from 7 December 2026", "Admitted to the DPS:",
		"is admitted to Residential children's homes", "Needs met:", "emotional and behavioural difficulties", "Ofsted:")
	for _, code := range []string{"emotional_behavioural", "2026-12-07", "category residential"} {
		if strings.Contains(matches, code) {
			t.Errorf("the matches show the code %q:\n%s", code, matches)
		}
	}

	// An offer arrives twenty minutes later and appears without a reload.
	s.Eval(`document.documentElement.dataset.refStill = "1"; "marked"`)
	s.Clock.Advance(20 * time.Minute)
	s.refOffer(pennine, ref, "SC200001", 480000, "2026-12-10")
	s.refAppears("#offers", "Pennine Pathways Ltd")
	if s.Eval(`document.documentElement.dataset.refStill || "reloaded"`) != "1" {
		t.Fatal("the page reloaded to show the offer")
	}
	wantIn(t, "the live offers", s.Text("#offers"), "£4,800.00", "Heaton Norris House", "10 December 2026")
	// A screen reader hears the region's summary, not the whole table again.
	wantIn(t, "the live announcement", s.Text(`body > [role="status"]`), "1 offer, cheapest first")

	// Without JavaScript, a plain GET shows the same offer.
	c := s.httpSignedIn(2)
	page := s.httpGet(t, c, "/referrals/"+ref)
	wantIn(t, "the page without JavaScript", page, "Pennine Pathways Ltd", "£4,800.00", `id="offers-compared"`)

	// A second offer: side by side, with the register's Ofsted date and
	// monitoring's risk level.
	s.refOffer(northernLights, ref, "SC100001", 510000, "2026-12-08")
	s.refAppears("#offers-compared", "Northern Lights Care Ltd")
	servicetest.Must(s.monitoring(auth.CouncilOrg("352"), auth.CouncilCommissioner).ListRiskLevels(s.Ctx,
		&monitoringv1.ListRiskLevelsRequest{Consortium: "north-west", MinPosition: s.LastPosition()})).OK(t)
	s.Visit("/referrals/" + ref)
	wantIn(t, "the offers' providers", s.Text("#offers-compared thead"), "Pennine Pathways Ltd", "Northern Lights Care Ltd")
	wantIn(t, "the prices side by side", s.rowText("#offers-compared", 2), "Weekly price", "£4,800.00", "£5,100.00")
	wantIn(t, "the distances", s.rowText("#offers-compared", 3), "Distance from home", "miles")
	wantIn(t, "the Ofsted judgements", s.rowText("#offers-compared", 4), "Good", "Inspected 10 March 2026")
	wantIn(t, "the risk levels", s.rowText("#offers-compared", 5), "Risk level from monitoring", "Green")
	wantIn(t, "the vacancy dates", s.rowText("#offers-compared", 6), "10 December 2026", "8 December 2026")
	s.Contains("Time to first offer", "20 minutes")

	// Chloe awards Pennine's offer with a reason, ten minutes later.
	s.Clock.Advance(10 * time.Minute)
	s.Follow(`nav a[href="/"]`)
	s.Contains("Offers waiting for a decision", "14-year-old girl")
	s.Follow(`#waiting-decision a[href="/referrals/` + ref + `"]`)
	s.Follow(`#offers-compared a[href$="/award"]`)
	s.Contains("Award the placement to Pennine Pathways Ltd", "Heaton Norris House", "£4,800.00", "Awarding closes every other offer")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter why you chose this offer")
	s.Enter("#reason", "Closest to her school, Good Ofsted and within budget")
	s.Follow("main form .govuk-button")
	s.Contains("The placement is awarded to Pennine Pathways Ltd", "Placed", "With Pennine Pathways Ltd at Heaton Norris House, £4,800.00 a week")
	wantIn(t, "the times", s.Text("#referral-times"), "20 minutes", "30 minutes")
	wantIn(t, "the offers after the award", s.Text("#offers-compared"), "Awarded", "Closed")
	if s.Eval(`String(document.querySelectorAll("#offers[data-live], #withdraw").length)`) != "0" {
		t.Error("an awarded referral is still live or can be withdrawn")
	}
	s.Follow("#placement-link")
	if !strings.HasPrefix(s.Location(), "/placements") {
		t.Fatalf("the placement link went to %s", s.Location())
	}

	s.Visit("/referrals")
	wantIn(t, "the placed referral in the list", s.Text(`#referrals tbody tr:has(a[href="/referrals/`+ref+`"])`), "14-year-old girl", "Placed", "20 minutes", "30 minutes")
}

// Issue 13, who may do what with a referral: Dana Reed, 352's viewer,
// reads its offers from her home and is offered no action; Erin Walsh, of
// council 353, cannot open 352's referral or follow its offers; a provider
// cannot place a child; Chloe Byrne withdraws a referral with a reason.
func TestReferralReadersAndWithdrawal(t *testing.T) {
	s := newStack(t)
	dps := s.refMarket()
	created := servicetest.Must(s.purchasing(auth.CouncilOrg("352"), auth.CouncilCommissioner).CreateReferral(s.Ctx, &purchasingv1.CreateReferralRequest{
		RequestId: "ref-readers-0001", DpsId: dps, Need: &purchasingv1.Need{CategoryId: "residential", AgeYears: 14, Sex: purchasingv1.Sex_SEX_FEMALE,
			NeededBy: purchasingv1.NeededBy_NEEDED_BY_MORE_THAN_5_DAYS, HomeOutcode: "M14", MaxDistanceMiles: 20, StartBy: "2026-12-18",
			WeeklyBudgetPence: 520000, ExpectedDurationWeeks: 26, Needs: []string{"emotional_behavioural"}}})).OK(t)
	ref := created.GetId()
	s.refOffer(pennine, ref, "SC200001", 480000, "2026-12-10")
	s.refOffer(northernLights, ref, "SC100001", 510000, "2026-12-08")
	s.settle(s.LastPosition())

	// Dana Reed, the viewer, reads it all and cannot act.
	s.signIn("Dana Reed")
	s.Contains("Placing children", "Your council's commissioner decides these.", "14-year-old girl")
	s.Follow(`#waiting-decision a[href="/referrals/` + ref + `"]`)
	s.Contains("Pennine Pathways Ltd", "Northern Lights Care Ltd", "£5,100.00")
	if n := s.Eval(`String(document.querySelectorAll("#withdraw, a[href$='/award'], #place-a-child").length)`); n != "0" {
		t.Fatalf("the viewer is offered %s actions", n)
	}
	s.Visit("/referrals/new/placement")
	s.Contains("You cannot see this page")

	// Erin Walsh, of council 353, cannot open 352's referral.
	s.signIn("Erin Walsh")
	s.Visit("/referrals/" + ref)
	s.Contains("Page not found")
	if res, err := s.httpSignedIn(8).Get(s.portal.URL + "/referrals/" + ref + "/offers/events?version=1"); err != nil {
		t.Fatal(err)
	} else if res.Body.Close(); res.StatusCode != http.StatusNotFound {
		t.Fatalf("Erin Walsh's browser may follow 352's offers: %d", res.StatusCode)
	}

	// A provider cannot place a child.
	s.signIn("Priya Shah")
	s.Visit("/referrals/new")
	s.Contains("You cannot see this page")

	// Another referral, sent through gRPC, is withdrawn in the browser.
	second := servicetest.Must(s.purchasing(auth.CouncilOrg("352"), auth.CouncilCommissioner).CreateReferral(s.Ctx, &purchasingv1.CreateReferralRequest{
		RequestId: "ref-second-0001", DpsId: dps, Need: &purchasingv1.Need{CategoryId: "residential", AgeYears: 9, Sex: purchasingv1.Sex_SEX_MALE,
			NeededBy: purchasingv1.NeededBy_NEEDED_BY_TODAY, HomeOutcode: "M14", MaxDistanceMiles: 10, StartBy: "2026-12-20",
			WeeklyBudgetPence: 400000, ExpectedDurationWeeks: 12}})).OK(t)
	s.signIn("Chloe Byrne")
	s.Follow(`nav a[href="/referrals"]`)
	s.Visit("/referrals?at=" + strconv.FormatUint(second.GetPosition(), 10))
	s.Contains("9-year-old boy", "14-year-old girl", "Waiting for offers")
	s.Follow(`#referrals a[href="/referrals/` + second.GetId() + `"]`)
	s.Follow("#withdraw")
	s.Contains("Withdraw the referral", "cannot be undone")
	s.Follow("main form .govuk-button--warning")
	s.Contains("There is a problem", "Select why you are withdrawing the referral")
	s.Click(`input[name="reason"][value="3"]`)
	s.Enter("#note", "No home near enough")
	s.Follow("main form .govuk-button--warning")
	s.Contains("The referral is withdrawn", "Withdrawn")
	if s.Eval(`String(document.querySelectorAll("#withdraw").length)`) != "0" {
		t.Error("a withdrawn referral can be withdrawn again")
	}
}
