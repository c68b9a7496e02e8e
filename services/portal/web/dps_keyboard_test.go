package web_test

import (
	"encoding/json"
	"testing"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
)

// tabTo presses Tab until the element matching sel has the focus, as a
// keyboard user moves through the page; it fails if the focus never gets
// there.
func (s *stack) tabTo(sel string) {
	s.t.Helper()
	quoted, _ := json.Marshal(sel)
	focused := `String(document.activeElement !== null && document.activeElement.matches(` + string(quoted) + `))`
	for range 200 {
		if s.Eval(focused) == "true" {
			return
		}
		s.Press("\t")
	}
	s.t.Fatalf("%s: Tab never reaches %s", s.Location(), sel)
}

// Issue 12: a DPS decision made with the keyboard alone — Tab, Space and
// Enter, no click: from the sign-in page through the service navigation,
// the DPS, its applications queue and the application, to the decision
// recorded.
func TestKeyboardOnlyDpsDecision(t *testing.T) {
	s := newStack(t)
	s.registerProvider(pennine, "Pennine Pathways Ltd", "08765432", "2027-11-30",
		childrensHome("SC200001", "Heaton Norris House", "SK1", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	lead := s.purchasing("consortium:north-west", "consortium_lead")
	terms := &purchasingv1.DpsTerms{Title: "Keyboard DPS", Categories: []*purchasingv1.Category{{Id: "residential", Name: "Residential children's homes",
		SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME}}},
		SelectionCriteria: []*purchasingv1.SelectionCriterion{{Id: "question-1", Question: safeguardingQuestion}},
		MemberCouncils:    []string{"352"}, MinOfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, EndsOn: "2029-02-23"}
	created, err := lead.CreateDps(s.Ctx, &purchasingv1.CreateDpsRequest{RequestId: "keyboard-dps-0001", Terms: terms})
	if err != nil {
		t.Fatal(err)
	}
	dpsID := created.GetId()
	if _, err := lead.OpenDps(s.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "keyboard-open-0001", DpsId: dpsID}); err != nil {
		t.Fatal(err)
	}
	s.settle(s.apply(dpsID, pennine, []string{pennineSafeguarding}, "residential"))

	s.Visit("/sign-in")
	s.tabTo(`form[action="/dev/sign-in"]:has(input[name="person"][value="0"]) button`)
	s.PressToLoad("\r")
	s.Contains("Decisions waiting")
	s.tabTo(`nav a[href="/dps"]`)
	s.PressToLoad("\r")
	s.Contains("Keyboard DPS", "1 application waiting")
	s.tabTo(`main a[href="/dps/` + dpsID + `/applications"]`)
	s.PressToLoad("\r")
	s.Contains("Waiting for a decision", "Pennine Pathways Ltd", "10 working days left")
	s.tabTo(`#applications-waiting a[href="/dps/` + dpsID + `/applications/` + pennine + `"]`)
	s.PressToLoad("\r")
	s.Contains(safeguardingQuestion, pennineSafeguarding, "Heaton Norris House")

	// Tab into the decision: Admit is the group's first radio; Space picks it.
	s.tabTo("#decision-residential")
	s.Press(" ")
	if s.Eval(`String(document.querySelector("#decision-residential").checked)`) != "true" {
		t.Fatal("Space on the Admit radio did not choose it")
	}
	s.tabTo("#reason-residential")
	s.Press("Meets the safeguarding criterion; insurance current; home rated Good")
	s.tabTo("#category-residential form button[type=submit]")
	s.PressToLoad("\r")
	s.Contains("Admitted to Residential children's homes: the decision is recorded with your reason")
	wantIn(t, "the decision", s.Text("#category-residential"), "Admitted", "Meets the safeguarding criterion; insurance current; home rated Good")
}
