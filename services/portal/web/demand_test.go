package web_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// demSetup is the consortium the demand tests read: the north-west DPS with
// Bolton (350), Manchester (352) and Rochdale (354) as members (Oldham, 353,
// is not; Manchester is also in the Yorkshire and Humber DPS), a disclosure threshold of 4 set by the lead, two years of needs
// returns from each member's analyst (with the year's transitions, for the
// forecast), one home with free places admitted to the DPS, and one child
// of Manchester's waiting. It returns the last position written.
func (s *stack) demSetup() uint64 {
	s.t.Helper()
	lead := s.purchasing(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	dps := s.createDps("dem-dps-000001", "North West Placements DPS", "350", "352", "354")
	servicetest.Must(lead.OpenDps(s.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "dem-dps-open-01", DpsId: dps})).OK(s.t)
	servicetest.Must(s.demand(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead).SetDisclosurePolicy(s.Ctx, &demandv1.SetDisclosurePolicyRequest{
		RequestId: "dem-policy-0001", Threshold: 4, MinPriceProviders: 3, Reason: "Agreed by the member councils' information governance leads"})).OK(s.t)

	// Manchester is also a member of the Yorkshire and Humber consortium's DPS.
	servicetest.Must(s.purchasing(auth.ConsortiumOrg("yorkshire-humber"), auth.ConsortiumLead).CreateDps(s.Ctx, &purchasingv1.CreateDpsRequest{
		RequestId: "dem-dps-000003", Terms: &purchasingv1.DpsTerms{Title: "Yorkshire and Humber Placements DPS",
			Categories:        []*purchasingv1.Category{{Id: "residential", Name: "Residential children's homes", SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME}}},
			SelectionCriteria: []*purchasingv1.SelectionCriterion{{Id: "safeguarding", Question: "Describe how you keep children safe."}},
			MemberCouncils:    []string{"352", "383"}, MinOfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, EndsOn: "2029-02-23"}})).OK(s.t)

	// Supply: Pennine Pathways' home in Stockport, admitted, two free places.
	s.registerProvider(pennine, "Pennine Pathways Ltd", "08765432", "2027-11-30",
		childrensHome("SC200001", "Heaton Norris House", "SK1", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderAdmin).ApplyToDps(s.Ctx, &purchasingv1.ApplyToDpsRequest{
		RequestId: "dem-apply-pennine", DpsId: dps, ProviderId: pennine, CategoryIds: []string{"residential"},
		Answers: []*purchasingv1.CriterionAnswer{{CriterionId: "safeguarding", Answer: pennineSafeguarding}}})).OK(s.t)
	servicetest.Must(lead.AdmitProvider(s.Ctx, &purchasingv1.DecideApplicationRequest{RequestId: "dem-admit-pennine", DpsId: dps, ProviderId: pennine,
		CategoryId: "residential", Reason: "Meets every selection criterion"})).OK(s.t)
	servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderResponder).PublishVacancy(s.Ctx, &purchasingv1.PublishVacancyRequest{
		RequestId: "dem-vacancy-0001", ProviderId: pennine, Urn: "SC200001", FreePlaces: 2, AvailableFrom: "2026-12-07"})).OK(s.t)
	// Demand: one child of Manchester's waiting for a children's home.
	servicetest.Must(s.purchasing(auth.CouncilOrg("352"), auth.CouncilCommissioner).CreateReferral(s.Ctx, &purchasingv1.CreateReferralRequest{
		RequestId: "dem-referral-0001", DpsId: dps, Need: &purchasingv1.Need{
			CategoryId: "residential", AgeYears: 14, Sex: purchasingv1.Sex_SEX_FEMALE, NeededBy: purchasingv1.NeededBy_NEEDED_BY_MORE_THAN_5_DAYS,
			Needs: []string{"emotional_behavioural"}, HomeOutcode: "M14", MaxDistanceMiles: 25, StartBy: "2026-12-21", WeeklyBudgetPence: 600000, ExpectedDurationWeeks: 26,
			LivingCompanions: purchasingv1.LivingCompanions_LIVING_COMPANIONS_WITH_OTHER_CHILDREN, Pets: purchasingv1.Pets_PETS_CAN,
			FosterCare: purchasingv1.Suitability_SUITABILITY_SUITABLE_NOT_PREFERRED, ResidentialCare: purchasingv1.Suitability_SUITABILITY_PREFERRED,
			Risks: &purchasingv1.Risks{}}})).OK(s.t)

	// Needs returns: each member's analyst, as at 31 March 2025 and 2026.
	// Only Bolton has a child in a secure children's home: the pooled cell
	// counts 1, under the threshold, so it is withheld.
	for i, la := range []string{"350", "352", "354"} {
		for y, asAt := range []string{"2025-03-31", "2026-03-31"} {
			s.demSubmit(la, asAt, uint32(20+10*i+4*y), la == "350")
		}
	}
	return s.LastPosition()
}

