package web_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// a13cAwards places five children of Manchester's through the north-west
// DPS (all through gRPC): three providers' homes admitted to residential
// care, each offer awarded, at £4,800, £5,000, £5,200, £5,400 and £6,000 a
// week. It returns the last award's position.
func (s *stack) a13cAwards() uint64 {
	s.t.Helper()
	homes := []struct{ provider, legal, companies, urn, name, outcode string }{
		{pennine, "Pennine Pathways Ltd", "08765432", "SC200001", "Heaton Norris House", "SK1"},
		{northernLights, "Northern Lights Care Ltd", "09876543", "SC100001", "Fallowfield House", "M20"},
		{"little-oaks-care", "Little Oaks Care Ltd", "07654321", "SC300001", "Little Oaks", "M21"},
	}
	dps := s.createDps("a13c-prices-dps-01", "Greater Manchester Placements DPS", "352", "353")
	lead := s.purchasing(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	servicetest.Must(lead.OpenDps(s.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "a13c-prices-open-01", DpsId: dps})).OK(s.t)
	for _, h := range homes {
		s.registerProvider(h.provider, h.legal, h.companies, "2027-11-30", childrensHome(h.urn, h.name, h.outcode, purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
		servicetest.Must(s.purchasing(auth.ProviderOrg(h.provider), auth.ProviderAdmin).ApplyToDps(s.Ctx, &purchasingv1.ApplyToDpsRequest{RequestId: "a13c-apply-" + h.provider,
			DpsId: dps, ProviderId: h.provider, CategoryIds: []string{"residential"},
			Answers: []*purchasingv1.CriterionAnswer{{CriterionId: "safeguarding", Answer: "Trained staff and a missing-from-care protocol."}}})).OK(s.t)
		servicetest.Must(lead.AdmitProvider(s.Ctx, &purchasingv1.DecideApplicationRequest{RequestId: "a13c-admit-" + h.provider, DpsId: dps, ProviderId: h.provider,
			CategoryId: "residential", Reason: "Meets the selection criterion"})).OK(s.t)
		servicetest.Must(s.purchasing(auth.ProviderOrg(h.provider), auth.ProviderAdmin).PublishVacancy(s.Ctx, &purchasingv1.PublishVacancyRequest{
			RequestId: "a13c-vacancy-" + h.urn, ProviderId: h.provider, Urn: h.urn, FreePlaces: 3, AvailableFrom: "2026-12-07"})).OK(s.t)
	}
	chloe := s.purchasing(auth.CouncilOrg("352"), auth.CouncilCommissioner)
	var last uint64
	for i, a := range []struct {
		home  int
		pence int64
	}{{0, 480000}, {0, 500000}, {1, 520000}, {1, 540000}, {2, 600000}} {
		n := strconv.Itoa(i)
		h := homes[a.home]
		ref := servicetest.Must(chloe.CreateReferral(s.Ctx, &purchasingv1.CreateReferralRequest{RequestId: "a13c-referral-" + n, DpsId: dps, Need: &purchasingv1.Need{
			CategoryId: "residential", AgeYears: uint32(12 + i), Sex: purchasingv1.Sex_SEX_FEMALE, NeededBy: purchasingv1.NeededBy_NEEDED_BY_MORE_THAN_5_DAYS,
			HomeOutcode: "M14", MaxDistanceMiles: 30, StartBy: "2026-12-18", WeeklyBudgetPence: 650000, ExpectedDurationWeeks: 26}})).OK(s.t).GetId()
		off := servicetest.Must(s.purchasing(auth.ProviderOrg(h.provider), auth.ProviderResponder).MakeOffer(s.Ctx, &purchasingv1.MakeOfferRequest{
			RequestId: "a13c-offer-" + n, ReferralId: ref, SettingUrn: h.urn, WeeklyPricePence: a.pence, AvailableFrom: "2026-12-10"})).OK(s.t)
		last = servicetest.Must(chloe.AwardPlacement(s.Ctx, &purchasingv1.AwardPlacementRequest{RequestId: "a13c-award-" + n, ReferralId: ref, OfferId: off.GetOfferId(),
			Reason: "Nearest suitable home within budget"})).OK(s.t).GetPosition()
	}
	return last
}

// Issue 13, demand, "price quartiles": with five placements from three
// providers (the default disclosure: at least 5 placements from at least 3
// providers), Manchester's commissioner reads the weekly fees' lower
// quartile, median and upper quartile for children's homes across all
// areas, drawn as a chart beside its table; a postcode area with too few
// placements is not published, saying why; the table downloads as CSV and
// XLSX with the same figures. No single provider's price is named.
func TestA13cDemandPriceQuartiles(t *testing.T) {
	s := newStack(t)
	at := s.a13cAwards()
	servicetest.Must(s.demand(auth.CouncilOrg("352"), auth.CouncilCommissioner).GetPriceBenchmarks(s.Ctx,
		&demandv1.GetPriceBenchmarksRequest{Consortium: "north-west", MinPosition: at})).OK(t)

	s.signIn("Chloe Byrne")
	s.Visit("/demand/prices?consortium=north-west")
	s.Contains("Weekly fees", "No single provider's or placement's price is shown")
	var all string
	for n := 1; ; n++ {
		row := s.rowText("#prices", n)
		if strings.HasPrefix(row, "Residential children's homes, all areas") {
			all = row
			break
		}
		if n > 10 {
			t.Fatalf("no row for all areas in:\n%s", s.Text("#prices"))
		}
	}
	wantIn(t, "the quartiles", all, "5", "3", "£5,000.00", "£5,200.00", "£5,400.00")
	wantIn(t, "the unpublished area", s.Text("#prices"), "Not published: needs at least 5 placements from at least 3 providers")
	for _, price := range []string{"£4,800.00", "£6,000.00"} {
		if strings.Contains(s.Text("main"), price) {
			t.Errorf("the page shows one placement's price %s", price)
		}
	}
	wantIn(t, "the chart", s.Eval(`document.querySelector("#dem-prices img").alt`), "a bar from the lower to the upper quartile with a mark at the median")
	wantIn(t, "the chart", s.Eval(`document.querySelector("#dem-prices img").getAttribute("src").slice(0, 26)`), "data:image/svg+xml;base64")

	res, body := s.demFetch(t, s.demHref("#prices + p a"))
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("the fees' CSV: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	wantIn(t, "the CSV", string(body), "Category and area,Placements,Providers,Lower quartile,Median,Upper quartile,Note", `"Residential children's homes, all areas",5,3,5000,5200,5400,`)
	res, _ = s.demFetch(t, s.demHref("#prices + p a:nth-of-type(2)"))
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("the fees' XLSX: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
