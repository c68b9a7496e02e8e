package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// The home of the placement tests: Pennine Pathways' Heaton Norris House
// in Stockport, four places, judged Good.
const (
	plcHome     = "SC200001"
	plcHomeName = "Heaton Norris House"
)

// plcPlace is the purchasing side of one placement, all through gRPC: the
// lead opens a DPS that Manchester (352) and Oldham (353) place through and
// admits Pennine Pathways; Chloe Byrne refers a child on Thursday 3
// December at 9am; Pennine offers Heaton Norris House at £5,200 a week;
// Chloe awards it on Saturday 5 December at noon. It returns the placement
// id once monitoring has made its contract.
func (s *stack) plcPlace() string {
	s.t.Helper()
	s.registerProvider(pennine, "Pennine Pathways Ltd", "08765432", "2027-11-30",
		childrensHome(plcHome, plcHomeName, "SK1", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	lead := s.purchasing(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	dps := s.createDps("plc-dps-create-01", "Greater Manchester Placements DPS", "352", "353")
	servicetest.Must(lead.OpenDps(s.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "plc-dps-open-01", DpsId: dps})).OK(s.t)
	servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderAdmin).ApplyToDps(s.Ctx, &purchasingv1.ApplyToDpsRequest{RequestId: "plc-apply-pennine",
		DpsId: dps, ProviderId: pennine, CategoryIds: []string{"residential"},
		Answers: []*purchasingv1.CriterionAnswer{{CriterionId: "safeguarding", Answer: "Trained staff and a missing-from-care protocol."}}})).OK(s.t)
	servicetest.Must(lead.AdmitProvider(s.Ctx, &purchasingv1.DecideApplicationRequest{RequestId: "plc-admit-pennine", DpsId: dps, ProviderId: pennine,
		CategoryId: "residential", Reason: "Meets the selection criterion"})).OK(s.t)
	responder := s.purchasing(auth.ProviderOrg(pennine), auth.ProviderResponder)
	servicetest.Must(responder.PublishVacancy(s.Ctx, &purchasingv1.PublishVacancyRequest{RequestId: "plc-vacancy-01", ProviderId: pennine, Urn: plcHome,
		FreePlaces: 1, AvailableFrom: "2026-12-03"})).OK(s.t)

	chloe := s.purchasing(auth.CouncilOrg("352"), auth.CouncilCommissioner)
	ref := servicetest.Must(chloe.CreateReferral(s.Ctx, &purchasingv1.CreateReferralRequest{RequestId: "plc-referral-01", DpsId: dps, Need: &purchasingv1.Need{
		CategoryId: "residential", AgeYears: 14, Sex: purchasingv1.Sex_SEX_FEMALE, NeededBy: purchasingv1.NeededBy_NEEDED_BY_LESS_THAN_5_DAYS,
		HomeOutcode: "M14", MaxDistanceMiles: 20, StartBy: "2026-12-10", WeeklyBudgetPence: 600000, ExpectedDurationWeeks: 26,
		Needs: []string{"emotional_behavioural"}, LivingCompanions: purchasingv1.LivingCompanions_LIVING_COMPANIONS_WITH_OTHER_CHILDREN, Pets: purchasingv1.Pets_PETS_CAN,
	}})).OK(s.t).GetId()
	off := servicetest.Must(responder.MakeOffer(s.Ctx, &purchasingv1.MakeOfferRequest{RequestId: "plc-offer-01", ReferralId: ref, SettingUrn: plcHome,
		WeeklyPricePence: 520000, AvailableFrom: "2026-12-05", Note: "A settled home with a place in a local school."})).OK(s.t)
	s.Clock.Set(time.Date(2026, time.December, 5, 12, 0, 0, 0, time.UTC))
	award := servicetest.Must(chloe.AwardPlacement(s.Ctx, &purchasingv1.AwardPlacementRequest{RequestId: "plc-award-01", ReferralId: ref, OfferId: off.GetOfferId(),
		Reason: "The nearest suitable home within budget"})).OK(s.t)
	id := "pl-" + strings.TrimPrefix(ref, "ref-")
	s.plcAwaitContract(award.GetPosition(), id)
	return id
}

