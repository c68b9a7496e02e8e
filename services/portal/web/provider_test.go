package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Tom Reid's organisation, Little Oaks Care, is not registered: from home
// he registers it one question a page (a Companies House number too short
// is refused and corrected), checks his answers, then adds a setting and
// records an accreditation. A council commissioner cannot open a
// provider's organisation page.
func TestProviderRegistersFromScratch(t *testing.T) {
	s := newStack(t)
	s.signIn("Tom Reid")
	s.Contains("Register your organisation", "Companies House number or charity number")
	// Nothing to show before registering: each area leads back to it.
	s.Follow(`#navigation a[href="/vacancies"]`)
	s.Contains("Register your organisation")
	s.Follow(`#navigation a[href="/organisation"]`)
	s.Contains("Register your organisation")
	s.Follow("#start-registration")

	s.Contains("What is your organisation's legal name?")
	s.Follow("main form .govuk-button") // nothing entered
	s.Contains("There is a problem", "Enter your organisation's legal name")
	s.Enter("#profile-legal_name", "Little Oaks Care Ltd")
	s.Enter("#profile-trading_name", "Little Oaks")
	s.Follow("main form .govuk-button")

	s.Contains("What is your Companies House number or charity number?")
	s.Enter("#profile-registration", "1234")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter a Companies House number of 8 letters and numbers, for example 01234567, or a charity number of 6 or 7 numbers")
	wantIn(t, "the field's inline error", s.Text("#profile-registration-error"), "Error:", "8 letters and numbers")
	s.Click(`.govuk-error-summary a[href="#profile-registration"]`)
	if f := s.Focused(); f != "profile-registration" {
		t.Fatalf("the error summary's link put the focus on %q, want the number field", f)
	}
	s.Enter("#profile-registration", "07654321")
	s.Follow("main form .govuk-button")

	s.Contains("Where is your head office?")
	s.Enter("#profile-head_office_outcode", "bb2")
	s.Follow("main form .govuk-button")

	s.Contains("Who should councils and consortia contact?")
	s.Enter("#profile-contacts-0-name", "Referrals team")
	s.Enter("#profile-contacts-0-role", "referrals")
	s.Enter("#profile-contacts-0-email", "referrals-littleoaks.example.org")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter an email address in the correct format")
	s.Enter("#profile-contacts-0-email", "referrals@littleoaks.example.org")
	s.Follow("main form .govuk-button")

	s.Contains("Check your answers", "Little Oaks Care Ltd", "Little Oaks", "Companies House number", "07654321", "BB2",
		"Referrals team (referrals)", "referrals@littleoaks.example.org")
	s.Follow("main form .govuk-button")
	s.Contains("Your organisation is registered", "Little Oaks Care Ltd", "07654321", "You have recorded no accreditation yet.", "You have added no setting yet.")
	if loc := s.Location(); !strings.HasPrefix(loc, "/organisation") {
		t.Fatalf("after registering, the page is %s", loc)
	}

	// A setting, its type and specialisms in words.
	s.Follow("#add-setting")
	s.Contains("Add a setting", "Emotional and behavioural difficulties", "Children's home")
	s.Enter("#setting-urn", "SC300001")
	s.Enter("#setting-name", "Oak Lodge")
	s.Click(`input[name="setting-type"][value="CHILDRENS_HOME"]`)
	s.Enter("#setting-registered_places", "3")
	s.Enter("#setting-outcode", "BB2")
	s.Click(`input[name="setting-specialisms"][value="emotional_behavioural"]`)
	s.Click(`input[name="setting-specialisms"][value="autism"]`)
	s.Click(`input[name="setting-ofsted_grade"][value="GOOD"]`)
	s.Click(`input[name="setting-pets_on_site"][value="no"]`)
	s.Follow("main form .govuk-button") // no inspection date for a Good home
	s.Contains("There is a problem", "Enter the date of the latest inspection")
	s.Enter("#setting-ofsted_date-day", "10")
	s.Enter("#setting-ofsted_date-month", "3")
	s.Enter("#setting-ofsted_date-year", "2026")
	s.Follow("main form .govuk-button")
	s.Contains("Oak Lodge is added to your settings")
	wantIn(t, "the setting", s.Text("#setting-SC300001"), "Oak Lodge", "SC300001", "Children's home", "3", "BB2", "Good", "inspected 10 March 2026",
		"Emotional and behavioural difficulties", "Autism")

	// An accreditation with its expiry date.
	s.Follow("#record-accreditation")
	s.Click(`input[name="accreditation-kind"][value="PUBLIC_LIABILITY_INSURANCE"]`)
	s.Enter("#accreditation-reference", "PL-7788")
	s.Enter("#accreditation-expires_on-day", "31")
	s.Enter("#accreditation-expires_on-month", "11")
	s.Enter("#accreditation-expires_on-year", "2027")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "The expiry date must be a real date")
	s.Enter("#accreditation-expires_on-day", "30")
	s.Follow("main form .govuk-button")
	s.Contains("Public liability insurance is recorded")
	wantIn(t, "the accreditation", s.Text("#accreditation-PUBLIC_LIABILITY_INSURANCE"), "Public liability insurance", "PL-7788", "30 November 2027", "Current")

	// The details changed: a second contact added.
	s.Follow("#change-details")
	s.Contains("Change your details", "Add a contact (optional)")
	s.Enter("#profile-contacts-1-name", "Contracts team")
	s.Enter("#profile-contacts-1-role", "contracts")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter an email address in the correct format")
	s.Enter("#profile-contacts-1-email", "contracts@littleoaks.example.org")
	s.Follow("main form .govuk-button")
	s.Contains("Your organisation's details are saved")
	wantIn(t, "the details", s.Text("#details"), "Referrals team (referrals)", "Contracts team (contracts): contracts@littleoaks.example.org")

	// A new Ofsted judgement, with the reason it changed.
	s.Follow(`#setting-SC300001 a[href="/organisation/settings/SC300001"]`)
	s.Contains("Change Oak Lodge", "Ofsted URN: SC300001")
	s.Click(`input[name="setting-ofsted_grade"][value="OUTSTANDING"]`)
	s.Enter("#setting-ofsted_date-day", "1")
	s.Enter("#setting-ofsted_date-month", "12")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter why the setting changed")
	s.Enter("#reason", "Ofsted inspection on 1 December 2026")
	s.Follow("main form .govuk-button")
	s.Contains("Oak Lodge is saved")
	wantIn(t, "the setting", s.Text("#setting-SC300001"), "Outstanding", "inspected 1 December 2026", "Autism")

	// Home now leads to the organisation's areas, not to registration.
	s.Follow(`#navigation a[href="/"]`)
	s.Contains("Little Oaks", "What needs you", "Nothing needs you now.")

	// A setting removed, with its reason.
	s.Follow(`#navigation a[href="/organisation"]`)
	s.Follow(`#setting-SC300001 a[href="/organisation/settings/SC300001/remove"]`)
	s.Contains("Remove Oak Lodge", "It will no longer be matched to referrals")
	s.Enter("#reason", "The home closed on 30 November 2026")
	s.Follow("main form .govuk-button--warning")
	s.Contains("Oak Lodge is removed", "You have added no setting yet.")

	// Not a council's page.
	s.signIn("Chloe Byrne")
	s.Visit("/organisation")
	s.Contains("You cannot see this page")
}

