package web_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// The providers of the DPS tests: Pennine Pathways (Priya Shah's) with
// current accreditations, a Good home and one that Requires improvement;
// Northern Lights (Sam Okoro's) whose public liability insurance expires on
// 10 December 2026.
const (
	pennine        = "pennine-pathways"
	northernLights = "northern-lights-care"
)

// registerProvider registers a provider through gRPC as its admin, with its
// accreditations and settings.
func (s *stack) registerProvider(id, legal, companies, insuranceExpires string, settings ...*purchasingv1.Setting) {
	s.t.Helper()
	adm := s.purchasing(auth.ProviderOrg(id), auth.ProviderAdmin)
	servicetest.Must(adm.RegisterProvider(s.Ctx, &purchasingv1.RegisterProviderRequest{RequestId: "register-" + id, ProviderId: id, Profile: &purchasingv1.ProviderProfile{
		LegalName: legal, HeadOfficeOutcode: "M1",
		Registration: &purchasingv1.ProviderProfile_CompaniesHouseNumber{CompaniesHouseNumber: companies},
		Contacts:     []*purchasingv1.Contact{{Name: "Referrals team", Role: "referrals", Email: "referrals@" + id + ".example.org"}},
	}})).OK(s.t)
	for i, a := range []*purchasingv1.Accreditation{
		{Kind: purchasingv1.AccreditationKind_ACCREDITATION_KIND_PUBLIC_LIABILITY_INSURANCE, Reference: "PL-" + id, ExpiresOn: insuranceExpires},
		{Kind: purchasingv1.AccreditationKind_ACCREDITATION_KIND_SAFEGUARDING_POLICY, Reference: "SG-2026", ExpiresOn: "2027-11-30"},
	} {
		servicetest.Must(adm.RecordAccreditation(s.Ctx, &purchasingv1.RecordAccreditationRequest{RequestId: "accredit-" + id + "-" + strconv.Itoa(i), ProviderId: id, Accreditation: a})).OK(s.t)
	}
	for _, st := range settings {
		servicetest.Must(adm.AddSetting(s.Ctx, &purchasingv1.AddSettingRequest{RequestId: "add-" + st.GetUrn(), ProviderId: id, Setting: st})).OK(s.t)
	}
}

func childrensHome(urn, name, outcode string, grade purchasingv1.OfstedGrade) *purchasingv1.Setting {
	return &purchasingv1.Setting{Urn: urn, Name: name, Type: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, RegisteredPlaces: 4, Outcode: outcode,
		Specialisms: []string{"emotional_behavioural"}, OfstedGrade: grade, OfstedDate: "2026-03-10"}
}

// apply is a provider's application through gRPC, answering every
// question of the DPS; it returns the position of its commit.
func (s *stack) apply(dpsID, provider string, answers []string, categories ...string) uint64 {
	s.t.Helper()
	var as []*purchasingv1.CriterionAnswer
	for i, a := range answers {
		as = append(as, &purchasingv1.CriterionAnswer{CriterionId: "question-" + strconv.Itoa(i+1), Answer: a})
	}
	res := servicetest.Must(s.purchasing(auth.ProviderOrg(provider), auth.ProviderAdmin).ApplyToDps(s.Ctx, &purchasingv1.ApplyToDpsRequest{
		RequestId: "apply-" + provider + "-" + s.Clock.Now().Format("20060102"), DpsId: dpsID, ProviderId: provider, CategoryIds: categories, Answers: as})).OK(s.t)
	return res.GetPosition()
}

// settle waits until purchasing's read model has applied pos, so the
// pages read what the setup wrote.
func (s *stack) settle(pos uint64) {
	s.t.Helper()
	servicetest.Must(s.purchasing(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead).ListDps(s.Ctx, &purchasingv1.ListDpsRequest{MinPosition: pos})).OK(s.t)
}

// rowText is the text of a table's n-th body row (from 1).
func (s *stack) rowText(table string, n int) string {
	s.t.Helper()
	return s.Text(table + " tbody tr:nth-child(" + strconv.Itoa(n) + ")")
}

func wantIn(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Fatalf("%s shows %q, want %q in it", what, got, w)
		}
	}
}

