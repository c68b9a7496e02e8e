package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// retFigures are a month's figures as Priya types them, by field id.
var retFigures = [][2]string{
	{"#figures-registered_places", "4"},
	{"#figures-occupied_places", "3.5"},
	{"#figures-staff_in_post", "12"},
	{"#figures-staff_leavers", "0"},
	{"#figures-agency_shift_percent", "10"},
	{"#figures-missing_episodes", "1"},
	{"#figures-children_repeatedly_missing", "0"},
	{"#figures-restraints", "0"},
	{"#figures-education_attendance_percent", "95"},
	{"#figures-complaints", "1"},
	{"#figures-complaints_upheld", "0"},
	{"#figures-feedback_responses", "3"},
	{"#figures-feedback_score", "4.5"},
}

// retFill types every figure of the return form except those skipped.
func (s *stack) retFill(skip string) {
	s.t.Helper()
	for _, f := range retFigures {
		if f[0] != skip {
			s.Enter(f[0], f[1])
		}
	}
}

// retAwaitProvider waits for the lead's alert that the provider's level
// under north-west changed to level: risk levels are the service's
// reaction to what the provider did, recorded after the command returned.
func retAwaitProvider(t *testing.T, watch monitoringv1.MonitoringService_WatchAlertsClient, level monitoringv1.RiskLevel) {
	t.Helper()
	for {
		a, err := watch.Recv()
		if err != nil {
			t.Fatalf("waiting for the provider to be %v: %v", level, err)
		}
		if a.GetProviderId() == pennine && a.GetScope() == monitoringv1.RiskScope_RISK_SCOPE_PROVIDER && a.GetTo() == level {
			return
		}
	}
}

