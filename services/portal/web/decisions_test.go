package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// fetch GETs a portal path with the browser's cookies (the session's is
// HttpOnly: no script could read it), as the browser would download it.
func (s *stack) fetch(path string) *http.Response {
	s.t.Helper()
	req, err := http.NewRequestWithContext(s.Ctx, http.MethodGet, s.Base+path, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, c := range s.Cookies() {
		req.AddCookie(c)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { res.Body.Close() })
	return res
}

// The lead opens a framework's decision log from the list of logs, filters
// it by decision and date (a GET form), and downloads what the filter keeps
// as CSV, one row per decision. Another consortium's lead is told the log
// does not exist; a provider cannot reach the lead's pages.
func TestLeadFiltersAndDownloadsADecisionLog(t *testing.T) {
	s := newStack(t)
	lead := s.framework(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	// Four decisions on four days: drafted on 3 December, Rochdale added on
	// the 5th, Salford on the 8th, opened for bids on the 9th.
	fw := s.draftFramework("draft-log-00000001", "North West Residential 2027", "352", "353")
	for _, step := range []struct {
		days   int
		la, id string
		reason string
	}{{2, "354", "add-354-000001", "Rochdale joined at the December board"}, {3, "355", "add-355-000001", "Salford joined after its cabinet decision"}} {
		s.Clock.Advance(time.Duration(step.days) * 24 * time.Hour)
		servicetest.Must(lead.AddMemberCouncil(s.Ctx, &frameworkv1.AddMemberCouncilRequest{RequestId: step.id, FrameworkId: fw, LaCode: step.la, Reason: step.reason})).OK(t)
	}
	s.Clock.Advance(24 * time.Hour)
	servicetest.Must(lead.OpenForBids(s.Ctx, &frameworkv1.OpenForBidsRequest{RequestId: "open-log-00000001", FrameworkId: fw,
		BidsCloseAt: timestamppb.New(s.Clock.Now().Add(14 * 24 * time.Hour))})).OK(t)

	s.signIn("Amara Okafor")
	s.Follow(`a[href="/decisions"]`)
	s.Contains("Decision logs", "North West Residential 2027", "Open for bids", "Risk policy", "No provider works with your consortium yet.")
	s.Follow(`a[href="/decisions/frameworks/` + fw + `"]`)
	s.Contains("Decision log: Framework", "North West Residential 2027", "4 decisions.")
	rows := s.Text("#decisions")
	for _, want := range []string{"Framework drafted", "Member council added", "Framework opened for bids", "Rochdale joined at the December board",
		"Salford joined after its cabinet decision", "3 December 2026 at 9:00am", "8 December 2026 at 9:00am", "test:consortium_lead@consortium:north-west",
		"Consortium lead, Consortium north-west"} {
		if !strings.Contains(rows, want) {
			t.Errorf("the log does not show %q:\n%s", want, rows)
		}
	}

	// A date that does not exist is named, and filters nothing.
	s.Enter("#from-day", "31")
	s.Enter("#from-month", "11")
	s.Enter("#from-year", "2026")
	s.Follow(`#filter button[type="submit"]`)
	s.Contains("There is a problem", "The date from must be a real date", "4 decisions.")

	// Member councils added from 6 December to 9 December: Salford alone.
	s.Select("#decision", "MemberCouncilAdded")
	s.Enter("#from-day", "6")
	s.Enter("#from-month", "12")
	s.Enter("#from-year", "2026")
	s.Enter("#to-day", "9")
	s.Enter("#to-month", "12")
	s.Enter("#to-year", "2026")
	s.Follow(`#filter button[type="submit"]`)
	s.Contains("1 decision matches of 4.", "Salford joined after its cabinet decision", "Clear filters")
	if rows := s.Text("#decisions"); strings.Contains(rows, "Rochdale") || strings.Contains(rows, "Framework drafted") || strings.Contains(rows, "opened for bids") {
		t.Errorf("the filter kept more than Salford's addition:\n%s", rows)
	}
	filtered := s.Location()
	want := url.Values{"decision": {"MemberCouncilAdded"}, "from-day": {"6"}, "from-month": {"12"}, "from-year": {"2026"},
		"to-day": {"9"}, "to-month": {"12"}, "to-year": {"2026"}}
	if got, _ := url.ParseQuery(strings.TrimPrefix(filtered, "/decisions/frameworks/"+fw+"?")); got.Encode() != want.Encode() {
		t.Errorf("the filter is not in the address: %s", filtered)
	}
	want.Set("format", "csv")
	csvPath := "/decisions/frameworks/" + fw + "?" + want.Encode()
	if link := s.Text(`a[href="` + csvPath + `"]`); link != "Download these decisions as CSV" {
		t.Errorf("the CSV link reads %q", link)
	}

	// The CSV of the filtered log: one row, the decision in full.
	res := s.fetch(csvPath)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		res.Header.Get("Content-Disposition") != `attachment; filename="decision-log-`+fw+`.csv"` {
		t.Fatalf("CSV answered %d, %q, %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	records, err := csv.NewReader(res.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := strings.Join(records[0], ",")
	if header != "When,Who,Role,Organisation,Decision,Summary,Reason,Lot,Provider,Event ID,Correlation ID,Causation ID,Request ID" {
		t.Errorf("CSV header: %s", header)
	}
	if len(records) != 2 {
		t.Fatalf("CSV holds %d decisions, want 1: %q", len(records)-1, records)
	}
	row := records[1]
	if row[0] != "2026-12-08T09:00:00Z" || row[1] != "test:consortium_lead@consortium:north-west" || row[2] != auth.ConsortiumLead ||
		row[3] != "consortium:north-west" || row[4] != "Member council added" || row[5] == "" || row[6] != "Salford joined after its cabinet decision" ||
		row[9] == "" || row[12] != "add-355-000001" {
		t.Errorf("CSV row: %q", row)
	}

	// Unfiltered, the CSV holds every decision, oldest first.
	res = s.fetch("/decisions/frameworks/" + fw + "?format=csv")
	records, err = csv.NewReader(res.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var decisions []string
	for _, r := range records[1:] {
		decisions = append(decisions, r[4])
	}
	if got := strings.Join(decisions, "; "); got != "Framework drafted; Member council added; Member council added; Framework opened for bids" {
		t.Errorf("the whole log as CSV: %s", got)
	}

	// Another consortium's lead: the log does not exist, page or CSV.
	s.signIn("Ben Hartley")
	s.Visit("/decisions/frameworks/" + fw)
	s.Contains("Page not found")
	if res := s.fetch("/decisions/frameworks/" + fw + "?format=csv"); res.StatusCode != http.StatusNotFound {
		t.Errorf("another lead's CSV answered %d", res.StatusCode)
	}
	s.Visit("/decisions")
	if main := s.Text("main"); strings.Contains(main, "North West Residential 2027") {
		t.Errorf("another lead's list of logs shows north-west's framework:\n%s", main)
	}

	// A provider: refused.
	s.signIn("Priya Shah")
	for _, path := range []string{"/decisions", "/decisions/frameworks/" + fw, "/decisions/risk-policy"} {
		s.Visit(path)
		s.Contains("You cannot see this page")
	}
	if res := s.fetch("/decisions/frameworks/" + fw + "?format=csv"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a provider's CSV answered %d", res.StatusCode)
	}
}

// The lead opens the logs of a provider the consortium works with: the
// setting's (the Ofsted judgement recorded) and the provider's risk levels
// (the change to red the judgement caused), from the list of logs.
func TestLeadOpensAProvidersLogs(t *testing.T) {
	s := newStack(t)
	nw := auth.ConsortiumOrg("north-west")
	dps := s.createDps("dps-provider-log-01", "North West Placements DPS", "352", "354")
	servicetest.Must(s.purchasing(nw, auth.ConsortiumLead).OpenDps(s.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "open-dps-log-0001", DpsId: dps})).OK(t)
	const provider, urn = "pennine-pathways", "SC200001"
	adm := s.purchasing(auth.ProviderOrg(provider), auth.ProviderAdmin)
	servicetest.Must(adm.RegisterProvider(s.Ctx, &purchasingv1.RegisterProviderRequest{RequestId: "register-pennine-01", ProviderId: provider,
		Profile: &purchasingv1.ProviderProfile{LegalName: "Pennine Pathways Ltd", HeadOfficeOutcode: "M1",
			Contacts:     []*purchasingv1.Contact{{Name: "Referrals team", Role: "referrals", Email: "referrals@pennine.example.org", Phone: "0161 496 0000"}},
			Registration: &purchasingv1.ProviderProfile_CompaniesHouseNumber{CompaniesHouseNumber: "01234567"}}})).OK(t)
	for i, kind := range []purchasingv1.AccreditationKind{purchasingv1.AccreditationKind_ACCREDITATION_KIND_PUBLIC_LIABILITY_INSURANCE,
		purchasingv1.AccreditationKind_ACCREDITATION_KIND_SAFEGUARDING_POLICY} {
		servicetest.Must(adm.RecordAccreditation(s.Ctx, &purchasingv1.RecordAccreditationRequest{RequestId: "accredit-pennine-" + strconv.Itoa(i), ProviderId: provider,
			Accreditation: &purchasingv1.Accreditation{Kind: kind, Reference: "REF-1", ExpiresOn: "2027-11-30"}})).OK(t)
	}
	servicetest.Must(adm.AddSetting(s.Ctx, &purchasingv1.AddSettingRequest{RequestId: "add-setting-pennine-1", ProviderId: provider, Setting: &purchasingv1.Setting{
		Urn: urn, Name: "Ardwick House", Type: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, RegisteredPlaces: 4, Outcode: "M12",
		Specialisms: []string{"emotional_behavioural"}, OfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, OfstedDate: "2026-03-10"}})).OK(t)
	servicetest.Must(adm.ApplyToDps(s.Ctx, &purchasingv1.ApplyToDpsRequest{RequestId: "apply-pennine-0001", DpsId: dps, ProviderId: provider,
		CategoryIds: []string{"residential"}, Answers: []*purchasingv1.CriterionAnswer{{CriterionId: "safeguarding", Answer: "Trained staff and a missing-from-care protocol."}}})).OK(t)
	servicetest.Must(s.purchasing(nw, auth.ConsortiumLead).AdmitProvider(s.Ctx, &purchasingv1.DecideApplicationRequest{RequestId: "admit-pennine-0001", DpsId: dps,
		ProviderId: provider, CategoryId: "residential", Reason: "Meets every selection criterion"})).OK(t)

	// Monitoring has everything so far; the lead watches for the alert the
	// judgement will raise, so the page is read once the change is recorded.
	leadMonitoring := s.monitoring(nw, auth.ConsortiumLead)
	servicetest.Must(leadMonitoring.GetRiskPolicy(s.Ctx, &monitoringv1.GetRiskPolicyRequest{Consortium: "north-west", MinPosition: s.LastPosition()})).OK(t)
	watch, err := leadMonitoring.WatchAlerts(s.Ctx, &monitoringv1.WatchAlertsRequest{Consortium: "north-west", AfterPosition: s.LastPosition()})
	if err != nil {
		t.Fatal(err)
	}
	servicetest.Must(s.monitoring(auth.OrgPlatform, auth.PlatformAdmin).RecordOfstedJudgement(s.Ctx, &monitoringv1.RecordOfstedJudgementRequest{
		RequestId: "ofsted-sc200001-01", Urn: urn, Grade: purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE, InspectionDate: "2026-11-20", InspectionType: "full"})).OK(t)
	if _, err := watch.Recv(); err != nil {
		t.Fatalf("waiting for the alert: %v", err)
	}

	s.signIn("Amara Okafor")
	s.Visit("/decisions")
	providers := s.Text("#provider-logs")
	for _, want := range []string{"Pennine Pathways Ltd", "Red", "Provider record", "Risk levels", "Setting " + urn} {
		if !strings.Contains(providers, want) {
			t.Errorf("the providers' logs do not show %q:\n%s", want, providers)
		}
	}
	s.Follow(`a[href="/decisions/settings/` + urn + `"]`)
	s.Contains("Decision log: Setting", "Setting "+urn, "Ofsted judgement recorded", "2026-11-20", "test:platform_admin@platform")
	s.Visit("/decisions")
	s.Follow(`a[href="/decisions/providers/` + provider + `/risk"]`)
	s.Contains("Decision log: Risk levels", "Pennine Pathways Ltd", "Risk level changed", "from green to red")
	s.Visit("/decisions")
	s.Follow(`a[href="/decisions/providers/` + provider + `"]`)
	s.Contains("Decision log: Provider record", "Pennine Pathways Ltd", "No decisions are recorded yet.")
}