// Priya Shah of Pennine Pathways sees her memberships, applies to the
// north-west consortium's open DPS (a category and an answer missing are
// refused first), sees when the decision is due, and after the lead admits
// her sees it admitted with its reason. She publishes a vacancy (more free
// places than registered is refused) and withdraws it. An accreditation
// that has expired is flagged on home and on her organisation with what it
// blocks. Sam Okoro of another provider cannot open her things.
func TestProviderJoinsADpsAndPublishesAVacancy(t *testing.T) {
	s := newStack(t)
	// Insurance expiring in 48 days.
	s.registerProvider(pennine, "Pennine Pathways Ltd", "08765432", "2027-01-20",
		childrensHome("SC200001", "Heaton Norris House", "SK1", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	s.registerProvider(northernLights, "Northern Lights Care Ltd", "09876543", "2027-11-30",
		childrensHome("SC100001", "Fallowfield House", "M20", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	s.registerProvider("irwell-house", "Irwell House Ltd", "07123456", "2027-11-30")
	// A framework Pennine is admitted to (gRPC): bids, scores, award.
	fw := s.fwEvaluating("prov", "North West Residential Framework")
	s.Clock.Set(stackStart.Add(2 * time.Hour))
	s.fwScoreAll(fw)
	servicetest.Must(s.fwLead().AwardFramework(s.Ctx, &frameworkv1.AwardFrameworkRequest{RequestId: "prov-award", FrameworkId: fw,
		Lots:   []*frameworkv1.LotAwardDecision{{LotId: "lot-1", ProviderIds: []string{"irwell-house", "pennine-pathways"}}},
		Reason: "Every bid at or above the quality threshold is admitted"})).OK(t)
	servicetest.Must(s.fwLead().ListFrameworks(s.Ctx, &frameworkv1.ListFrameworksRequest{MinPosition: s.LastPosition()})).OK(t)

	lead := s.purchasing(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	dpsID := s.createDps("prov-dps-north-west", "North West Children's Homes DPS", "352", "353")
	s.settle(servicetest.Must(lead.OpenDps(s.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "prov-open-dps", DpsId: dpsID})).OK(t).GetPosition())

	s.signIn("Priya Shah")
	s.Contains("Pennine Pathways Ltd", "What needs you", "Public liability insurance expires on 20 January 2027 (in 48 days)",
		"1 dynamic purchasing system is open to you")
	s.Follow(`#navigation a[href="/memberships"]`)
	s.Contains("Memberships", "You have not applied to a dynamic purchasing system yet.")
	wantIn(t, "the framework lots", s.Text("#framework-lots"), "North West Residential Framework", "Residential: emotional and behavioural needs",
		"Admitted", "£4,200.00", "31 March 2030")
	s.Follow(`#dps-open a[href="/memberships/dps/` + dpsID + `/apply"]`)
	s.Contains("Apply to North West Children's Homes DPS", "Residential children's homes", "Describe how you keep children safe.")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Select at least one category to apply to", "Answer question 1")
	s.Click(`input[name="category_ids"][value="residential"]`)
	s.Enter("#answers-safeguarding", pennineSafeguarding)
	s.Follow("main form .govuk-button")
	s.Contains("Your application to North West Children's Homes DPS is sent: the consortium decides within 10 working days")
	wantIn(t, "the application", s.Text("#membership-"+dpsID+"-residential"), "North West Children's Homes DPS", "Residential children's homes",
		"Applied", "3 December 2026", "Decision due by 17 December 2026", "10 working days left")
	s.Contains("No other dynamic purchasing system is open to you now.")

	// The lead admits Pennine (gRPC); Priya reads the outcome and its reason.
	pos := servicetest.Must(lead.AdmitProvider(s.Ctx, &purchasingv1.DecideApplicationRequest{RequestId: "prov-admit-pennine", DpsId: dpsID, ProviderId: pennine,
		CategoryId: "residential", Reason: "Meets the safeguarding criterion; insurance current"})).OK(t).GetPosition()
	s.settle(pos)
	s.Follow(`#navigation a[href="/memberships"]`)
	wantIn(t, "the membership", s.Text("#membership-"+dpsID+"-residential"), "Admitted", "Admitted on 3 December 2026", "Meets the safeguarding criterion")
	s.Follow(`#membership-` + dpsID + `-residential a`)
	s.Contains("Pennine Pathways Ltd", pennineSafeguarding, "Admitted")

	// A vacancy published, then withdrawn.
	s.Follow(`#navigation a[href="/vacancies"]`)
	wantIn(t, "the setting", s.Text("#vacancy-SC200001"), "Heaton Norris House", "None published")
	s.Follow(`#vacancy-SC200001 a[href="/vacancies/SC200001"]`)
	s.Contains("Publish a vacancy", "It is registered for 4 places.")
	s.Enter("#free_places", "5")
	s.Enter("#available_from-day", "14")
	s.Enter("#available_from-month", "12")
	s.Enter("#available_from-year", "2026")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter the number of free places, from 1 to 4")
	s.Enter("#free_places", "2")
	s.Follow("main form .govuk-button")
	s.Contains("Heaton Norris House has 2 free places from 14 December 2026")
	wantIn(t, "the vacancy", s.Text("#vacancy-SC200001"), "2 free places", "from 14 December 2026")
	vacancies := servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderResponder).ListVacancies(s.Ctx,
		&purchasingv1.ListVacanciesRequest{MinPosition: s.LastPosition()})).OK(t)
	if len(vacancies.GetVacancies()) != 1 || vacancies.GetVacancies()[0].GetFreePlaces() != 2 {
		t.Fatalf("the service lists %v, want 2 free places at Heaton Norris House", vacancies.GetVacancies())
	}

	// A council's referral matched to the vacancy waits for Priya's answer.
	ref := servicetest.Must(s.purchasing(auth.CouncilOrg("352"), auth.CouncilCommissioner).CreateReferral(s.Ctx, &purchasingv1.CreateReferralRequest{
		RequestId: "prov-referral-01", DpsId: dpsID, Need: &purchasingv1.Need{
			CategoryId: "residential", AgeYears: 14, Sex: purchasingv1.Sex_SEX_FEMALE, NeededBy: purchasingv1.NeededBy_NEEDED_BY_MORE_THAN_5_DAYS,
			Needs: []string{"emotional_behavioural"}, HomeOutcode: "M14", MaxDistanceMiles: 25, StartBy: "2026-12-21", WeeklyBudgetPence: 600000, ExpectedDurationWeeks: 26,
			LivingCompanions: purchasingv1.LivingCompanions_LIVING_COMPANIONS_WITH_OTHER_CHILDREN, Pets: purchasingv1.Pets_PETS_CAN, Risks: &purchasingv1.Risks{}}})).OK(t)
	s.settle(ref.GetPosition())
	s.Follow(`#navigation a[href="/"]`)
	wantIn(t, "what needs Priya", s.Text("#needs-you"), "1 referral waits for your offer or decline")
	if href := s.Eval(`document.querySelector("#needs-you a[href='/inbox']") ? "yes" : "no"`); href != "yes" {
		t.Error("the referrals waiting do not lead to the inbox")
	}

	s.Follow(`#navigation a[href="/vacancies"]`)
	s.Follow(`#vacancy-SC200001 a[href="/vacancies/SC200001/withdraw"]`)
	s.Follow("main form .govuk-button--warning")
	s.Contains("There is a problem", "Enter why the places are no longer free")
	s.Enter("#reason", "Both places filled by a placement from outside the platform")
	s.Follow("main form .govuk-button--warning")
	s.Contains("The vacancy at Heaton Norris House is withdrawn")
	wantIn(t, "the setting", s.Text("#vacancy-SC200001"), "None published")

	// An expired accreditation, flagged with what it blocks.
	servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderAdmin).RecordAccreditation(s.Ctx, &purchasingv1.RecordAccreditationRequest{
		RequestId: "prov-dbs-expired", ProviderId: pennine, Accreditation: &purchasingv1.Accreditation{
			Kind: purchasingv1.AccreditationKind_ACCREDITATION_KIND_DBS_CHECKS, Reference: "DBS-2025", ExpiresOn: "2026-11-30"}})).OK(t)
	s.settle(s.LastPosition())
	s.Follow(`#navigation a[href="/"]`)
	wantIn(t, "what needs Priya", s.Text("#needs-you"), "Expired", "DBS checks expired on 30 November 2026")
	s.Follow(`#navigation a[href="/organisation"]`)
	wantIn(t, "the warning", s.Text("#accreditation-warning"), "DBS checks expired on 30 November 2026",
		"no consortium can admit you to a dynamic purchasing system", "none of your settings is matched to new referrals")
	wantIn(t, "the accreditation", s.Text("#accreditation-DBS_CHECKS"), "DBS checks", "DBS-2025", "Expired")
	wantIn(t, "the insurance", s.Text("#accreditation-PUBLIC_LIABILITY_INSURANCE"), "Expires in 48 days")

	// Suspended by the lead (gRPC): the membership says so, with the reason.
	s.settle(servicetest.Must(lead.SuspendProvider(s.Ctx, &purchasingv1.ProviderMembershipRequest{RequestId: "prov-suspend-pennine", DpsId: dpsID, ProviderId: pennine,
		CategoryId: "residential", Reason: "DBS checks expired"})).OK(t).GetPosition())
	s.Follow(`#navigation a[href="/memberships"]`)
	wantIn(t, "the membership", s.Text("#membership-"+dpsID+"-residential"), "Suspended", "Suspended since 3 December 2026")
	wantIn(t, "the warning", s.Text("main .govuk-warning-text"), "One of your accreditations has expired")

	// A responder of Pennine's publishes vacancies but has no organisation page.
	s.signIn("Rafi Khan")
	s.Contains("Pennine Pathways Ltd", "What needs you", "0 of 1 setting has free places published")
	if strings.Contains(s.Text("#areas"), "Memberships") {
		t.Error("a responder's home offers the admin's memberships")
	}
	s.Follow(`#navigation a[href="/vacancies"]`)
	s.Follow(`#vacancy-SC200001 a[href="/vacancies/SC200001"]`)
	s.Enter("#free_places", "1")
	s.Enter("#available_from-day", "4")
	s.Enter("#available_from-month", "1")
	s.Enter("#available_from-year", "2027")
	s.Follow("main form .govuk-button")
	s.Contains("Heaton Norris House has 1 free place from 4 January 2027")
	s.Visit("/organisation")
	s.Contains("You cannot see this page")

	// Another provider's admin cannot open Pennine's things.
	s.signIn("Sam Okoro")
	for _, path := range []string{"/vacancies/SC200001", "/vacancies/SC200001/withdraw", "/organisation/settings/SC200001",
		"/organisation/settings/SC200001/remove", "/dps/" + dpsID + "/applications/" + pennine} {
		s.Visit(path)
		s.Contains("Page not found")
	}
	s.Visit("/memberships")
	if strings.Contains(s.Text("main"), "Admitted") {
		t.Error("Sam's memberships show Pennine's admission")
	}
	s.Contains("Apply to North West Children's Homes DPS")

	// Sam's application without JavaScript, the form sent twice (a double
	// click, a refresh): one application.
	c := s.httpSignedIn(5) // Sam Okoro
	page := s.httpGet(t, c, "/memberships/dps/"+dpsID+"/apply")
	m := regexp.MustCompile(`name="request_id" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no request id on the application form:\n%s", page)
	}
	form := url.Values{"request_id": {m[1]}, "category_ids": {"residential"}, "answers-safeguarding": {"Staff trained in child exploitation."}}
	for range 2 {
		res, err := c.PostForm(s.portal.URL+"/memberships/dps/"+dpsID+"/apply", form)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, res)
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/memberships") {
			t.Fatalf("an application answered %d to %q, want 303 to the memberships:\n%s", res.StatusCode, res.Header.Get("Location"), body)
		}
	}
	apps := servicetest.Must(lead.ListApplications(s.Ctx, &purchasingv1.ListApplicationsRequest{DpsId: dpsID, MinPosition: s.LastPosition()})).OK(t)
	sams := 0
	for _, a := range apps.GetApplications() {
		if a.GetProviderId() == northernLights {
			sams++
		}
	}
	if sams != 1 {
		t.Errorf("Northern Lights has %d applications, want 1", sams)
	}
	s.Visit("/memberships")
	wantIn(t, "Sam's application", s.Text("#membership-"+dpsID+"-residential"), "Applied", "Decision due by 17 December 2026")
}