const (
	safeguardingQuestion = "Describe how you keep children safe from exploitation and what happens when a child goes missing."
	localQuestion        = "How do you keep children close to their families, schools and communities?"
	pennineSafeguarding  = "A missing-from-care protocol agreed with Greater Manchester Police, and trained staff in every home."
	pennineLocal         = "Homes in Stockport and Blackburn; we keep children in their schools with our own transport."
)

// Issue 12, DPS: the lead creates a DPS through the question pages
// (correcting a mistake through the error summary), opens it, reads the
// applications queue overdue first, reads an application's answers,
// accreditations and Ofsted grades, admits one provider, cannot admit one
// whose insurance has expired and rejects it with a reason, and closes the
// DPS. A double submit of a decision acts once. A provider cannot reach the
// lead's pages, reads its own application and not another's.
func TestLeadRunsADpsInTheBrowser(t *testing.T) {
	s := newStack(t)
	s.registerProvider(pennine, "Pennine Pathways Ltd", "08765432", "2027-11-30",
		childrensHome("SC200001", "Heaton Norris House", "SK1", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD),
		childrensHome("SC200002", "Ribble View", "BB1", purchasingv1.OfstedGrade_OFSTED_GRADE_REQUIRES_IMPROVEMENT))
	s.registerProvider(northernLights, "Northern Lights Care Ltd", "09876543", "2026-12-10",
		childrensHome("SC100001", "Fallowfield House", "M20", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))

	// Create a DPS, one question a page.
	s.signIn("Amara Okafor")
	s.Visit("/dps")
	s.Contains("Dynamic purchasing systems", "Your consortium has no dynamic purchasing system yet.")
	s.Follow(`main a[href="/dps/new"]`)
	s.Contains("What is the DPS called?")
	s.Enter("#terms-title", "Greater Manchester Placements DPS")
	s.Follow("main form .govuk-button")
	s.Contains("Describe the DPS")
	s.Enter("#terms-description", "Children's homes and fostering for Greater Manchester councils. Providers may apply at any time.")
	s.Follow("main form .govuk-button")
	s.Contains("Which categories can providers apply to?", "Secure children's homes")
	s.Follow("main form .govuk-button") // none chosen
	s.Contains("There is a problem", "Select at least one category")
	s.Click(`input[name="terms-categories"][value="residential"]`)
	s.Click(`input[name="terms-categories"][value="fostering-standard"]`)
	s.Follow("main form .govuk-button")
	s.Contains("Selection criteria", "You have not added a question yet.")
	s.Enter("#terms-selection_criteria", safeguardingQuestion)
	s.Follow(`button[value="add"]`)
	s.Contains("1 question added", safeguardingQuestion)
	s.Enter("#terms-selection_criteria", localQuestion)
	s.Follow(`button[value="continue"]`)
	s.Contains("What Ofsted grade must a setting have?", "Can settings not yet inspected be matched?")
	s.Click(`input[name="terms-min_ofsted_grade"][value="2"]`)
	s.Click(`input[name="terms-accept_not_yet_inspected"][value="no"]`)
	s.Follow("main form .govuk-button")

	// A mistake, found on its page, corrected through the error summary.
	s.Contains("Which councils place children through the DPS?")
	s.Enter("#terms-member_councils", "352, 353, 35")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter each council as its three-digit DfE local authority code, for example 352 (35 is not one)")
	wantIn(t, "the field's inline error", s.Text("#terms-member_councils-error"), "Error:", "35 is not one")
	s.Click(`.govuk-error-summary a[href="#terms-member_councils"]`)
	if f := s.Eval(`document.activeElement ? document.activeElement.id : ""`); f != "terms-member_councils" {
		t.Fatalf("the error summary's link put the focus on %q, want the councils field", f)
	}
	s.Enter("#terms-member_councils", "352, 353, 355")
	s.Follow("main form .govuk-button")

	s.Contains("When does the DPS end?")
	s.Enter("#terms-ends_on-day", "23")
	s.Enter("#terms-ends_on-month", "2")
	s.Enter("#terms-ends_on-year", "2029")
	s.Follow("main form .govuk-button")
	s.Contains("Check your answers", "Greater Manchester Placements DPS", "Residential children's homes", "Fostering: standard",
		safeguardingQuestion, localQuestion, "Good or better; settings not yet inspected are not matched", "352, 353, 355", "23 February 2029")

	// Change an answer from the check page and come back to it.
	s.Follow("a#terms-title")
	s.Enter("#terms-title", "Greater Manchester Children's Placements DPS")
	s.Follow("main form .govuk-button")
	s.Contains("Check your answers", "Greater Manchester Children's Placements DPS")

	s.Follow("main form .govuk-button")
	s.Contains("The DPS is created as a draft", "Greater Manchester Children's Placements DPS", "Draft", "This DPS is a draft")
	dpsID := strings.TrimPrefix(strings.SplitN(s.Location(), "?", 2)[0], "/dps/")
	if !strings.HasPrefix(dpsID, "dps-") {
		t.Fatalf("after creating, the page is %s", s.Location())
	}
	s.Follow(`form[action="/dps/` + dpsID + `/open"] button`)
	s.Contains("The DPS is open", "Open", "No application is waiting.")
	wantIn(t, "the status", s.Text("#dps-status"), "Open")

	// Providers apply (gRPC): Pennine on Thursday 3 December, Northern
	// Lights on Monday 21 December, when Pennine's deadline (17 December)
	// has passed by two working days.
	s.apply(dpsID, pennine, []string{pennineSafeguarding, pennineLocal}, "residential")
	s.Clock.Set(time.Date(2026, time.December, 21, 9, 0, 0, 0, time.UTC))
	s.settle(s.apply(dpsID, northernLights, []string{"Staff trained in child exploitation; we report every missing episode within an hour.", "One home in south Manchester."},
		"residential", "fostering-standard"))

	// The queue, overdue first (the clock moved: sign in again).
	s.signIn("Amara Okafor")
	s.Contains("Decisions waiting", "Overdue by 2 working days")
	s.Visit("/dps")
	s.Contains("Greater Manchester Children's Placements DPS", "3 applications waiting, 1 overdue")
	s.Follow(`a[href="/dps/` + dpsID + `/applications"]`)
	s.Contains("Applications", "Waiting for a decision", "No application has been decided yet.")
	wantIn(t, "the first application", s.rowText("#applications-waiting", 1), "Pennine Pathways Ltd", "Residential children's homes", "3 December 2026", "17 December 2026", "Overdue by 2 working days")
	wantIn(t, "the second application", s.rowText("#applications-waiting", 2), "Northern Lights Care Ltd", "21 December 2026", "7 January 2027", "10 working days left")

	// Pennine's application: answers, accreditations, grades; admitted.
	s.Follow(`#applications-waiting a[href="/dps/` + dpsID + `/applications/` + pennine + `"]`)
	s.Contains("Pennine Pathways Ltd", "Companies House number", "08765432", "Answers to the selection criteria",
		safeguardingQuestion, pennineSafeguarding, localQuestion, pennineLocal)
	wantIn(t, "the accreditations", s.Text("#accreditations"), "Public liability insurance", "PL-pennine-pathways", "30 November 2027", "Current", "Safeguarding policy")
	wantIn(t, "the settings", s.Text("#settings"), "Heaton Norris House (SC200001, SK1)", "Children's home", "Good", "Inspected 10 March 2026", "Yes",
		"Ribble View", "Requires improvement", "No: below the threshold")
	s.Click("#decision-residential")
	s.Follow("#category-residential form .govuk-button") // no reason
	s.Contains("There is a problem", "Enter the reason for your decision")
	s.Enter("#reason-residential", "Meets both selection criteria; insurance current; one home Good, one below the threshold is not matched")
	s.Follow("#category-residential form .govuk-button")
	s.Contains("Admitted to Residential children's homes: the decision is recorded with your reason")
	wantIn(t, "the decision", s.Text("#category-residential"), "Admitted", "21 December 2026", "Meets both selection criteria")

	// Northern Lights: its insurance expired on 10 December, so it cannot
	// be admitted (the rule in words); rejected with a reason.
	s.Visit("/dps/" + dpsID + "/applications/" + northernLights)
	wantIn(t, "the accreditations", s.Text("#accreditations"), "Public liability insurance", "10 December 2026", "Expired")
	s.Click("#decision-residential")
	s.Enter("#reason-residential", "Meets the criteria")
	s.Follow("#category-residential form .govuk-button")
	s.Contains("There is a problem", "The provider cannot be admitted while one of its accreditations has expired")
	s.Click(`#category-residential input[value="reject"]`)
	s.Enter("#reason-residential", "Public liability insurance expired on 10 December 2026")
	s.Follow("#category-residential form .govuk-button")
	s.Contains("Rejected for Residential children's homes", "Public liability insurance expired on 10 December 2026")
	wantIn(t, "the decision", s.Text("#category-residential"), "Rejected")

	// A decision sent twice (a double click, a refresh) acts once.
	lead := s.purchasing(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	c := s.httpSignedIn(0)
	page := s.httpGet(t, c, "/dps/"+dpsID+"/applications/"+northernLights)
	m := regexp.MustCompile(`action="/dps/` + dpsID + `/applications/` + northernLights + `/fostering-standard"[^>]*>\s*<input type="hidden" name="request_id" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no fostering decision form with a request id on:\n%s", page)
	}
	form := url.Values{"request_id": {m[1]}, "decision-fostering-standard": {"reject"}, "reason-fostering-standard": {"No fostering agency registered with Ofsted"}}
	for range 2 {
		res, err := c.PostForm(s.portal.URL+"/dps/"+dpsID+"/applications/"+northernLights+"/fostering-standard", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("a decision answered %d, want 303 to the application", res.StatusCode)
		}
	}
	log := servicetest.Must(lead.GetDecisionLog(s.Ctx, &purchasingv1.GetDecisionLogRequest{Id: dpsID, MinPosition: s.LastPosition()})).OK(t)
	rejections := 0
	for _, d := range log.GetDecisions() {
		if d.GetDecision() == "ApplicationRejected" {
			rejections++
		}
	}
	if rejections != 2 {
		t.Errorf("the decision log has %d rejections, want 2 (residential, then fostering once)", rejections)
	}

	s.Visit("/dps/" + dpsID + "/applications")
	s.Contains("No application is waiting for a decision.")
	wantIn(t, "the decided applications", s.Text("#applications-decided"), "Pennine Pathways Ltd", "Admitted", "Northern Lights Care Ltd", "Rejected",
		"No fostering agency registered with Ofsted")

	// Close the DPS: a warning, a reason.
	s.Visit("/dps/" + dpsID)
	s.Follow(`main a[href="/dps/` + dpsID + `/close"]`)
	s.Contains("Close the DPS", "Closing cannot be undone")
	s.Follow("main form .govuk-button--warning")
	s.Contains("There is a problem", "Enter why you are closing the DPS")
	s.Enter("#reason", "Replaced by the 2027 regional dynamic market")
	s.Follow("main form .govuk-button--warning")
	s.Contains("The DPS is closed", "Closed")
	wantIn(t, "the status", s.Text("#dps-status"), "Closed")

	// A provider: not the lead's pages; its own application; not another's.
	s.signIn("Priya Shah")
	for _, path := range []string{"/dps", "/dps/new/title", "/dps/" + dpsID, "/dps/" + dpsID + "/applications"} {
		s.Visit(path)
		s.Contains("You cannot see this page")
	}
	s.Visit("/dps/" + dpsID + "/applications/" + pennine)
	s.Contains("Pennine Pathways Ltd", pennineSafeguarding, "Admitted")
	if strings.Contains(s.Text("main"), "Save decision") {
		t.Error("the provider is offered a decision on its own application")
	}
	s.Visit("/dps/" + dpsID + "/applications/" + northernLights)
	s.Contains("Page not found")
}

// httpSignedIn is a plain HTTP client signed in as the i-th demo person.
func (s *stack) httpSignedIn(i int) *http.Client {
	s.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(s.portal.URL+"/dev/sign-in", url.Values{"person": {strconv.Itoa(i)}})
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	return c
}

func (s *stack) httpGet(t *testing.T, c *http.Client, path string) string {
	t.Helper()
	res, err := c.Get(s.portal.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	return readAll(t, res)
}
