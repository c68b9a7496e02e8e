package server_test

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// placement is one award the tests make through purchasing.
type placement struct {
	la, provider, urn string
	pence             int64
}

// Four residential placements, all of children from M14: A's two homes in
// M, B's home in M and E's home in OL. The quartiles of four prices fall
// between them: 430000, 460000, 490000.
var fourPlacements = []placement{
	{"352", provA, "SC100001", 400000},
	{"353", provA, "SC100002", 440000},
	{"354", provB, "SC200001", 480000},
	{"355", provE, "SC500001", 520000},
}

func (h *harness) sufficiency(c demandv1.DemandServiceClient) map[string]*demandv1.SufficiencyRow {
	h.t.Helper()
	s := must(c.GetSufficiency(h.Ctx, &demandv1.GetSufficiencyRequest{Consortium: consortium, MinPosition: h.pos()})).OK(h.t)
	out := map[string]*demandv1.SufficiencyRow{}
	for _, r := range s.GetRows() {
		out[r.GetCategoryId()+"/"+r.GetArea()] = r
	}
	return out
}

func (h *harness) prices(c demandv1.DemandServiceClient) map[string]*demandv1.PriceRow {
	h.t.Helper()
	p := must(c.GetPriceBenchmarks(h.Ctx, &demandv1.GetPriceBenchmarksRequest{Consortium: consortium, MinPosition: h.pos()})).OK(h.t)
	out := map[string]*demandv1.PriceRow{}
	for _, r := range p.GetRows() {
		out[r.GetCategoryId()+"/"+r.GetArea()] = r
	}
	return out
}

type supply struct {
	demand       int // -1: suppressed
	free, places uint32
}

