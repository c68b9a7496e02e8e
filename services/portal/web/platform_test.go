package web_test

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// platYorkshireDps is a DPS of the yorkshire-humber lead's, opened, through
// gRPC; it returns the DPS's id.
func (s *stack) platYorkshireDps() string {
	s.t.Helper()
	lead := s.purchasing(auth.ConsortiumOrg("yorkshire-humber"), auth.ConsortiumLead)
	id := servicetest.Must(lead.CreateDps(s.Ctx, &purchasingv1.CreateDpsRequest{RequestId: "plat-yh-dps-000001", Terms: &purchasingv1.DpsTerms{
		Title: "Yorkshire Fostering DPS", Description: "Fostering for West Yorkshire councils.",
		Categories: []*purchasingv1.Category{{Id: "residential", Name: "Residential children's homes",
			SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME}}},
		SelectionCriteria: []*purchasingv1.SelectionCriterion{{Id: "safeguarding", Question: "Describe how you keep children safe."}},
		MemberCouncils:    []string{"380", "383"}, MinOfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, EndsOn: "2029-02-23",
	}})).OK(s.t).GetId()
	s.Clock.Advance(24 * time.Hour)
	servicetest.Must(lead.OpenDps(s.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "plat-yh-open-00001", DpsId: id})).OK(s.t)
	return id
}

// platSettle waits until framework's, purchasing's and monitoring's read
// models have applied everything written so far.
func (s *stack) platSettle() {
	s.t.Helper()
	pos := s.LastPosition()
	servicetest.Must(s.framework(auth.OrgPlatform, auth.PlatformAdmin).ListFrameworks(s.Ctx, &frameworkv1.ListFrameworksRequest{MinPosition: pos})).OK(s.t)
	servicetest.Must(s.purchasing(auth.OrgPlatform, auth.PlatformAdmin).ListDps(s.Ctx, &purchasingv1.ListDpsRequest{MinPosition: pos})).OK(s.t)
	servicetest.Must(s.monitoring(auth.OrgPlatform, auth.PlatformAdmin).GetDecisionLog(s.Ctx, &monitoringv1.GetDecisionLogRequest{Aggregate: "provider", Id: "nobody", MinPosition: pos})).OK(s.t)
}

// platReadOnly checks an auditor's page: the read-only notice at the top,
// nothing that posts, no button but a filter's, and axe-clean.
func (s *stack) platReadOnly() {
	s.t.Helper()
	if got := s.Text("#read-only"); !strings.Contains(got, "Read only") || !strings.Contains(got, "cannot change anything") {
		s.t.Errorf("%s: the read-only notice reads %q", s.Location(), got)
	}
	if first := s.Eval(`document.querySelector("main .govuk-notification-banner, main h1, main form").id`); first != "read-only" {
		s.t.Errorf("%s: the read-only notice is not at the top (first is %q)", s.Location(), first)
	}
	posts := s.Eval(`String(document.querySelectorAll('main form[method="post"]').length)`)
	buttons := s.Eval(`Array.from(document.querySelectorAll("main button, main .govuk-button")).map(b => b.textContent.trim()).join("|")`)
	for _, b := range strings.Split(buttons, "|") {
		if b != "" && b != "Filter decisions" && b != "Show its logs" {
			s.t.Errorf("%s: an auditor's page has the button %q", s.Location(), b)
		}
	}
	if posts != "0" {
		s.t.Errorf("%s: an auditor's page has %s forms that post", s.Location(), posts)
	}
	s.Axe()
}