// demSubmit is council la's needs return as at asAt: base children in
// fostering and fewer elsewhere, with the year's flows.
func (s *stack) demSubmit(la, asAt string, base uint32, secure bool) {
	s.t.Helper()
	cells := []*demandv1.NeedsCell{
		{PlacementGroup: "fostering", AgeBand: "10-15", Need: "N1", LegalStatus: "C2", Area: "inside", DistanceBand: "0-5", Count: base},
		{PlacementGroup: "fostering", AgeBand: "5-9", Need: "N1", LegalStatus: "C2", Area: "outside", DistanceBand: "20-50", Count: base / 2},
		{PlacementGroup: "residential", AgeBand: "10-15", Need: "N4", LegalStatus: "C2", Area: "outside", DistanceBand: "50+", Count: base / 4},
		{PlacementGroup: "supported-16-plus", AgeBand: "16+", Need: "N1", LegalStatus: "V2", Area: "inside", DistanceBand: "5-10", Count: base / 5},
	}
	if secure {
		cells = append(cells, &demandv1.NeedsCell{PlacementGroup: "secure", AgeBand: "10-15", Need: "N1", LegalStatus: "J2", Area: "outside", DistanceBand: "50+", Count: 1})
	}
	stock := map[string]uint32{}
	for _, c := range cells {
		stock[c.GetPlacementGroup()] += c.GetCount()
	}
	from := map[string]string{"2025-03-31": "2024-03-31", "2026-03-31": "2025-03-31"}[asAt]
	tr := &demandv1.Transitions{From: from, Entries: map[string]uint32{}, Exits: map[string]uint32{}, Stayed: map[string]uint32{}}
	for g, n := range stock {
		exits := n * 30 / 100
		tr.Entries[g], tr.Exits[g], tr.Stayed[g] = n*32/100, exits, n-exits
	}
	servicetest.Must(s.demand(auth.CouncilOrg(la), auth.CouncilAnalyst).SubmitNeedsReturn(s.Ctx, &demandv1.SubmitNeedsReturnRequest{
		RequestId: "dem-return-" + la + "-" + asAt, AsAt: asAt, Council: la, Cells: cells, Transitions: tr, Source: "ssda903-import"})).OK(s.t)
}

// demSettle waits until purchasing and demand have applied pos, so the
// pages read what the setup wrote.
func (s *stack) demSettle(pos uint64) {
	s.t.Helper()
	s.settle(pos)
	servicetest.Must(s.demand(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead).GetDisclosurePolicy(s.Ctx,
		&demandv1.GetDisclosurePolicyRequest{MinPosition: pos})).OK(s.t)
}

