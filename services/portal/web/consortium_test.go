package web_test

import (
	"strings"
	"testing"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// draftFramework drafts a framework of the north-west lead's with the given
// member councils, through gRPC; it returns the framework's id.
func (s *stack) draftFramework(requestID, title string, members ...string) string {
	s.t.Helper()
	lead := s.framework(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	return servicetest.Must(lead.DraftFramework(s.Ctx, &frameworkv1.DraftFrameworkRequest{RequestId: requestID, Terms: &frameworkv1.FrameworkTerms{
		Title: title, Category: frameworkv1.Category_CATEGORY_RESIDENTIAL, Description: "Children's homes.",
		Lots: []*frameworkv1.LotTerms{{LotId: "lot-1", Name: "Emotional and behavioural needs",
			PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 350000, MaxWeeklyPence: 650000}, QualityThreshold: 60}},
		MemberCouncils: members, TermStart: "2027-04-01", TermEnd: "2030-03-31", QualityWeight: 70, PriceWeight: 30,
	}})).OK(s.t).GetFrameworkId()
}

// createDps creates a DPS of the north-west lead's with the given member
// councils, through gRPC; it returns the DPS's id.
func (s *stack) createDps(requestID, title string, members ...string) string {
	s.t.Helper()
	lead := s.purchasing(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	return servicetest.Must(lead.CreateDps(s.Ctx, &purchasingv1.CreateDpsRequest{RequestId: requestID, Terms: &purchasingv1.DpsTerms{
		Title: title, Description: "Children's homes and fostering for Greater Manchester councils.",
		Categories: []*purchasingv1.Category{{Id: "residential", Name: "Residential children's homes",
			SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME}}},
		SelectionCriteria: []*purchasingv1.SelectionCriterion{{Id: "safeguarding", Question: "Describe how you keep children safe."}},
		MemberCouncils:    members, MinOfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, EndsOn: "2029-02-23",
	}})).OK(s.t).GetId()
}

// The lead reads the consortium's settings — member councils by name with
// the arrangements they belong to, the disclosure policy, the risk policy as
// a table — and changes both policies with a reason: a threshold below 3 is
// refused and corrected through the error summary, thresholds in the wrong
// order are named in words. A provider cannot reach these pages.
func TestLeadChangesConsortiumSettings(t *testing.T) {
	s := newStack(t)
	fw := s.draftFramework("draft-settings-0001", "North West Residential 2027", "352", "353")
	dps := s.createDps("dps-settings-00001", "North West Placements DPS", "352", "354")

	s.signIn("Amara Okafor")
	s.Follow(`a[href="/consortium"]`)
	s.Contains("Consortium settings", "3 councils are members")
	members := s.Text("#member-councils")
	for _, want := range []string{"Manchester", "352", "Oldham", "353", "Rochdale", "354",
		"Framework: North West Residential 2027", "DPS: North West Placements DPS"} {
		if !strings.Contains(members, want) {
			t.Errorf("member councils do not show %q:\n%s", want, members)
		}
	}
	if row := s.Text(`#member-councils tbody tr:first-child`); !strings.Contains(row, "Manchester") || !strings.Contains(row, "Framework: North West Residential 2027") ||
		!strings.Contains(row, "DPS: North West Placements DPS") {
		t.Errorf("Manchester (352) is a member of both, its row shows:\n%s", row)
	}
	s.Text(`#member-councils a[href="/frameworks/` + fw + `"]`)
	s.Text(`#member-councils a[href="/dps/` + dps + `"]`)
	disclosure := s.Text("#disclosure-policy")
	for _, want := range []string{"5: cells counting fewer children are suppressed", "at least 3 providers", "Never: these are the platform's defaults"} {
		if !strings.Contains(disclosure, want) {
			t.Errorf("the disclosure policy does not show %q:\n%s", want, disclosure)
		}
	}
	risk := s.Text("#risk-policy")
	for _, want := range []string{"Yes: a provider at red is suspended", "Never: these are the platform's defaults"} {
		if !strings.Contains(risk, want) {
			t.Errorf("the risk policy does not show %q:\n%s", want, risk)
		}
	}
	if row := s.Text(`#risk-indicators tbody tr:nth-child(5)`); !strings.Contains(row, "Staff turnover") || !strings.Contains(row, "30\t50\t12 months") {
		t.Errorf("staff turnover's thresholds row: %q", row)
	}
	if row := s.Text(`#risk-indicators tbody tr:first-child`); !strings.Contains(row, "Ofsted grade") || !strings.Contains(row, "3\t4\tLatest") {
		t.Errorf("Ofsted grade's thresholds row: %q", row)
	}

	// The disclosure policy: a threshold below 3 is refused, the error
	// summary's link leads to the field, corrected it is saved.
	s.Follow(`#disclosure-policy a[href="/consortium/disclosure-policy"]`)
	s.Contains("Change the disclosure policy")
	s.Enter("#threshold", "2")
	s.Enter("#reason", "Several member councils look after few children in secure homes")
	s.Follow(`form[action="/consortium/disclosure-policy"] button[type="submit"]`)
	s.Contains("There is a problem", "Enter a suppression threshold between 3 and 50")
	if got := s.Location(); got != "/consortium/disclosure-policy" {
		t.Errorf("a refused change left the form for %s", got)
	}
	if msg := s.Text("#threshold-error"); !strings.Contains(msg, "Enter a suppression threshold between 3 and 50") {
		t.Errorf("the field's own error: %q", msg)
	}
	s.Click(`.govuk-error-summary a[href="#threshold"]`)

	if got := s.Eval(`document.activeElement ? document.activeElement.id : ""`); got != "threshold" {
		t.Errorf("the error summary's link focused %q, want the threshold", got)
	}
	s.Enter("#threshold", "10")
	s.Follow(`form[action="/consortium/disclosure-policy"] button[type="submit"]`)
	if got := s.Location(); !strings.HasPrefix(got, "/consortium?at=") {
		t.Errorf("after saving the lead is at %s", got)
	}
	s.Contains("Disclosure policy saved")
	disclosure = s.Text("#disclosure-policy")
	for _, want := range []string{"10: cells counting fewer children are suppressed", "3 December 2026 at 9:00am by demo:consortium_lead@consortium:north-west",
		"Several member councils look after few children in secure homes"} {
		if !strings.Contains(disclosure, want) {
			t.Errorf("the saved disclosure policy does not show %q:\n%s", want, disclosure)
		}
	}
	// The services apply it: a member council reads the same.
	got := servicetest.Must(s.demand(auth.CouncilOrg("352"), auth.CouncilViewer).GetDisclosurePolicy(s.Ctx,
		&demandv1.GetDisclosurePolicyRequest{Consortium: "north-west", MinPosition: s.LastPosition()})).OK(t)
	if got.GetThreshold() != 10 || got.GetReason() != "Several member councils look after few children in secure homes" {
		t.Errorf("demand holds %v", got)
	}

	// The risk policy: thresholds in the wrong order are refused in words,
	// then staff turnover's thresholds and suspend-on-red are changed.
	s.Follow(`#risk-policy a[href="/consortium/risk-policy"]`)
	s.Contains("Change the risk policy", "Staff turnover")
	s.Enter("#indicators-4-amber", "25")
	s.Enter("#indicators-4-red", "20")
	s.Click("#suspend_on_red-2")

	s.Enter("#reason", "The board wants councils told first, and turnover watched earlier")
	s.Follow(`form[action="/consortium/risk-policy"] button[type="submit"]`)
	s.Contains("There is a problem", "Staff turnover warns when high: red (20) must be at or above amber (25)")
	if main := s.Text("main"); strings.Contains(main, "INDICATOR_") {
		t.Errorf("the refusal shows an enum name:\n%s", main)
	}
	s.Enter("#indicators-4-red", "45")
	s.Follow(`form[action="/consortium/risk-policy"] button[type="submit"]`)
	s.Contains("Risk policy saved")
	risk = s.Text("#risk-policy")
	for _, want := range []string{"No: a provider at red is only reported", "3 December 2026 at 9:00am by demo:consortium_lead@consortium:north-west"} {
		if !strings.Contains(risk, want) {
			t.Errorf("the saved risk policy does not show %q:\n%s", want, risk)
		}
	}
	if row := s.Text(`#risk-indicators tbody tr:nth-child(5)`); !strings.Contains(row, "Staff turnover") || !strings.Contains(row, "25\t45\t12 months") {
		t.Errorf("staff turnover's new thresholds row: %q", row)
	}
	// The change is in the risk policy's decision log.
	s.Follow(`#risk-policy a[href="/decisions/risk-policy"]`)
	s.Contains("Risk policy of consortium north-west", "Risk policy set", "suspend on red false", "demo:consortium_lead@consortium:north-west")

	// A provider reaches none of it.
	s.signIn("Priya Shah")
	for _, path := range []string{"/consortium", "/consortium/disclosure-policy", "/consortium/risk-policy"} {
		s.Visit(path)
		s.Contains("You cannot see this page")
	}
}