// plcAwaitContract waits for monitoring's reaction to the award: the
// contract's first commit after the award's position, read from the store;
// monitoring's read model is then asked for it at that position.
func (s *stack) plcAwaitContract(after uint64, id string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.Ctx, 30*time.Second)
	defer cancel()
	found := errors.New("found")
	var at uint64
	err := s.Store.Subscribe(ctx, after, []string{eventstore.AggregateFilter("monitoring", "contract")}, func(commit []eventstore.RecordedEvent) error {
		for _, e := range commit {
			if e.StreamID.ID == id {
				at = e.Position
				return found
			}
		}
		return nil
	})
	if !errors.Is(err, found) {
		s.t.Fatalf("monitoring made no contract of placement %s: %v", id, err)
	}
	servicetest.Must(s.monitoring(auth.CouncilOrg("352"), auth.CouncilCommissioner).GetContract(s.Ctx,
		&monitoringv1.GetContractRequest{ContractId: id, MinPosition: at})).OK(s.t)
}

// plcAlertAfter waits, on Chloe's own alert stream from a position, for
// the alert whose reasons name the indicator: the risk reaction has then
// recorded the level that evidence caused.
func (s *stack) plcAlertAfter(after uint64, ind monitoringv1.Indicator, record func()) *monitoringv1.Alert {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.Ctx, 30*time.Second)
	defer cancel()
	watch, err := s.monitoring(auth.CouncilOrg("352"), auth.CouncilCommissioner).WatchAlerts(ctx, &monitoringv1.WatchAlertsRequest{AfterPosition: after})
	if err != nil {
		s.t.Fatal(err)
	}
	record()
	for {
		a, err := watch.Recv()
		if err != nil {
			s.t.Fatalf("waiting for an alert about %v: %v", ind, err)
		}
		for _, r := range a.GetReasons() {
			if r.GetIndicator() == ind {
				return a
			}
		}
	}
}

// plcAppears waits in the page, without a reload, until the element
// matching sel shows text (the browser's bound of 30 seconds fails it).
func (s *stack) plcAppears(sel, text string) {
	s.t.Helper()
	qs, _ := json.Marshal(sel)
	qt, _ := json.Marshal(text)
	s.Eval(`new Promise(ok => { const look = () => { const el = document.querySelector(` + string(qs) + `);
		if (el && el.textContent.includes(` + string(qt) + `)) { ok("shown") } else { setTimeout(look, 100) } }; look() })`)
}