// Issue 13, provider monitoring: Priya Shah of Pennine Pathways, where
// Manchester and Oldham have children placed at Heaton Norris House, sees
// her risk level (amber: October's return is missing) and why, files
// November's return (a figure left out first, then given) seeing which
// councils it goes to, corrects it, files the missing October return late
// (green again), notifies an incident, and raises and withdraws a
// financial warning, her risk level following each. Sam Okoro of another
// provider finds none of her setting's pages; a commissioner cannot open
// the provider's monitoring at all.
func TestReturnsProviderFilesCorrectsAndWarns(t *testing.T) {
	s := newStack(t)
	nw := auth.ConsortiumOrg("north-west")
	s.createDps("dps-returns-00001", "North West Placements DPS", "352", "353")
	s.registerProvider(pennine, "Pennine Pathways Ltd", "08765432", "2027-11-30",
		childrensHome("SC200001", "Heaton Norris House", "SK1", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD),
		childrensHome("SC200002", "Ribble View", "BB1", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	s.registerProvider(northernLights, "Northern Lights Care Ltd", "09876543", "2027-11-30",
		childrensHome("SC100001", "Fallowfield House", "M20", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))

	// Monitoring has the register and the DPS's members; the lead watches
	// the alerts from here on.
	lead := s.monitoring(nw, auth.ConsortiumLead)
	servicetest.Must(lead.GetRiskPolicy(s.Ctx, &monitoringv1.GetRiskPolicyRequest{Consortium: "north-west", MinPosition: s.LastPosition()})).OK(t)
	watch, err := lead.WatchAlerts(s.Ctx, &monitoringv1.WatchAlertsRequest{Consortium: "north-west", AfterPosition: s.LastPosition()})
	if err != nil {
		t.Fatal(err)
	}
	// Two councils put placements made before the platform under
	// monitoring: Manchester's since 5 October, Oldham's since 2 November.
	for _, p := range []struct{ la, start string }{{"352", "2026-10-05"}, {"353", "2026-11-02"}} {
		servicetest.Must(s.monitoring(auth.CouncilOrg(p.la), auth.CouncilCommissioner).RecordPlacement(s.Ctx, &monitoringv1.RecordPlacementRequest{
			RequestId: "record-placement-" + p.la, Consortium: "north-west", SettingUrn: "SC200001", StartDate: p.start,
			WeeklyPricePence: 520000, CategoryId: "residential"})).OK(t)
	}
	retAwaitProvider(t, watch, monitoringv1.RiskLevel_RISK_LEVEL_AMBER)

	// Her risk level, why, and what is missing.
	s.signIn("Priya Shah")
	s.Follow(`#navigation a[href="/returns"]`)
	s.Contains("Monitoring", "Pennine Pathways Ltd", "Consortium north-west", "Amber", "1 monthly return overdue in the last 12 months at Heaton Norris House",
		"1 return is missing", "Heaton Norris House", "October 2026", "Ribble View", "You have not warned of financial difficulty")
	wantIn(t, "the missing returns", s.rowText("#returns-missing", 1), "Heaton Norris House", "October 2026", "working days")

	// A setting's page: who sees its returns, its months.
	s.Follow(`#returns-settings a[href="/returns/settings/SC200001"]`)
	s.Contains("Heaton Norris House", "SC200001")
	wantIn(t, "who sees the returns", s.Text("#returns-audience"), "Filed once, seen by Manchester, Oldham and the lead of consortium north-west")
	wantIn(t, "last month", s.rowText("#returns-months", 1), "November 2026", "Not filed yet")
	wantIn(t, "the month before", s.rowText("#returns-months", 2), "October 2026", "Missing")

	// November's return: staff in post left out, then given.
	s.Follow(`#returns-months a[href="/returns/settings/SC200001/returns/2026-11"]`)
	s.Contains("Return for November 2026", "Filed once, seen by Manchester, Oldham and the lead of consortium north-west")
	if got := s.Eval(`document.querySelector("#figures-registered_places").value`); got != "4" {
		t.Fatalf("registered places start as %q, want the register's 4", got)
	}
	s.retFill("#figures-staff_in_post")
	s.Enter("#incidents-4", "1")
	s.Click(`input[name="figures-feedback_themes"][value="feel_safe"]`)
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter the number of staff in post at the end of the month, or 0 if there were none")
	wantIn(t, "the field's error", s.Text("#figures-staff_in_post-error"), "Error:", "staff in post")
	if got := s.Eval(`document.querySelector("#figures-occupied_places").value`); got != "3.5" {
		t.Fatalf("the form lost what was typed: occupied places %q", got)
	}
	s.Enter("#figures-staff_in_post", "12")
	s.Follow("main form .govuk-button")
	s.Contains("Return for November 2026 filed")
	wantIn(t, "November", s.rowText("#returns-months", 1), "November 2026", "Filed 3 December 2026")

	// A correction: the form holds what was filed.
	s.Follow(`#returns-months a[href="/returns/settings/SC200001/returns/2026-11"]`)
	s.Contains("Correct the return for November 2026", "This replaces the return filed 3 December 2026")
	if got := s.Eval(`document.querySelector("#figures-complaints").value + " " + document.querySelector("#incidents-4").value + " " +
		document.querySelector('input[value="feel_safe"]').checked`); got != "1 1 true" {
		t.Fatalf("the correction form shows %q, want what was filed", got)
	}
	s.Enter("#figures-complaints", "2")
	s.Follow("main form .govuk-button")
	s.Contains("Return for November 2026 corrected")
	wantIn(t, "November", s.rowText("#returns-months", 1), "November 2026", "Corrected")

	// October's, late: nothing is missing any more, and she is green.
	s.Follow(`#returns-months a[href="/returns/settings/SC200001/returns/2026-10"]`)
	s.Contains("Return for October 2026")
	s.retFill("")
	s.Enter("#figures-occupied_places", "5")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Places occupied on average cannot be more than the registered places")
	wantIn(t, "the field's error", s.Text("#figures-occupied_places-error"), "cannot be more than the registered places")
	s.Visit("/returns/settings/SC200001")
	wantIn(t, "October, refused", s.rowText("#returns-months", 2), "October 2026", "Missing")
	s.Follow(`#returns-months a[href="/returns/settings/SC200001/returns/2026-10"]`)
	s.retFill("")
	s.Follow("main form .govuk-button")
	s.Contains("Return for October 2026 filed")
	wantIn(t, "October", s.rowText("#returns-months", 2), "October 2026", "Late")
	retAwaitProvider(t, watch, monitoringv1.RiskLevel_RISK_LEVEL_GREEN)

	// An incident, as it happens.
	s.Follow(`main a[href="/returns/settings/SC200001/incidents/new"]`)
	s.Contains("Notify an incident", "Never name a child")
	s.Click(`input[name="type"][value="4"]`)
	s.Enter("#occurred_on-day", "1")
	s.Enter("#occurred_on-month", "12")
	s.Enter("#occurred_on-year", "2026")
	s.Enter("#summary", "Police called after damage to the lounge; staff debriefed and the risk assessment reviewed.")
	s.Follow("main form .govuk-button")
	s.Contains("Incident notified")
	wantIn(t, "the incidents", s.Text("#returns-incidents"), "Police involvement on 1 December 2026", "risk assessment reviewed")

	// A financial warning raises her level; withdrawn, it is gone.
	s.Follow(`#navigation a[href="/returns"]`)
	s.Contains("Green", "No return is missing", "1 return was filed late")
	s.Follow(`main a[href="/returns/financial-warning"]`)
	s.Contains("Financial warning", "How serious is it?")
	s.Click(`input[name="level"][value="1"]`)
	s.Enter("#summary", "Our largest contract ends in January and we are refinancing.")
	s.Follow("main form .govuk-button")
	s.Contains("Financial warning sent", "You warned the consortia you work with of financial difficulty on 3 December 2026")
	retAwaitProvider(t, watch, monitoringv1.RiskLevel_RISK_LEVEL_AMBER)
	s.Visit("/returns")
	wantIn(t, "her risk level", s.Text("#risk-north-west"), "Amber", "The provider has warned of a financial concern")
	s.Follow(`main a[href="/returns/financial-warning"]`)
	s.Contains("You warned of financial difficulty on 3 December 2026", "Withdraw the warning")
	s.Click(`input[name="level"][value="1"]`)
	s.Enter("#summary", "Still refinancing.")
	s.Follow(`form:not([action]) .govuk-button`)
	s.Contains("There is a problem", "You have already warned at this level: choose the other, or withdraw the warning")
	s.Enter("#reason", "The refinancing is agreed.")
	s.Follow(`form[action="/returns/financial-warning/withdraw"] .govuk-button`)
	s.Contains("Financial warning withdrawn", "You have not warned of financial difficulty")
	retAwaitProvider(t, watch, monitoringv1.RiskLevel_RISK_LEVEL_GREEN)
	s.Visit("/returns")
	wantIn(t, "her risk level", s.Text("#risk-north-west"), "Green", "No early-warning indicator is past its amber threshold")

	// Without JavaScript: a form with nothing in it is refused (422) and
	// changes nothing; a notification sent twice (a double click, a
	// refresh) is notified once.
	c := s.httpSignedIn(4) // Priya Shah
	page := s.httpGet(t, c, "/returns/settings/SC200001/incidents/new")
	m := regexp.MustCompile(`name="request_id" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no request id on the incident form:\n%s", page)
	}
	post := func(form url.Values) int {
		res, err := c.PostForm(s.portal.URL+"/returns/settings/SC200001/incidents/new", form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post(url.Values{"request_id": {m[1]}}); code != http.StatusUnprocessableEntity {
		t.Fatalf("an empty incident answered %d, want 422", code)
	}
	form := url.Values{"request_id": {m[1]}, "type": {"2"}, "occurred_on-day": {"2"}, "occurred_on-month": {"12"}, "occurred_on-year": {"2026"},
		"summary": {"Hospital admission overnight after an asthma attack; care plan updated."}}
	for range 2 {
		if code := post(form); code != http.StatusSeeOther {
			t.Fatalf("an incident answered %d, want 303 to the setting", code)
		}
	}
	s.Visit("/returns/settings/SC200001")
	if n := s.Eval(`String(document.querySelectorAll("#returns-incidents li").length)`); n != "2" {
		t.Fatalf("the setting lists %s incidents, want 2 (police involvement, serious illness once)", n)
	}

	// Her responder reads the same and files returns, but only an admin
	// warns of financial difficulty.
	s.signIn("Rafi Khan")
	s.Follow(`#navigation a[href="/returns"]`)
	s.Contains("Pennine Pathways Ltd", "Green", "You have not warned of financial difficulty")
	if n := s.Eval(`String(document.querySelectorAll('main a[href="/returns/financial-warning"]').length)`); n != "0" {
		t.Fatalf("a responder is offered the financial warning (%s links)", n)
	}
	s.Follow(`#returns-settings a[href="/returns/settings/SC200001"]`)
	wantIn(t, "the incidents", s.Text("#returns-incidents"), "Police involvement on 1 December 2026")
	s.Visit("/returns/financial-warning")
	s.Contains("You cannot see this page")

	// Another provider finds none of her setting's pages.
	s.signIn("Sam Okoro")
	s.Follow(`#navigation a[href="/returns"]`)
	s.Contains("Northern Lights Care Ltd", "Fallowfield House", "No consortium assesses you yet")
	for _, path := range []string{"/returns/settings/SC200001", "/returns/settings/SC200001/returns/2026-11", "/returns/settings/SC200001/incidents/new"} {
		s.Visit(path)
		s.Contains("Page not found")
	}

	// A provider not yet registered has nothing to file.
	s.signIn("Tom Reid")
	s.Visit("/returns")
	s.Contains("Monitoring", "No consortium assesses you yet", "No return is missing", "You have no setting on the provider register")

	// A commissioner has no provider monitoring.
	s.signIn("Chloe Byrne")
	s.Visit("/returns")
	s.Contains("You cannot see this page")
}
