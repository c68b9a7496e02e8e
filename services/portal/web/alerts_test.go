package web_test

import (
	"net/http"
	"strings"
	"testing"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 13, alerts: Chloe Byrne has Alerts open when Ofsted's Inadequate
// judgement of the home where Manchester has a child turns it red; the
// alert appears without a reload, with its reason. She acknowledges it
// with a note (an empty note refused first) and it moves to the
// acknowledged; without JavaScript a reload shows the same. Dana Reed
// (viewer) reads Alerts and the alert, and is offered no acknowledgement
// nor allowed one; Erin Walsh (Oldham, no child there) gets "Page not
// found" for the alert.
func TestAlertAppearsLiveAndIsAcknowledged(t *testing.T) {
	s := newStack(t)
	s.plcPlace()

	s.signIn("Chloe Byrne")
	s.Follow(`.govuk-service-navigation a[href="/alerts"]`)
	s.Contains("Alerts", "No alert is waiting for you.")
	s.Eval(`window.alertPage = "the same page"`)

	// The platform records Ofsted's judgement (gRPC): the alert appears in
	// the open page, which is not loaded again.
	servicetest.Must(s.monitoring(auth.OrgPlatform, auth.PlatformAdmin).RecordOfstedJudgement(s.Ctx, &monitoringv1.RecordOfstedJudgementRequest{
		RequestId: "alert-ofsted-01", Urn: plcHome, Grade: purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE, InspectionDate: "2026-12-04", InspectionType: "full"})).OK(t)
	s.plcAppears("#alerts-inbox", "Pennine Pathways Ltd, home "+plcHome+": Green to red")
	if got := s.Eval(`String(window.alertPage)`); got != "the same page" {
		t.Fatalf("the page was loaded again (%q): the alert should appear in it", got)
	}
	s.Axe()
	var alertID string
	for _, a := range servicetest.Must(s.monitoring(auth.CouncilOrg("352"), auth.CouncilCommissioner).ListAlerts(s.Ctx, &monitoringv1.ListAlertsRequest{})).OK(t).GetAlerts() {
		if a.GetSettingUrn() == plcHome {
			alertID = a.GetAlertId()
		}
	}
	card := `[id="alert-` + alertID + `"]`
	wantIn(t, "the alert", s.Text(card), "Red", "was green", "Ofsted grade", "Inadequate", "1 child placed")
	wantIn(t, "the waiting count", s.Text("#alerts-waiting-count"), "waiting for you to acknowledge")
	// A screen reader hears the list's summary, not the whole list again.
	wantIn(t, "the live announcement", s.Text(`body > [role="status"]`), s.Text("#alerts-waiting-count"))

	// Dana Reed (viewer, 352): reads the waiting alert, acknowledges none.
	s.signIn("Dana Reed")
	s.Follow(`.govuk-service-navigation a[href="/alerts"]`)
	wantIn(t, "the viewer's alert", s.Text(card), "Red", "was green", "Ofsted grade")
	wantIn(t, "the viewer's count", s.Text("#alerts-waiting-count"), "waiting for your council's commissioner to acknowledge")
	if n := s.Eval(`String(document.querySelectorAll("main a[href^='/alerts/']").length)`); n != "0" {
		t.Errorf("the viewer is offered %s links to acknowledge", n)
	}
	s.Visit("/alerts/" + alertID)
	s.Contains("Green to red", "Your council's commissioner acknowledges alerts.")
	if n := s.Eval(`String(document.querySelectorAll("main form[method=post]").length)`); n != "0" {
		t.Errorf("the viewer's alert page has %s forms", n)
	}
	if code := s.plcStatus(7, http.MethodPost, "/alerts/"+alertID); code != http.StatusForbidden {
		t.Errorf("the viewer's acknowledgement answered %d, want 403", code)
	}
	s.signIn("Chloe Byrne")
	s.Visit("/alerts")

	// Acknowledge it with a note.
	s.Follow(card + ` a[href="/alerts/` + alertID + `"]`)
	s.Contains("Pennine Pathways Ltd, home "+plcHome+": Green to red", "Acknowledge the alert")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter what you have done about the alert")
	s.Enter("#note", "Social worker visited the child; the safety plan was reviewed")
	s.Follow("main form .govuk-button")
	s.Contains("The alert about Pennine Pathways Ltd, home " + plcHome + " is acknowledged")
	wantIn(t, "the acknowledged alert", s.Text(card), "Acknowledged", "Social worker visited the child; the safety plan was reviewed")
	if strings.Contains(s.Text(card), "Acknowledge the alert") {
		t.Error("an acknowledged alert still offers to acknowledge it")
	}

	// Without JavaScript a reload shows the same.
	page := s.httpGet(t, s.httpSignedIn(2), "/alerts")
	if !strings.Contains(page, "Social worker visited the child") || !strings.Contains(page, "Green to red") {
		t.Errorf("the inbox over plain HTTP does not show the acknowledged alert:\n%s", page)
	}

	// Erin Walsh (Oldham): not in her inbox.
	s.signIn("Erin Walsh")
	s.Follow(`.govuk-service-navigation a[href="/alerts"]`)
	if strings.Contains(s.Text("main"), "Pennine Pathways") {
		t.Error("Oldham's inbox shows Manchester's alert")
	}
	s.Visit("/alerts/" + alertID)
	s.Contains("Page not found")
}