// plcStatus is the status of GET path for the i-th demo person, over
// plain HTTP (no JavaScript).
func (s *stack) plcStatus(i int, method, path string) int {
	s.t.Helper()
	c := s.httpSignedIn(i)
	var res *http.Response
	var err error
	if method == http.MethodPost {
		res, err = c.PostForm(s.portal.URL+path, url.Values{"request_id": {"portal-plc-test-0001"}, "note": {"Seen"}})
	} else {
		res, err = c.Get(s.portal.URL + path)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// Issue 13, my placements: Chloe Byrne (commissioner, Manchester) opens
// Placements from the navigation and sees the placement she awarded, its
// time to placement and the contract with the home; on its page the
// December return Pennine filed, the quality evidence (Ofsted's Requires
// improvement, an incident, feedback) and the amber risk level with its
// reason. She records outcomes at the start (a missing score refused on its
// field first) and at a review, records a quality visit, and ends the
// placement with a reason after checking her answers. Dana Reed (viewer)
// reads the placement without its actions; Erin Walsh (Oldham) gets "Page
// not found" for it; a provider cannot open Placements.
func TestPlacementJourney(t *testing.T) {
	s := newStack(t)
	id := s.plcPlace()

	// A month on: Pennine files December's return and tells of an incident;
	// a child's feedback; Ofsted judges the home Requires improvement.
	s.Clock.Set(time.Date(2027, time.January, 6, 10, 0, 0, 0, time.UTC))
	pennineMon := s.monitoring(auth.ProviderOrg(pennine), auth.ProviderResponder)
	servicetest.Must(pennineMon.SubmitMonitoringReturn(s.Ctx, &monitoringv1.SubmitMonitoringReturnRequest{RequestId: "plc-return-2026-12", Urn: plcHome, Period: "2026-12",
		Figures: &monitoringv1.ReturnFigures{RegisteredPlaces: 4, OccupiedPlaces: 3, StaffInPost: 12, StaffLeavers: 0, AgencyShiftPercent: 5, MissingEpisodes: 2,
			Restraints: 0, EducationAttendancePercent: 92, Complaints: 1, FeedbackResponses: 3, FeedbackScore: 4.2, FeedbackThemes: []string{"feel_safe"}}})).OK(t)
	servicetest.Must(pennineMon.NotifyIncident(s.Ctx, &monitoringv1.NotifyIncidentRequest{RequestId: "plc-incident-01", Urn: plcHome,
		Type: monitoringv1.IncidentType_INCIDENT_TYPE_POLICE_INVOLVEMENT, OccurredOn: "2026-12-28", Summary: "Police called after damage to the home's car"})).OK(t)
	servicetest.Must(pennineMon.RecordFeedback(s.Ctx, &monitoringv1.RecordFeedbackRequest{RequestId: "plc-feedback-01", Urn: plcHome,
		From: monitoringv1.FeedbackFrom_FEEDBACK_FROM_CHILD, Score: 4, Themes: []string{"feel_safe", "food"}, ReceivedOn: "2027-01-04"})).OK(t)
	s.plcAlertAfter(s.LastPosition(), monitoringv1.Indicator_INDICATOR_OFSTED_GRADE, func() {
		servicetest.Must(s.monitoring(auth.OrgPlatform, auth.PlatformAdmin).RecordOfstedJudgement(s.Ctx, &monitoringv1.RecordOfstedJudgementRequest{
			RequestId: "plc-ofsted-01", Urn: plcHome, Grade: purchasingv1.OfstedGrade_OFSTED_GRADE_REQUIRES_IMPROVEMENT, InspectionDate: "2026-12-15", InspectionType: "full"})).OK(t)
	})

	// Chloe: the list from the navigation.
	s.signIn("Chloe Byrne")
	s.Follow(`.govuk-service-navigation a[href="/placements"]`)
	s.Contains("Placements", "Your council's placements")
	wantIn(t, "the placement's row", s.Text("#placement-"+id), plcHomeName+" ("+plcHome+")", "Pennine Pathways Ltd", "5 December 2026",
		"2 days 3 hours", "£5,200.00", "Live", "Amber")

	// Its page: the contract, returns, evidence, risk.
	s.Follow(`#placement-` + id + ` a[href="/placements/` + id + `"]`)
	s.Contains("Placement at "+plcHomeName+" ("+plcHome+")", "Pennine Pathways Ltd")
	wantIn(t, "the contract", s.Text("#placement-contract"), "£5,200.00", "5 December 2026", "5 June 2027", "2 days 3 hours from referral to award")
	wantIn(t, "the returns", s.Text("#placement-returns"), "December 2026", "On time", "3.0 of 4", "92%")
	wantIn(t, "the quality evidence", s.Text("#placement-evidence"), "Requires improvement", "Full inspection on 15 December 2026",
		"28 December 2026: Police involvement", "Police called after damage", "from the child: 4 out of 5", "Feeling safe, Food")
	wantIn(t, "the risk", s.Text("#placement-risk"), "Amber", "Ofsted grade")
	wantIn(t, "the outcomes", s.Text("#placement-outcomes"), "No outcomes are recorded yet")

	// Outcomes at the start: a score missing, refused on its field.
	s.Follow(`#placement-actions a[href="/placements/` + id + `/outcomes/start"]`)
	s.Contains("Record outcomes at the start", "Score each measure from 1 (poor) to 5 (good)")
	s.Enter("#recorded_on-day", "5")
	s.Enter("#recorded_on-month", "12")
	s.Enter("#recorded_on-year", "2026")
	for _, f := range []string{"scores-stability", "scores-education", "scores-health", "scores-childs_view"} {
		s.Click(`input[name="` + f + `"][value="3"]`)
	}
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Select a score from 1 to 5 for wellbeing")
	wantIn(t, "the field's error", s.Text("#scores-wellbeing-error"), "Select a score from 1 to 5 for wellbeing")
	s.Click(`.govuk-error-summary a[href="#scores-wellbeing"]`)
	s.Click(`input[name="scores-wellbeing"][value="2"]`)
	s.Follow("main form .govuk-button")
	s.Contains("The outcomes at the start of the placement are recorded")
	wantIn(t, "the outcomes", s.Text("#placement-outcomes"), "Start, 5 December 2026")

	// At a review.
	s.Follow(`#placement-actions a[href="/placements/` + id + `/outcomes/review"]`)
	s.Contains("Record outcomes at a review")
	s.Enter("#recorded_on-day", "6")
	s.Enter("#recorded_on-month", "1")
	s.Enter("#recorded_on-year", "2027")
	for _, f := range []string{"scores-stability", "scores-education", "scores-health", "scores-wellbeing", "scores-childs_view"} {
		s.Click(`input[name="` + f + `"][value="4"]`)
	}
	s.Follow("main form .govuk-button")
	s.Contains("The outcomes at the review are recorded")
	wantIn(t, "the outcomes", s.Text("#placement-outcomes"), "Start, 5 December 2026", "Review, 6 January 2027")

	// A quality visit by Manchester.
	s.Follow(`#placement-actions a[href="/placements/` + id + `/visit"]`)
	s.Enter("#visited_on-day", "5")
	s.Enter("#visited_on-month", "1")
	s.Enter("#visited_on-year", "2027")
	s.Click(`input[name="rating"][value="2"]`)
	s.Enter("#findings", "Staffing rotas rely on agency cover at weekends")
	s.Enter("#actions-0-action", "Recruit two permanent weekend staff")
	s.Enter("#actions-0-due_on-day", "31")
	s.Enter("#actions-0-due_on-month", "3")
	s.Enter("#actions-0-due_on-year", "2027")
	s.Follow("main form .govuk-button")
	s.Contains("Your quality visit is recorded")
	wantIn(t, "the visits", s.Text("#evidence-visits"), "5 January 2027, Manchester: Concerns.", "agency cover", "Recruit two permanent weekend staff (by 31 March 2027)")

	// Dana Reed (viewer): the placement, no actions.
	s.signIn("Dana Reed")
	s.Follow(`.govuk-service-navigation a[href="/placements"]`)
	s.Follow(`#placement-` + id + ` a`)
	s.Contains("Placement at "+plcHomeName, "Review, 6 January 2027")
	if strings.Contains(s.Text("main"), "End the placement") || s.Eval(`String(document.querySelector("#placement-actions") !== null)`) != "false" {
		t.Error("the viewer is offered the commissioner's actions")
	}
	s.Visit("/placements/" + id + "/end")
	s.Contains("You cannot see this page")

	// Erin Walsh (Oldham): not hers.
	s.signIn("Erin Walsh")
	s.Follow(`.govuk-service-navigation a[href="/placements"]`)
	if strings.Contains(s.Text("main"), plcHomeName) {
		t.Error("Oldham's list shows Manchester's placement")
	}
	for _, path := range []string{"/placements/" + id, "/placements/" + id + "/end", "/placements/" + id + "/outcomes/review"} {
		s.Visit(path)
		s.Contains("Page not found")
	}

	// A provider: not a provider's page.
	s.signIn("Priya Shah")
	s.Visit("/placements")
	s.Contains("You cannot see this page")

	// Chloe ends the placement: nothing chosen is refused, then checked.
	s.signIn("Chloe Byrne")
	s.Visit("/placements/" + id)
	s.Follow(`#placement-actions a[href="/placements/` + id + `/end"]`)
	s.Contains("End the placement", "When did the placement end?")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter the date the placement ended", "Select why the placement ended")
	s.Enter("#end_date-day", "6")
	s.Enter("#end_date-month", "1")
	s.Enter("#end_date-year", "2027")
	s.Select("#reason_code", "E4A")
	s.Enter("#reason", "Returned home with a support plan agreed at the review")
	s.Follow("main form .govuk-button")
	s.Contains("Check and end the placement", "6 January 2027", "Returned home to live with parent(s)", "support plan agreed")
	confirm := url.Values{}
	for _, name := range []string{"request_id", "end_date-day", "end_date-month", "end_date-year", "reason_code", "reason"} {
		confirm.Set(name, s.Eval(`document.querySelector("form[action$='/end/confirm'] input[name='`+name+`']").value`))
	}
	s.Follow("main form .govuk-button--warning")
	s.Contains("Placement ended", plcHomeName, "The placement ended on 6 January 2027: Returned home")

	// The confirmation sent again (a double click, a refresh) acts once.
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(s.portal.URL)
	jar.SetCookies(base, s.Cookies())
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(s.portal.URL+"/placements/"+id+"/end/confirm", confirm)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/placements/"+id+"/ended") {
		t.Fatalf("the confirmation sent again answered %d to %q, want 303 to the ended page", res.StatusCode, res.Header.Get("Location"))
	}
	ends := 0
	for _, d := range servicetest.Must(s.monitoring(auth.CouncilOrg("352"), auth.CouncilCommissioner).GetDecisionLog(s.Ctx,
		&monitoringv1.GetDecisionLogRequest{Aggregate: "contract", Id: id, MinPosition: s.LastPosition()})).OK(t).GetDecisions() {
		if d.GetDecision() == "ContractEnded" {
			ends++
		}
	}
	if ends != 1 {
		t.Errorf("the contract's log has %d ends, want 1", ends)
	}
	s.Follow(`main a[href="/placements/` + id + `"]`)
	wantIn(t, "the status", s.Text("#placement-status"), "Ended")
	wantIn(t, "the contract", s.Text("#placement-contract"), "Ended", "6 January 2027")
	if s.Eval(`String(document.querySelector("a[href$='/end']") !== null)`) != "false" {
		t.Error("an ended placement still offers to end it")
	}
	s.Follow(`a.govuk-back-link`)
	wantIn(t, "the placement's row", s.Text("#placement-"+id), "Ended")
}
