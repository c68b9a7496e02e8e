package app

import (
	"fmt"
	"strconv"
	"strings"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/money"
)

// sheet is one table as rows of text: what the market position statement
// and the CSV and XLSX exports are made of, so they always agree.
type sheet struct {
	Name   string // short, for file and worksheet names
	Title  string
	Header []string
	Rows   [][]string
	Note   string
}

// shown is a protected cell as published: its count, or "suppressed".
func shown(c *demandv1.TableCell) string {
	if c == nil {
		return "0"
	}
	if c.GetSuppressed() {
		return "suppressed"
	}
	return strconv.FormatUint(uint64(c.GetCount()), 10)
}

func pounds(pence int64) string { return money.Pence(pence).WholePounds() }

func demandSheet(t *demandv1.DemandTable) sheet {
	tb := t.GetConsortiumTable()
	s := sheet{Name: "demand", Title: fmt.Sprintf("Children looked after by %s, as at %s (%d councils)", strings.Join(tb.GetDimensions(), " and "), t.GetAsAt(), t.GetCouncils())}
	s.Header = append(append([]string{}, tb.GetDimensions()...), "children")
	for _, c := range tb.GetCells() {
		s.Rows = append(s.Rows, append(append([]string{}, c.GetValues()...), shown(c)))
	}
	if tb.GetTotal() != nil {
		total := make([]string, len(tb.GetDimensions()))
		total[0] = "total"
		s.Rows = append(s.Rows, append(total, shown(tb.GetTotal())))
	}
	s.Note = fmt.Sprintf("Cells counting fewer than %d children are suppressed, with others where needed so that none can be worked out.", t.GetThreshold())
	return s
}

func sufficiencySheet(f *demandv1.Sufficiency) sheet {
	s := sheet{Name: "sufficiency", Title: "Live demand against supply, by category and postcode area",
		Header: []string{"category", "area", "children waiting (open referrals)", "free places", "registered places", "gap (free places − children waiting)"}}
	for _, r := range f.GetRows() {
		gap := strconv.Itoa(int(r.GetGap()))
		if r.GetGapSuppressed() {
			gap = "suppressed"
		}
		s.Rows = append(s.Rows, []string{r.GetCategoryId(), r.GetArea(), shown(r.GetDemand()), strconv.Itoa(int(r.GetFreePlaces())), strconv.Itoa(int(r.GetRegisteredPlaces())), gap})
	}
	return s
}

func pricesSheet(p *demandv1.PriceBenchmarks) sheet {
	s := sheet{Name: "prices", Title: "Weekly fees of placements awarded through the DPS",
		Header: []string{"category", "area", "placements", "providers", "lower quartile", "median", "upper quartile"}}
	for _, r := range p.GetRows() {
		if !r.GetPublished() {
			s.Rows = append(s.Rows, []string{r.GetCategoryId(), r.GetArea(), "", "", "not published", r.GetReason(), ""})
			continue
		}
		s.Rows = append(s.Rows, []string{r.GetCategoryId(), r.GetArea(), strconv.Itoa(int(r.GetPlacements())), strconv.Itoa(int(r.GetProviders())),
			pounds(r.GetLowerQuartilePence()), pounds(r.GetMedianPence()), pounds(r.GetUpperQuartilePence())})
	}
	s.Note = "No single provider's or placement's price is shown: a row needs enough placements from at least three providers."
	return s
}

func outOfAreaSheet(o *demandv1.OutOfArea) sheet {
	s := sheet{Name: "out-of-area", Title: fmt.Sprintf("Where children are placed, as at %s", o.GetAsAt()), Header: []string{"measure", "value", "children"}}
	for _, c := range o.GetByArea().GetCells() {
		s.Rows = append(s.Rows, []string{"placed in own area", c.GetValues()[0], shown(c)})
	}
	for _, c := range o.GetByDistance().GetCells() {
		s.Rows = append(s.Rows, []string{"distance from home (miles)", c.GetValues()[0], shown(c)})
	}
	for _, c := range o.GetAwardsByDistance().GetCells() {
		s.Rows = append(s.Rows, []string{"DPS placements by distance (miles)", c.GetValues()[0], shown(c)})
	}
	if o.GetOutsideSharePublished() {
		s.Note = fmt.Sprintf("%.0f%% of children whose placement area is known are placed outside their council's area.", 100*o.GetOutsideShare())
	}
	return s
}

func forecastSheet(f *demandv1.Forecast) sheet {
	s := sheet{Name: "forecast", Title: "Projected children looked after by placement group", Header: []string{"as at", "placement group", "central", "low", "high"}}
	for _, y := range f.GetYears() {
		for _, v := range y.GetValues() {
			s.Rows = append(s.Rows, []string{y.GetAsAt(), v.GetPlacementGroup(), fmt.Sprintf("%.0f", v.GetCentral()), fmt.Sprintf("%.0f", v.GetLow()), fmt.Sprintf("%.0f", v.GetHigh())})
		}
	}
	s.Note = f.GetMethod()
	return s
}