func checkSufficiency(t *testing.T, who string, got map[string]*demandv1.SufficiencyRow, want map[string]supply) {
	t.Helper()
	for k, w := range want {
		r := got[k]
		if r == nil {
			t.Errorf("%s: no sufficiency row %s", who, k)
			continue
		}
		if r.GetFreePlaces() != w.free || r.GetRegisteredPlaces() != w.places {
			t.Errorf("%s: %s has %d free of %d places, want %d of %d", who, k, r.GetFreePlaces(), r.GetRegisteredPlaces(), w.free, w.places)
		}
		d := r.GetDemand()
		switch {
		case w.demand < 0:
			if !d.GetSuppressed() || d.GetCount() != 0 || !r.GetGapSuppressed() || r.GetGap() != 0 {
				t.Errorf("%s: %s demand %v gap %d (suppressed %v), want both suppressed", who, k, d, r.GetGap(), r.GetGapSuppressed())
			}
		default:
			if d.GetSuppressed() || int(d.GetCount()) != w.demand || r.GetGapSuppressed() || r.GetGap() != int32(w.free)-int32(w.demand) {
				t.Errorf("%s: %s demand %v gap %d, want %d children waiting and a gap of %d", who, k, d, r.GetGap(), w.demand, int32(w.free)-int32(w.demand))
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected sufficiency row %s: %v", who, k, got[k])
		}
	}
}

// Purchasing's events are live demand and supply: open referrals are
// children waiting (protected), admitted providers' vacancies are free
// places, awards are prices (pooled only over enough placements from enough
// providers, and never one price).
func TestLiveSignals(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market()
	for i, p := range fourPlacements {
		h.place(dpsID, p.la, fmt.Sprintf("referral-placed-%d", i), p.provider, p.urn, p.pence)
	}
	// Children waiting: 6 from M14 (3 of 352's, 3 of 353's), 2 from SK4
	// (353's), 1 from OL8 (355's); one more from M14 is withdrawn.
	for i := range 3 {
		h.refer(dpsID, "352", fmt.Sprintf("referral-open-352-%d", i), "M14")
		h.refer(dpsID, "353", fmt.Sprintf("referral-open-353-%d", i), "M14")
	}
	h.refer(dpsID, "353", "referral-open-sk-1", "SK4")
	h.refer(dpsID, "353", "referral-open-sk-2", "SK4")
	h.refer(dpsID, "355", "referral-open-ol-1", "OL8")
	h.withdraw("352", h.refer(dpsID, "352", "referral-withdrawn", "M14"))

	// Supply: the admitted providers' homes, less the places awarded;
	// Irwell House (M15) is not admitted and counts for nothing.
	want := map[string]supply{
		"residential/M":  {demand: 6, free: 3, places: 3 * registeredPlaces},
		"residential/SK": {demand: -1, free: 2, places: registeredPlaces},
		"residential/OL": {demand: -1, free: 1, places: registeredPlaces},
	}
	checkSufficiency(t, "lead", h.sufficiency(h.dlead()), want)
	checkSufficiency(t, "council 354", h.sufficiency(h.viewer("354")), want)
	// 352 made half of the M referrals: the other half (3) is under the
	// threshold, so it sees the figure suppressed rather than learn 353's.
	if r := h.sufficiency(h.analyst("352"))["residential/M"]; !r.GetDemand().GetSuppressed() || r.GetFreePlaces() != 3 {
		t.Errorf("352 sees residential/M as %v", r)
	}

	// Prices: four placements are under the default threshold of 5.
	for k, r := range h.prices(h.viewer("354")) {
		if r.GetPublished() || r.GetMedianPence() != 0 || r.GetReason() == "" {
			t.Errorf("threshold 5: %s published %v", k, r)
		}
	}
	// With the threshold at 3 the consortium-wide residential row (4
	// placements, 3 providers) is published; the M row (3 placements from
	// 2 providers) and the OL row (1) are not.
	must(h.dlead().SetDisclosurePolicy(ctx, &demandv1.SetDisclosurePolicyRequest{RequestId: "policy-threshold-3", Threshold: 3, MinPriceProviders: 3,
		Reason: "A small DPS in its first year"})).OK(t)
	rows := h.prices(h.viewer("354"))
	all := rows["residential/all"]
	if !all.GetPublished() || all.GetPlacements() != 4 || all.GetProviders() != 3 ||
		all.GetLowerQuartilePence() != 430000 || all.GetMedianPence() != 460000 || all.GetUpperQuartilePence() != 490000 {
		t.Errorf("residential/all: %v, want 4 placements from 3 providers at 430000/460000/490000", all)
	}
	for _, k := range []string{"residential/M", "residential/OL"} {
		r := rows[k]
		if r == nil || r.GetPublished() || r.GetLowerQuartilePence() != 0 || r.GetMedianPence() != 0 || r.GetUpperQuartilePence() != 0 || r.GetProviders() != 0 {
			t.Errorf("%s: %v, want not published", k, r)
			continue
		}
		if !strings.Contains(r.GetReason(), "3 providers") {
			t.Errorf("%s: reason %q does not say what is needed", k, r.GetReason())
		}
	}
	if len(rows) != 3 {
		t.Errorf("price rows %v, want residential all, M and OL", rows)
	}
	for k, r := range rows {
		for _, p := range fourPlacements {
			for _, v := range []int64{r.GetLowerQuartilePence(), r.GetMedianPence(), r.GetUpperQuartilePence()} {
				if v == p.pence {
					t.Errorf("%s shows the price of one placement, %d", k, v)
				}
			}
		}
	}
	// Demand under the new threshold: SK (2) and OL (1) stay suppressed.
	checkSufficiency(t, "lead at threshold 3", h.sufficiency(h.dlead()), want)
}

// The scenario: two councils submit their returns, purchasing's
// events flow in (referrals and an award), and a third member council pulls
// the aggregates: it sees the pooled figures, protected, and its own in
// full, and nothing of another council's children or of one price.
func TestEndToEnd(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market()
	subs := pooled()
	h.submit(subs)
	mine := submission{"354", thisYear, []*demandv1.NeedsCell{
		{PlacementGroup: "fostering", AgeBand: "10-15", Need: "N1", LegalStatus: "C2", Area: "inside", DistanceBand: "0-5", Count: 3},
	}}
	subs = append(subs, mine)
	must(h.commissioner("354").SubmitNeedsReturn(ctx, &demandv1.SubmitNeedsReturnRequest{RequestId: "return-354-small", AsAt: thisYear, Cells: mine.cells})).OK(t)
	h.place(dpsID, "352", "referral-e2e-placed", provA, "SC100001", 450000)
	h.refer(dpsID, "352", "referral-e2e-open-1", "M14")
	h.refer(dpsID, "353", "referral-e2e-open-2", "M14")

	trafford := h.viewer("354")
	for _, dims := range append([][]string{{"placement_group"}, {"age_band"}, {"need"}}, pairs()...) {
		got := h.demandOf(trafford, thisYear, dims, nil)
		what := fmt.Sprintf("354 by %v", dims)
		if got.GetCouncils() != 3 {
			t.Errorf("%s: %d councils", what, got.GetCouncils())
		}
		checkProtected(t, what, got.GetConsortiumTable(), truth(subs, thisYear, dims), truth(subs, thisYear, dims, "354"), threshold)
		// Its own table is its 3 children, and nobody else's.
		if own := got.GetOwnTable(); own.GetTotal().GetCount() != 3 || len(own.GetCells()) != 1 {
			t.Errorf("%s: own table %v", what, own)
		}
	}
	byGroup := h.demandOf(trafford, thisYear, []string{"placement_group"}, nil).GetConsortiumTable()
	for _, c := range byGroup.GetCells() {
		switch c.GetValues()[0] {
		case "secure":
			if !c.GetSuppressed() {
				t.Errorf("354 sees 352's 2 children in secure: %v", c)
			}
		case "fostering":
			if want := truth(subs, thisYear, []string{"placement_group"})["fostering"]; c.GetSuppressed() || int(c.GetCount()) != want {
				t.Errorf("354 sees fostering %v, want %d", c, want)
			}
		}
	}
	if tot := byGroup.GetTotal(); tot.GetSuppressed() || tot.GetCount() != 505 {
		t.Errorf("354 sees the total %v, want 505 (300+2 of 352, 200 of 353, its own 3)", tot)
	}
	// Live demand: two children waiting in M (under the threshold), the
	// free places of the admitted homes less the one awarded.
	checkSufficiency(t, "354", h.sufficiency(trafford), map[string]supply{
		"residential/M":  {demand: -1, free: 5, places: 3 * registeredPlaces},
		"residential/SK": {demand: 0, free: 2, places: registeredPlaces},
		"residential/OL": {demand: 0, free: 2, places: registeredPlaces},
	})
	// One award is no benchmark: no price at all.
	for k, r := range h.prices(trafford) {
		if r.GetPublished() || r.GetLowerQuartilePence() != 0 || r.GetMedianPence() != 0 || r.GetUpperQuartilePence() != 0 {
			t.Errorf("354 sees the price row %s: %v", k, r)
		}
	}
	md := string(must(trafford.GetMarketPositionStatement(ctx, &demandv1.GetMarketPositionStatementRequest{Consortium: consortium,
		Format: demandv1.DocumentFormat_DOCUMENT_FORMAT_MARKDOWN, MinPosition: h.pos()})).OK(t).GetContent())
	if strings.Contains(md, "£4500") || strings.Contains(md, "4,500") {
		t.Errorf("the market position statement shows the one placement's price:\n%s", md)
	}
	// A council outside the consortium sees nothing of it.
	_, err := h.analyst("999").GetSufficiency(ctx, &demandv1.GetSufficiencyRequest{Consortium: consortium, MinPosition: h.pos()})
	servicetest.WantCode(t, err, codes.NotFound)
}