// Ines Auditor reads the decision logs of a framework of north-west and a
// DPS of yorkshire-humber: from her home, through the list of every
// consortium's logs and by choosing a consortium; she filters one, downloads
// it as CSV, and every page says it is read only and has no action. A
// consortium that does not exist is not found; a council commissioner is
// refused the logs and the platform's health.
func TestAuditorReadsTheDecisionLogsOfEveryConsortium(t *testing.T) {
	s := newStack(t)
	fw := s.draftFramework("plat-draft-0000001", "North West Residential 2027", "352", "353")
	s.Clock.Advance(2 * 24 * time.Hour)
	servicetest.Must(s.framework(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead).AddMemberCouncil(s.Ctx, &frameworkv1.AddMemberCouncilRequest{
		RequestId: "plat-add-354-00001", FrameworkId: fw, LaCode: "354", Reason: "Rochdale joined at the December board"})).OK(t)
	dps := s.platYorkshireDps()
	s.registerProvider("pennine-pathways", "Pennine Pathways Ltd", "01234567", "2027-11-30")
	s.platSettle()

	s.signIn("Ines Auditor")
	s.Contains("What you can read", "Decision logs of consortium north-west", "Decision logs of consortium yorkshire-humber")
	s.platReadOnly()

	// Every consortium's logs, from the navigation.
	s.Follow(`nav a[href="/decisions"]`)
	s.Contains("Decision logs")
	wantIn(t, "the frameworks' logs", s.Text("#frameworks-logs"), "North West Residential 2027", "north-west", "Draft")
	wantIn(t, "the DPSs' logs", s.Text("#dps-logs"), "Yorkshire Fostering DPS", "yorkshire-humber", "Open")
	s.platReadOnly()

	// A provider's own record, from the list of every provider.
	s.Follow(`#provider-logs a[href="/decisions/providers/pennine-pathways"]`)
	s.Contains("Decision log: Provider record", "Pennine Pathways Ltd")
	s.platReadOnly()
	s.Follow(`a.govuk-back-link`)

	// North-west's framework: filtered, downloaded.
	s.Follow(`a[href="/decisions/frameworks/` + fw + `"]`)
	s.Contains("Decision log: Framework", "North West Residential 2027", "2 decisions.", "Rochdale joined at the December board")
	s.platReadOnly()
	s.Select("#decision", "MemberCouncilAdded")
	s.Follow(`#filter button[type="submit"]`)
	s.Contains("1 decision matches of 2.", "Clear filters")
	if rows := s.Text("#decisions"); strings.Contains(rows, "Framework drafted") {
		t.Errorf("the filter kept the drafting:\n%s", rows)
	}
	s.platReadOnly()
	res := s.fetch("/decisions/frameworks/" + fw + "?decision=MemberCouncilAdded&format=csv")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("the auditor's CSV answered %d, %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	records, err := csv.NewReader(res.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 2 || records[1][4] != "Member council added" || records[1][6] != "Rochdale joined at the December board" {
		t.Errorf("the auditor's CSV: %q", records)
	}

	// Yorkshire-humber, chosen: its DPS's log, filtered by date.
	s.Follow(`a.govuk-back-link`)
	s.Select("#consortium", "yorkshire-humber")
	s.Follow(`#choose-consortium button[type="submit"]`)
	s.Contains("Consortium yorkshire-humber", "Yorkshire Fostering DPS", "This consortium has no frameworks yet.")
	if strings.Contains(s.Text("main"), "North West Residential 2027") {
		t.Errorf("yorkshire-humber's logs show north-west's framework")
	}
	s.platReadOnly()
	// Its risk policy's log is the consortium's: the page keeps the choice.
	s.Follow(`a[href="/decisions/risk-policy?consortium=yorkshire-humber"]`)
	s.Contains("Decision log: Risk policy", "Risk policy of consortium yorkshire-humber")
	s.platReadOnly()
	s.Follow(`a.govuk-back-link`)
	s.Contains("Consortium yorkshire-humber")
	s.Follow(`a[href="/decisions/dps/` + dps + `"]`)
	s.Contains("Decision log: Dynamic purchasing system", "Yorkshire Fostering DPS", "2 decisions.", "DPS created", "DPS opened")
	s.platReadOnly()
	s.Enter("#from-day", "6")
	s.Enter("#from-month", "12")
	s.Enter("#from-year", "2026")
	s.Follow(`#filter button[type="submit"]`)
	s.Contains("1 decision matches of 2.")
	wantIn(t, "the filtered DPS log", s.Text("#decisions"), "DPS opened", "6 December 2026")
	s.platReadOnly()
	if res := s.fetch("/decisions/dps/" + dps + "?format=csv"); res.StatusCode != http.StatusOK {
		t.Errorf("the DPS's CSV answered %d", res.StatusCode)
	}

	// A consortium no service knows is not found.
	s.Visit("/decisions?consortium=nowhere-at-all")
	s.Contains("Page not found")
	// Nor is a consortium's log without the consortium.
	s.Visit("/decisions/risk-policy")
	s.Contains("Page not found")

	// The platform's health is the admin's.
	s.Visit("/platform/health")
	s.Contains("You cannot see this page")

	// A council commissioner reads neither.
	s.signIn("Chloe Byrne")
	for _, path := range []string{"/decisions", "/decisions/frameworks/" + fw, "/platform/health", "/platform/organisations"} {
		s.Visit(path)
		s.Contains("You cannot see this page")
		s.Axe()
	}
	if res := s.fetch("/decisions/dps/" + dps + "?format=csv"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a commissioner's CSV answered %d", res.StatusCode)
	}
}