// demFetch downloads a link of the page with the browser's cookie, as the
// signed-in person, and returns the answer and its body.
func (s *stack) demFetch(t *testing.T, href string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.portal.URL+href, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range s.Cookies() {
		req.AddCookie(c)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

func (s *stack) demHref(sel string) string {
	s.t.Helper()
	return s.Eval(`document.querySelector(` + "`" + sel + "`" + `).getAttribute("href")`)
}

// Issue 13, demand: Manchester's analyst opens Demand from the navigation
// and sees the council's own figures beside the consortium's pooled ones as
// a chart with its table, a withheld cell as [c] with the note saying why;
// groups by two dimensions; downloads a table as CSV and as XLSX; reads the
// figures over time, sufficiency, prices, out of area, the forecast fan and
// the market position statement. The commissioner and the viewer read them
// too. Every page is checked with axe as it loads.
func TestDemandDashboardsForAMemberCouncil(t *testing.T) {
	s := newStack(t)
	at := s.demSetup()
	s.demSettle(at)

	s.signIn("Dev Patel")
	s.Follow(`nav a[href="/demand"]`)
	s.Contains("Children looked after", "Consortium north-west", "as at 31 March 2026, from the needs returns of 3 member councils",
		"Your council (Manchester)", "The consortium pooled")
	wantIn(t, "the chart's text alternative", s.Eval(`document.querySelector("#dem-by img").alt`),
		"Bar chart of children looked after by placement: your council beside the consortium pooled", "The figures are in the table below.")
	wantIn(t, "the chart", s.Eval(`document.querySelector("#dem-by img").getAttribute("src").slice(0, 26)`), "data:image/svg+xml;base64")
	// Manchester: 51 fostering (34 + 17); the consortium: secure withheld.
	wantIn(t, "fostering", s.rowText("#demand", 1), "Fostering", "51")
	wantIn(t, "secure", s.Text("#demand"), "Secure children's homes")
	wantIn(t, "the table", s.Text("#demand"), "[c]")
	wantIn(t, "the note", s.Text("#dem-note-c"), "[c]", "withheld under the consortium's disclosure control", "fewer than 4 children")

	// Two dimensions, chosen with the GET form.
	s.Select("#and", "age_band")
	s.Follow("#dem-choose button")
	wantIn(t, "address", s.Location(), "by=placement_group", "and=age_band")
	s.Contains("The consortium pooled: children looked after by placement and age", "Your council (Manchester): children looked after by placement and age")
	wantIn(t, "own table", s.rowText("#demand-own", 1), "Fostering", "17", "34", "51")

	// Manchester is in a second consortium, chosen with the same form:
	// there its return is the only one.
	s.Select("#consortium", "yorkshire-humber")
	s.Follow("#dem-choose button")
	s.Contains("Consortium yorkshire-humber", "from the needs returns of 1 member council.")
	s.Select("#consortium", "north-west")
	s.Follow("#dem-choose button")
	s.Contains("Consortium north-west", "The consortium pooled: children looked after by placement and age")

	// Downloads, as the signed-in analyst.
	res, body := s.demFetch(t, s.demHref("#demand-pooled + p a"))
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		res.Header.Get("Content-Disposition") != `attachment; filename="north-west-demand-pooled.csv"` {
		t.Fatalf("CSV: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	wantIn(t, "the CSV", string(body), "Placement,5 to 9,10 to 15,16 and over,Total\n", "Fostering,", "[c]")
	res, body = s.demFetch(t, s.demHref("#demand-pooled + p a:nth-of-type(2)"))
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		res.Header.Get("Content-Disposition") != `attachment; filename="north-west-demand-pooled.xlsx"` {
		t.Fatalf("XLSX: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	book, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := book.GetRows("Table")
	if err != nil {
		t.Fatal(err)
	}
	sheet := ""
	for _, r := range rows {
		sheet += strings.Join(r, "|") + "\n"
	}
	wantIn(t, "the workbook", sheet, "The consortium pooled: children looked after by placement and age", "Placement|5 to 9|10 to 15|16 and over|Total",
		"[c]", "fewer than 4 children")

	// Over time.
	s.Follow(`main nav a[href="/demand/trend?consortium=north-west"]`)
	s.Contains("Children looked after over time")
	wantIn(t, "the trend", s.Text("#trend-pooled"), "31 March 2025", "31 March 2026")
	// A date of the trend opens its figures, kept when regrouping.
	s.Follow(`#trend-own a[href*="as_at=2025-03-31"]`)
	s.Contains("Figures as at 31 March 2025", "from the needs returns of 3 member councils")
	wantIn(t, "Manchester's 2025 fostering", s.rowText("#demand", 1), "Fostering", "45")
	s.Select("#and", "area")
	s.Follow("#dem-choose button")
	s.Contains("Figures as at 31 March 2025", "children looked after by placement and where placed, as at 31 March 2025")
	s.Follow(`main nav a[href="/demand/trend?consortium=north-west"]`)
	// With three councils every pooled figure here is withheld: no chart
	// of them, said so; Manchester's own are drawn.
	wantIn(t, "the pooled trend", s.Text("#dem-trend-pooled"), "There is no chart: every figure here is withheld or nought.")
	wantIn(t, "the chart", s.Eval(`document.querySelector("#dem-trend-own img").alt`), "Line chart of children looked after by placement over time, your council")

	// Sufficiency: one child waiting is withheld; two free places.
	s.Follow(`main nav a[href="/demand/sufficiency?consortium=north-west"]`)
	s.Contains("Sufficiency: children waiting and free places", "Residential children's homes")
	wantIn(t, "sufficiency", s.Text("#sufficiency"), "[c]", "2")

	// Prices: nothing awarded yet, said so.
	s.Follow(`main nav a[href="/demand/prices?consortium=north-west"]`)
	s.Contains("Weekly fees", "No placement has been awarded through the consortium's dynamic purchasing system yet, so there are no fees to compare.")

	// Out of area.
	s.Follow(`main nav a[href="/demand/out-of-area?consortium=north-west"]`)
	s.Contains("Placed out of area", "Children by where placed", "Children by distance from home")
	wantIn(t, "out of area", s.Text("#out-of-area-distance-band"), "50 miles or more")

	// The forecast fan.
	s.Follow(`main nav a[href="/demand/forecast?consortium=north-west"]`)
	s.Contains("Forecast", "Fostering: children looked after and the forecast")
	wantIn(t, "the fan", s.Eval(`document.querySelector("#dem-forecast img").alt`), "Fan chart of children looked after in fostering")
	wantIn(t, "the forecast", s.Text("#forecast"), "Low", "Central", "High", "31 March 2026")

	// The market position statement.
	s.Follow(`main nav a[href="/demand/statement?consortium=north-west"]`)
	s.Contains("Market position statement", "This statement sets out what the 3 member councils of the north-west consortium need")
	res, body = s.demFetch(t, s.demHref(`main a[href*="format=html"]`))
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		res.Header.Get("Content-Disposition") != `attachment; filename="north-west-market-position-statement.html"` {
		t.Fatalf("statement: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	wantIn(t, "the statement", string(body), "Market position statement: north-west consortium")

	// The commissioner reads the same dashboards from the navigation.
	s.signIn("Chloe Byrne")
	s.Follow(`nav a[href="/demand"]`)
	s.Contains("Your council (Manchester)", "The consortium pooled")
	s.Follow(`main nav a[href="/demand/forecast?consortium=north-west"]`)
	s.Select("#placement", "residential")
	s.Follow("#dem-choose button")
	s.Contains("Children's homes: children looked after and the forecast")

	// So does the viewer.
	s.signIn("Dana Reed")
	s.Follow(`nav a[href="/demand"]`)
	s.Contains("Your council (Manchester)", "The consortium pooled")
}

// A council outside the consortium reads nothing of its figures: Oldham's
// commissioner finds no consortium on Demand, and the north-west's pages
// and downloads by address are not found. A provider cannot open Demand.
func TestDemandIsForMemberCouncilsOnly(t *testing.T) {
	s := newStack(t)
	lead := s.purchasing(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	dps := s.createDps("dem-dps-000002", "North West Placements DPS", "350", "352")
	servicetest.Must(lead.OpenDps(s.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "dem-dps-open-02", DpsId: dps})).OK(s.t)
	s.demSubmit("352", "2026-03-31", 30, false)
	s.demSettle(s.LastPosition())

	s.signIn("Erin Walsh")
	s.Follow(`nav a[href="/demand"]`)
	s.Contains("Children looked after", "Your council is not a member of any consortium's dynamic purchasing system yet")
	for _, path := range []string{"/demand?consortium=north-west", "/demand/forecast?consortium=north-west", "/demand/statement?consortium=north-west"} {
		s.Visit(path)
		s.Contains("Page not found")
	}
	res, body := s.demFetch(t, "/demand/download?consortium=north-west&table=demand&format=csv")
	if res.StatusCode != http.StatusNotFound || strings.Contains(string(body), "Fostering") {
		t.Fatalf("Oldham's download of the north-west's figures: %d", res.StatusCode)
	}

	s.signIn("Priya Shah")
	s.Visit("/demand")
	s.Contains("You cannot see this page")
}
