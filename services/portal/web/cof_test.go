package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

const cofFW = "fw-cofportal"

// cofFramework records a framework in force with council 352 as a member
// and one lot ranking Pennine Pathways first and Northern Lights second
// (as the framework service records them), and waits until purchasing and
// the framework service have it.
func (s *stack) cofFramework() {
	s.t.Helper()
	meta := eventstore.Metadata{Actor: eventstore.Actor{Subject: "amara.okafor", Organisation: auth.ConsortiumOrg("north-west"), Role: auth.ConsortiumLead}}
	res, err := s.Store.Append(s.Ctx, eventstore.StreamID{Context: "framework", Aggregate: "framework", ID: cofFW}, eventstore.Any, meta,
		&frameworkv1.FrameworkDrafted{FrameworkId: cofFW, Consortium: "north-west", Terms: &frameworkv1.FrameworkTerms{
			Title: "Greater Manchester Residential Framework", Category: frameworkv1.Category_CATEGORY_RESIDENTIAL, MemberCouncils: []string{"352", "353"},
			TermStart: "2026-04-01", TermEnd: "2029-03-31", QualityWeight: 70, PriceWeight: 30,
			Lots: []*frameworkv1.LotTerms{{LotId: "lot-1", Name: "Homes for emotional and behavioural needs", PriceBand: &frameworkv1.PriceBand{MaxWeeklyPence: 600000}}}}},
		&frameworkv1.FrameworkAwarded{FrameworkId: cofFW, Lots: []*frameworkv1.LotAward{{LotId: "lot-1", Admitted: []*frameworkv1.AdmittedProvider{
			{ProviderId: pennine, Rank: 1, TotalScore: 84}, {ProviderId: northernLights, Rank: 2, TotalScore: 79}}}}},
		&frameworkv1.FrameworkActivated{FrameworkId: cofFW})
	if err != nil {
		s.t.Fatal(err)
	}
	s.cofSettle(res.Position)
}

// cofSettle waits until purchasing and the framework service have read up
// to pos.
func (s *stack) cofSettle(pos uint64) {
	s.t.Helper()
	s.settle(pos)
	servicetest.Must(s.framework(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead).ListFrameworks(s.Ctx, &frameworkv1.ListFrameworksRequest{MinPosition: pos})).OK(s.t)
}

// cofPerson is a demo person's index on the sign-in page.
func cofPerson(t *testing.T, name string) int {
	for i, p := range stackPeople {
		if p.Name == name {
			return i
		}
	}
	t.Fatalf("no demo person %q", name)
	return 0
}