// platHealthRow is a read model's position applied and the store's, from
// the health page's table of a service.
func (s *stack) platHealthRow(service string) (applied, store uint64) {
	s.t.Helper()
	cell := func(n int) uint64 {
		v, err := strconv.ParseUint(s.Text("#read-models-"+service+" tbody tr td:nth-of-type("+strconv.Itoa(n)+")"), 10, 64)
		if err != nil {
			s.t.Fatalf("the %s row: %v", service, err)
		}
		return v
	}
	return cell(1), cell(2)
}

// Pat Morgan, the platform admin, sees the five services' health from
// home; a command moves the positions; she lists the organisations and
// records an Ofsted judgement of a provider's setting (a field error
// first), which the provider's settings then show and which moves
// monitoring's position. A setting of another provider is not found.
func TestPlatformAdminSeesHealthAndRecordsAnOfstedJudgement(t *testing.T) {
	s := newStack(t)
	const urn = "SC200001"
	s.registerProvider("pennine-pathways", "Pennine Pathways Ltd", "01234567", "2027-11-30",
		childrensHome(urn, "Ardwick House", "M12", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	s.registerProvider("northern-lights-care", "Northern Lights Care Ltd", "07654321", "2027-11-30",
		childrensHome("SC300001", "Harbour View", "BD1", purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING))
	s.createDps("plat-nw-dps-000001", "North West Placements DPS", "352", "354")
	s.platYorkshireDps()
	// Monitoring has the settings before the judgement is recorded.
	s.platSettle()

	s.signIn("Pat Morgan")
	s.Contains("The platform", "Service health", "2 providers are registered; 2 consortia run")
	wantIn(t, "the health summary", s.Text("#health-summary"), "Framework: Serving", "Purchasing: Serving", "Demand: Serving", "Monitoring: Serving", "Notify: Serving")
	s.Axe()

	s.Follow(`nav a[href="/platform/health"]`)
	s.Contains("Service health", "Framework", "Purchasing", "Demand", "Monitoring", "Notify", "Following the store")
	for _, sv := range []string{"framework", "purchasing", "demand", "monitoring", "notify"} {
		wantIn(t, sv+"'s health", s.Text("#service-"+sv), "Serving")
	}
	s.Axe()
	fwBefore, storeBefore := s.platHealthRow("framework")
	moBefore, _ := s.platHealthRow("monitoring")

	// A command: the store and framework's read model move to its position.
	res := servicetest.Must(s.framework(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead).DraftFramework(s.Ctx, &frameworkv1.DraftFrameworkRequest{
		RequestId: "plat-health-draft-01", Terms: &frameworkv1.FrameworkTerms{Title: "North West Fostering 2027", Category: frameworkv1.Category_CATEGORY_RESIDENTIAL,
			Description: "Fostering.", Lots: []*frameworkv1.LotTerms{{LotId: "lot-1", Name: "Foster care",
				PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 90000, MaxWeeklyPence: 150000}, QualityThreshold: 60}},
			MemberCouncils: []string{"352"}, TermStart: "2027-04-01", TermEnd: "2030-03-31", QualityWeight: 70, PriceWeight: 30}})).OK(t)
	servicetest.Must(s.framework(auth.OrgPlatform, auth.PlatformAdmin).ListFrameworks(s.Ctx, &frameworkv1.ListFrameworksRequest{MinPosition: res.GetPosition()})).OK(t)
	s.Visit("/platform/health")
	fwAfter, storeAfter := s.platHealthRow("framework")
	if fwAfter <= fwBefore || fwAfter != res.GetPosition() || storeAfter <= storeBefore || storeAfter != res.GetPosition() {
		t.Errorf("after the command at %d: framework at %d (was %d), the store at %d (was %d)", res.GetPosition(), fwAfter, fwBefore, storeAfter, storeBefore)
	}
	wantIn(t, "framework's health", s.Text("#read-models-framework"), "0 events")

	// The organisations: providers and consortia with their councils.
	s.Follow(`nav a[href="/platform/organisations"]`)
	wantIn(t, "the providers", s.Text("#providers"), "Pennine Pathways Ltd", "Northern Lights Care Ltd")
	wantIn(t, "the consortia", s.Text("#consortia"), "north-west", "Manchester", "Rochdale", "yorkshire-humber", "Bradford", "Leeds")
	s.Axe()

	// An Ofsted judgement, entered by hand: a field error first.
	s.Follow(`a[href="/platform/organisations/providers/pennine-pathways"]`)
	s.Contains("Pennine Pathways Ltd", "Ardwick House", urn, "Good")
	s.Axe()
	s.Follow(`a[href="/platform/organisations/providers/pennine-pathways/settings/` + urn + `/ofsted"]`)
	s.Contains("Record an Ofsted judgement", "Ardwick House")
	s.Axe()
	s.Click("#grade-4")
	s.Enter("#inspection_date-day", "31")
	s.Enter("#inspection_date-month", "11")
	s.Enter("#inspection_date-year", "2026")
	s.Follow(`main form button[type="submit"]`)
	s.Contains("There is a problem", "The date of the inspection must be a real date", "Select the type of inspection")
	if got := s.Eval(`document.querySelector("#grade-4").checked ? "kept" : "lost"`); got != "kept" {
		t.Errorf("the judgement chosen was %s", got)
	}
	s.Axe()
	s.Visit("/platform/organisations/providers/pennine-pathways")
	s.Contains("Good")
	s.Follow(`a[href="/platform/organisations/providers/pennine-pathways/settings/` + urn + `/ofsted"]`)
	s.Click("#grade-4")
	s.Enter("#inspection_date-day", "20")
	s.Enter("#inspection_date-month", "11")
	s.Enter("#inspection_date-year", "2026")
	s.Click("#inspection_type")
	s.Follow(`main form button[type="submit"]`)
	s.Contains("Ofsted judgement recorded: Ardwick House is inadequate")
	wantIn(t, "the settings", s.Text("#settings"), "Ardwick House", "Inadequate", "20 November 2026")
	s.Axe()

	s.platSettle()
	s.Follow(`nav a[href="/platform/health"]`)
	if moAfter, _ := s.platHealthRow("monitoring"); moAfter <= moBefore {
		t.Errorf("monitoring is at %d after the judgement, was %d", moAfter, moBefore)
	}

	// Another provider's setting under this provider: not found.
	s.Visit("/platform/organisations/providers/pennine-pathways/settings/SC300001/ofsted")
	s.Contains("Page not found")
	// The platform admin reads no decision log: that is the auditor's.
	s.Visit("/decisions")
	s.Contains("You cannot see this page")
}