// Placing a child as a call-off: Chloe Byrne (commissioner, 352, a member
// of a framework in force) is asked how to place the child, chooses direct
// award under the framework's lot, reads her choice on check your answers,
// changes it and back, is told in words when the service refuses it (her
// council taken off the framework meanwhile), and once it is sent reads on
// the referral's page where it was called off from and why Pennine (full)
// was passed over.
func TestCofPlaceACallOffInTheBrowser(t *testing.T) {
	s := newStack(t)
	dps := s.refMarket()
	s.cofFramework()
	servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderResponder).WithdrawVacancy(s.Ctx, &purchasingv1.WithdrawVacancyRequest{
		RequestId: "cof-full-00000001", ProviderId: pennine, Urn: "SC200001", Reason: "Full until the spring"})).OK(t)

	s.signIn("Chloe Byrne")
	s.Visit("/referrals/new")
	s.Click(`input[name="need-category_id"][value="` + dps + ` residential"]`)
	s.Follow("main form .govuk-button")

	s.Contains("How do you want to place this child?", "Through the dynamic purchasing system",
		"Direct award under Greater Manchester Residential Framework lot Homes for emotional and behavioural needs",
		"Further competition under Greater Manchester Residential Framework lot Homes for emotional and behavioural needs",
		"goes to the highest-ranked provider of the lot with a suitable vacancy", "Only the lot's providers are asked to offer")
	if s.Eval(`document.querySelector('input[name="cof-method"][value="dps"]').checked ? "yes" : "no"`) != "yes" {
		t.Fatal("the dynamic purchasing system is not chosen by default")
	}
	for _, code := range []string{cofFW, "lot-1", "DIRECT_AWARD", "CALL_OFF"} {
		if strings.Contains(s.Text("main"), code) {
			t.Errorf("the question shows the code %q", code)
		}
	}
	s.Axe()
	s.Click(`input[name="cof-method"][value="direct ` + cofFW + ` lot-1"]`)
	s.Follow("main form .govuk-button")

	s.Contains("About the child")
	if back := s.Eval(`document.querySelector(".govuk-back-link").getAttribute("href")`); back != "/referrals/new/method" {
		t.Errorf("Back from the child leads to %q", back)
	}
	s.Enter("#need-age_years", "14")
	s.Click(`input[name="need-sex"][value="2"]`)
	s.Follow("main form .govuk-button")
	s.Click(`input[name="need-needed_by"][value="3"]`)
	s.Enter("#need-start_by-day", "18")
	s.Enter("#need-start_by-month", "12")
	s.Enter("#need-start_by-year", "2026")
	s.Follow("main form .govuk-button")
	s.Click(`input[name="need-needs"][value="emotional_behavioural"]`)
	s.Follow("main form .govuk-button")
	s.Follow("main form .govuk-button") // risks
	s.Follow("main form .govuk-button") // support
	s.Follow("main form .govuk-button") // living
	s.Follow("main form .govuk-button") // recommendation
	s.Enter("#need-home_outcode", "M14")
	s.Enter("#need-max_distance_miles", "20")
	s.Follow("main form .govuk-button")
	s.Enter("#need-weekly_budget_pence", "5200")
	s.Enter("#need-expected_duration_weeks", "26")
	s.Follow("main form .govuk-button")
	s.Click(`input[name="offers-hours"][value="12"]`)
	s.Follow("main form .govuk-button")

	s.Contains("Check your answers", "How the child is placed",
		"Direct award under Greater Manchester Residential Framework lot Homes for emotional and behavioural needs")
	// Changed and changed back: the Change link comes back to the check page.
	s.Follow("a#cof-method")
	s.Contains("How do you want to place this child?")
	if s.Eval(`document.querySelector('input[name="cof-method"][value="direct `+cofFW+` lot-1"]').checked ? "yes" : "no"`) != "yes" {
		t.Fatal("the method page forgot the answer")
	}
	s.Click(`input[name="cof-method"][value="further ` + cofFW + ` lot-1"]`)
	s.Follow("main form .govuk-button")
	s.Contains("Check your answers", "Further competition under Greater Manchester Residential Framework")
	s.Follow("a#cof-method")
	s.Click(`input[name="cof-method"][value="direct ` + cofFW + ` lot-1"]`)
	s.Follow("main form .govuk-button")
	s.Contains("Check your answers", "Direct award under Greater Manchester Residential Framework")
	s.Axe()

	// Taken off the framework meanwhile: the service's rule in words,
	// linked to the answer; back on it, the referral is sent.
	meta := eventstore.Metadata{Actor: eventstore.Actor{Subject: "amara.okafor", Organisation: auth.ConsortiumOrg("north-west"), Role: auth.ConsortiumLead}}
	sid := eventstore.StreamID{Context: "framework", Aggregate: "framework", ID: cofFW}
	res, err := s.Store.Append(s.Ctx, sid, eventstore.Any, meta, &frameworkv1.MemberCouncilRemoved{FrameworkId: cofFW, LaCode: "352", Reason: "Left the framework"})
	if err != nil {
		t.Fatal(err)
	}
	s.cofSettle(res.Position)
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "How the child is placed: Your council is not a member of that framework")
	if strings.Contains(s.Text("main"), "purchasing.") {
		t.Fatal("the refusal shows the rule's code")
	}
	s.Click(`.govuk-error-summary a[href="#cof-method"]`)
	res, err = s.Store.Append(s.Ctx, sid, eventstore.Any, meta, &frameworkv1.MemberCouncilAdded{FrameworkId: cofFW, LaCode: "352"})
	if err != nil {
		t.Fatal(err)
	}
	s.cofSettle(res.Position)
	s.Visit("/referrals/new/check")
	s.Follow("main form .govuk-button")

	s.Contains("The referral is sent to the providers it matched")
	wantIn(t, "the call-off", s.Text("#call-off"), "Called off from Greater Manchester Residential Framework, lot Homes for emotional and behavioural needs, by direct award",
		"Direct award to rank 2 Northern Lights Care Ltd", "Passed over: rank 1 Pennine Pathways Ltd")
	s.Axe()

	// Without JavaScript the question is plain forms.
	c := s.httpSignedIn(cofPerson(t, "Chloe Byrne"))
	post := func(path string, form url.Values) string {
		t.Helper()
		r, err := c.PostForm(s.portal.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s: %d", path, r.StatusCode)
		}
		return r.Header.Get("Location")
	}
	if next := post("/referrals/new/placement", url.Values{"need-category_id": {dps + " residential"}}); next != "/referrals/new/method" {
		t.Fatalf("after the placement, %q", next)
	}
	page := s.httpGet(t, c, "/referrals/new/method")
	wantIn(t, "the page without JavaScript", page, `name="cof-method"`, "Direct award under Greater Manchester Residential Framework")
	if next := post("/referrals/new/method", url.Values{"cof-method": {"further " + cofFW + " lot-1"}}); next != "/referrals/new/child" {
		t.Fatalf("after the method, %q", next)
	}
}

// A council in no framework in force is not asked: the placement leads
// straight to the child, and Back from it to the placement.
func TestCofNotAskedWithoutAFramework(t *testing.T) {
	s := newStack(t)
	dps := s.refMarket()
	c := s.httpSignedIn(cofPerson(t, "Chloe Byrne"))
	r, err := c.PostForm(s.portal.URL+"/referrals/new/placement", url.Values{"need-category_id": {dps + " residential"}})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if loc := r.Header.Get("Location"); r.StatusCode != http.StatusSeeOther || loc != "/referrals/new/child" {
		t.Fatalf("after the placement: %d to %q", r.StatusCode, loc)
	}
	page := s.httpGet(t, c, "/referrals/new/child")
	wantIn(t, "the child's page", page, `href="/referrals/new/placement" class="govuk-back-link"`)
}
