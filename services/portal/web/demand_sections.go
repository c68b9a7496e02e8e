package web

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
	"github.com/carecoop/carecoop/services/portal/view/chart"
)

// demTrend is one dimension over every as-at date with returns: the
// consortium pooled and the council's own, as lines and as tables.
func (s *Server) demTrend(q *rq, sc *demScope, charts bool) (*view.DemandView, error) {
	v := &view.DemandView{}
	f, key := demChoice(sc, "by", "Children by", "placement_group", demDimensionOptions(""))
	v.Fields = []view.Field{f}
	d := demDim(key)
	series, err := s.demand.GetDemandSeries(q.ctx, &demandv1.GetDemandSeriesRequest{Consortium: sc.consortium, Dimension: key, MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	if len(series.GetPoints()) == 0 {
		v.Empty = "No member council has sent a needs return yet, so there are no figures to show."
		return v, nil
	}
	seen := map[string]bool{}
	for _, p := range series.GetPoints() {
		for _, t := range []*demandv1.Table{p.GetConsortiumTable(), p.GetOwnTable()} {
			for _, c := range t.GetCells() {
				if demShows(c) {
					seen[c.GetValues()[0]] = true
				}
			}
		}
	}
	codes := d.order(seen) // values with children on some date: no column of noughts
	own := "Your council (" + view.CouncilName(q.sess.Principal.OrgID()) + ")"
	v.Intro = []string{"Children looked after on each date with needs returns, by " + strings.ToLower(d.name) + ". A date's figures count the councils that sent a return for it; choose a date to see its figures by any grouping."}
	for _, x := range []struct {
		id, heading string
		pooled      bool
	}{{"trend-pooled", "The consortium pooled", true}, {"trend-own", own, false}} {
		tb := view.DemandTable{ID: x.id, Caption: x.heading + ": children looked after by " + strings.ToLower(d.name) + " over time", Head: []string{"As at"}}
		for _, c := range codes {
			tb.Head = append(tb.Head, d.words(c))
		}
		tb.Head = append(tb.Head, "Total")
		var labels []string
		for _, p := range series.GetPoints() {
			t := p.GetOwnTable()
			if x.pooled {
				t = p.GetConsortiumTable()
			}
			cells := demCells(t)
			row := view.DemandRow{Head: view.Date(p.GetAsAt()),
				Href: "/demand?" + url.Values{"consortium": {sc.consortium}, "by": {key}, "as_at": {p.GetAsAt()}}.Encode()}
			for _, c := range codes {
				if cell := cells[demKey(c)]; cell != nil || !x.pooled {
					row.Cells = append(row.Cells, demCount(cell))
				} else {
					row.Cells = append(row.Cells, demNumber(0))
				}
			}
			row.Cells = append(row.Cells, demCount(t.GetTotal()))
			tb.Rows = append(tb.Rows, row)
			labels = append(labels, p.GetAsAt()[:7])
		}
		b := view.DemandBlock{ID: "dem-" + x.id, Heading: x.heading, Tables: []view.DemandTable{tb}}
		if charts {
			ss := make([]chart.Series, len(codes))
			for i, c := range codes {
				ss[i].Name = d.words(c)
				for _, r := range tb.Rows {
					ss[i].Values = append(ss[i].Values, demValueOf(r.Cells[i]))
				}
			}
			svg, err := chart.Lines("Children looked after by "+strings.ToLower(d.name), "Children", labels, ss)
			demChart(q, &b, "Line chart of children looked after by "+strings.ToLower(d.name)+" over time, "+strings.ToLower(x.heading[:1])+x.heading[1:]+", one line for each "+strings.ToLower(d.name)+".", svg, err)
		}
		v.Blocks = append(v.Blocks, b)
	}
	return v, nil
}

// demCategoryNames are the names of the consortium's DPS categories.
func (s *Server) demCategoryNames(q *rq, consortium string) map[string]string {
	out := map[string]string{}
	list, err := s.purchasing.ListDps(q.ctx, &purchasingv1.ListDpsRequest{Consortium: consortium, MinPosition: q.at()})
	if err != nil {
		return out
	}
	for _, d := range list.GetDps() {
		dv, err := s.purchasing.GetDps(q.ctx, &purchasingv1.GetDpsRequest{DpsId: d.GetDpsId()})
		if err != nil {
			continue
		}
		for _, c := range dv.GetTerms().GetCategories() {
			out[c.GetId()] = c.GetName()
		}
	}
	return out
}

func demCategory(names map[string]string, id string) string {
	if n := names[id]; n != "" {
		return n
	}
	return demDim("placement_group").words(id)
}

func demArea(a string) string {
	if a == "all" || a == "" {
		return "All areas"
	}
	return a
}

// demSufficiency is live demand (children waiting: open referrals) against
// supply (free places) per postcode area, for a DPS category.
func (s *Server) demSufficiency(q *rq, sc *demScope, charts bool) (*view.DemandView, error) {
	v := &view.DemandView{}
	suff, err := s.demand.GetSufficiency(q.ctx, &demandv1.GetSufficiencyRequest{Consortium: sc.consortium, MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	names := s.demCategoryNames(q, sc.consortium)
	var opts []view.Option
	for _, r := range suff.GetRows() {
		if !slices.ContainsFunc(opts, func(o view.Option) bool { return o.Value == r.GetCategoryId() }) {
			opts = append(opts, view.Option{Value: r.GetCategoryId(), Text: demCategory(names, r.GetCategoryId())})
		}
	}
	if len(opts) == 0 {
		v.Empty = "No children are waiting and no free places are published in the consortium's dynamic purchasing system, so there is nothing to compare."
		return v, nil
	}
	f, cat := demChoice(sc, "category", "Category", opts[0].Value, opts)
	v.Fields = []view.Field{f}
	v.Intro = []string{"Children waiting are the open referrals of every member council; free places are those published by providers admitted to the category. The gap is free places minus children waiting: below zero, there are not enough places."}
	name := demCategory(names, cat)
	tb := view.DemandTable{ID: "sufficiency", Caption: name + ": children waiting and free places by postcode area",
		Head: []string{"Postcode area", "Children waiting", "Free places", "Registered places", "Gap"}}
	var areas []string
	var waiting, free []float64
	for _, r := range suff.GetRows() {
		if r.GetCategoryId() != cat {
			continue
		}
		gap := demNumber(float64(r.GetGap()))
		if r.GetGapSuppressed() {
			gap = view.DemandCell{Suppressed: true, Text: "[c]"}
		}
		w := demCount(r.GetDemand())
		tb.Rows = append(tb.Rows, view.DemandRow{Head: demArea(r.GetArea()), Cells: []view.DemandCell{w, demNumber(float64(r.GetFreePlaces())), demNumber(float64(r.GetRegisteredPlaces())), gap}})
		areas = append(areas, demArea(r.GetArea()))
		waiting = append(waiting, demValueOf(w))
		free = append(free, float64(r.GetFreePlaces()))
	}
	b := view.DemandBlock{ID: "dem-sufficiency", Heading: name, Tables: []view.DemandTable{tb}}
	if charts {
		svg, err := chart.Bars(name+": children waiting and free places", "Children or places", areas,
			[]chart.Series{{Name: "Children waiting", Values: waiting}, {Name: "Free places", Values: free}})
		demChart(q, &b, "Bar chart of "+name+": children waiting beside free places in each postcode area.", svg, err)
	}
	v.Blocks = append(v.Blocks, b)
	return v, nil
}

// demPrices is the weekly fee quartiles of placements awarded through the
// consortium's DPS, by category and area.
func (s *Server) demPrices(q *rq, sc *demScope, charts bool) (*view.DemandView, error) {
	v := &view.DemandView{}
	pb, err := s.demand.GetPriceBenchmarks(q.ctx, &demandv1.GetPriceBenchmarksRequest{Consortium: sc.consortium, MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	if len(pb.GetRows()) == 0 {
		v.Empty = "No placement has been awarded through the consortium's dynamic purchasing system yet, so there are no fees to compare."
		return v, nil
	}
	names := s.demCategoryNames(q, sc.consortium)
	v.Intro = []string{"Weekly fees of the placements awarded through the consortium's dynamic purchasing system: the middle half lies between the lower and the upper quartile. No single provider's or placement's price is shown: a row needs enough placements from enough providers."}
	tb := view.DemandTable{ID: "prices", Caption: "Weekly fees by category and postcode area",
		Head: []string{"Category and area", "Placements", "Providers", "Lower quartile", "Median", "Upper quartile", "Note"}}
	var cats []string
	var lo, mid, hi []float64
	for _, r := range pb.GetRows() {
		head := demCategory(names, r.GetCategoryId()) + ", " + strings.ToLower(demArea(r.GetArea())[:1]) + demArea(r.GetArea())[1:]
		if r.GetArea() != "all" && r.GetArea() != "" {
			head = demCategory(names, r.GetCategoryId()) + ", postcode area " + r.GetArea()
		}
		if !r.GetPublished() {
			tb.Rows = append(tb.Rows, view.DemandRow{Head: head, Cells: []view.DemandCell{demText(""), demText(""), demText(""), demText(""), demText(""), demText("Not published: " + r.GetReason())}})
			continue
		}
		tb.Rows = append(tb.Rows, view.DemandRow{Head: head, Cells: []view.DemandCell{demNumber(float64(r.GetPlacements())), demNumber(float64(r.GetProviders())),
			demPounds(r.GetLowerQuartilePence()), demPounds(r.GetMedianPence()), demPounds(r.GetUpperQuartilePence()), demText("")}})
		if r.GetArea() == "all" {
			cats = append(cats, demCategory(names, r.GetCategoryId()))
			lo = append(lo, float64(r.GetLowerQuartilePence())/100)
			mid = append(mid, float64(r.GetMedianPence())/100)
			hi = append(hi, float64(r.GetUpperQuartilePence())/100)
		}
	}
	b := view.DemandBlock{ID: "dem-prices", Heading: "Weekly fees", Tables: []view.DemandTable{tb}}
	if charts && len(cats) > 0 {
		svg, err := chart.Ranges("Weekly fees by category, all areas", "Pounds a week", cats, lo, mid, hi)
		demChart(q, &b, "Chart of weekly fees by category across all areas: a bar from the lower to the upper quartile with a mark at the median.", svg, err)
	}
	v.Blocks = append(v.Blocks, b)
	return v, nil
}

// demOutOfArea is where children are placed: inside or outside their
// council's area and how far from home (the council's own beside the
// pooled), and the distance of placements awarded through the DPS.
func (s *Server) demOutOfArea(q *rq, sc *demScope, charts bool) (*view.DemandView, error) {
	v := &view.DemandView{}
	o, err := s.demand.GetOutOfArea(q.ctx, &demandv1.GetOutOfAreaRequest{Consortium: sc.consortium, MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	own := "Your council (" + view.CouncilName(q.sess.Principal.OrgID()) + ")"
	if o.GetOutsideSharePublished() {
		v.Intro = append(v.Intro, "Across the consortium, "+strconv.Itoa(int(math.Round(o.GetOutsideShare()*100)))+"% of children whose placement is known are placed outside their council's area (as at "+view.Date(o.GetAsAt())+").")
	}
	for _, key := range []string{"area", "distance_band"} {
		d := demDim(key)
		t, err := s.demand.GetDemand(q.ctx, &demandv1.GetDemandRequest{Consortium: sc.consortium, Dimensions: []string{key}, MinPosition: q.at()})
		if err != nil {
			return nil, err
		}
		if len(t.GetConsortiumTable().GetCells()) == 0 {
			continue
		}
		tb := demOneWay(d, own, t.GetOwnTable(), t.GetConsortiumTable())
		tb.ID, tb.Caption = "out-of-area-"+strings.ReplaceAll(key, "_", "-"), "Children looked after by "+strings.ToLower(d.name)+", as at "+view.Date(t.GetAsAt())
		b := view.DemandBlock{ID: "dem-" + tb.ID, Heading: "Children by " + strings.ToLower(d.name), Tables: []view.DemandTable{tb}}
		if charts {
			cats, ownS, pooled := demSeriesOf(tb)
			svg, err := chart.Bars("Children looked after by "+strings.ToLower(d.name), "Children", cats,
				[]chart.Series{{Name: "Your council", Values: ownS}, {Name: "The consortium pooled", Values: pooled}})
			demChart(q, &b, "Bar chart of children looked after by "+strings.ToLower(d.name)+": your council beside the consortium pooled.", svg, err)
		}
		v.Blocks = append(v.Blocks, b)
	}
	if aw := o.GetAwardsByDistance(); len(aw.GetCells()) > 0 {
		d := demDim("distance_band")
		cells := demCells(aw)
		seen := map[string]bool{}
		for _, c := range aw.GetCells() {
			seen[c.GetValues()[0]] = true
		}
		tb := view.DemandTable{ID: "awards-by-distance", Caption: "Placements awarded through the consortium's dynamic purchasing system, by distance from home", Head: []string{"Distance from home", "Placements"}}
		var cats []string
		var vals []float64
		for _, code := range d.order(seen) {
			c := demCount(cells[demKey(code)])
			tb.Rows = append(tb.Rows, view.DemandRow{Head: d.words(code), Cells: []view.DemandCell{c}})
			cats, vals = append(cats, d.words(code)), append(vals, demValueOf(c))
		}
		tb.Rows = append(tb.Rows, view.DemandRow{Head: "Total", Total: true, Cells: []view.DemandCell{demCount(aw.GetTotal())}})
		b := view.DemandBlock{ID: "dem-awards", Heading: "Placements awarded, by distance", Tables: []view.DemandTable{tb}}
		if charts {
			svg, err := chart.Bars("Placements awarded by distance from home", "Placements", cats, []chart.Series{{Name: "Placements", Values: vals}})
			demChart(q, &b, "Bar chart of placements awarded through the dynamic purchasing system by distance from the child's home.", svg, err)
		}
		v.Blocks = append(v.Blocks, b)
	}
	if len(v.Blocks) == 0 {
		v.Empty = "No member council has sent a needs return yet and no placement has been awarded, so there are no figures to show."
	}
	return v, nil
}

// demForecast is the projected children per placement group, 1–3 years
// ahead, as a fan: the pooled history, then the central projection within
// its low-to-high range.
func (s *Server) demForecast(q *rq, sc *demScope, charts bool) (*view.DemandView, error) {
	v := &view.DemandView{}
	fc, err := s.demand.GetForecast(q.ctx, &demandv1.GetForecastRequest{Consortium: sc.consortium, Years: 3, MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	if len(fc.GetYears()) == 0 {
		v.Empty = "There are not yet enough needs returns to make a forecast."
		v.Notes = fc.GetNotes()
		return v, nil
	}
	d := demDim("placement_group")
	seen := map[string]bool{}
	for _, y := range fc.GetYears() {
		for _, x := range y.GetValues() {
			seen[x.GetPlacementGroup()] = true
		}
	}
	var opts []view.Option
	for _, c := range d.order(seen) {
		opts = append(opts, view.Option{Value: c, Text: d.words(c)})
	}
	f, group := demChoice(sc, "placement", "Placement", opts[0].Value, opts)
	v.Fields = []view.Field{f}
	name := d.words(group)
	// The pooled history of the group, where it is published.
	series, err := s.demand.GetDemandSeries(q.ctx, &demandv1.GetDemandSeriesRequest{Consortium: sc.consortium, Dimension: "placement_group", MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	tb := view.DemandTable{ID: "forecast", Caption: name + ": children looked after and the forecast", Head: []string{"As at", "Children looked after", "Low", "Central", "High"}}
	var labels []string
	var history []float64
	for _, p := range series.GetPoints() {
		c := demCount(demCells(p.GetConsortiumTable())[demKey(group)])
		tb.Rows = append(tb.Rows, view.DemandRow{Head: view.Date(p.GetAsAt()), Cells: []view.DemandCell{c, demText(""), demText(""), demText("")}})
		labels = append(labels, p.GetAsAt()[:7])
		history = append(history, demValueOf(c))
	}
	var lo, mid, hi []float64
	if n := len(history); n > 0 && demPublished(history[n-1]) {
		lo, mid, hi = []float64{history[n-1]}, []float64{history[n-1]}, []float64{history[n-1]}
	}
	for _, y := range fc.GetYears() {
		for _, x := range y.GetValues() {
			if x.GetPlacementGroup() != group {
				continue
			}
			tb.Rows = append(tb.Rows, view.DemandRow{Head: view.Date(y.GetAsAt()), Cells: []view.DemandCell{demText(""), demNumber(x.GetLow()), demNumber(x.GetCentral()), demNumber(x.GetHigh())}})
			labels = append(labels, y.GetAsAt()[:7])
			lo, mid, hi = append(lo, x.GetLow()), append(mid, x.GetCentral()), append(hi, x.GetHigh())
		}
	}
	v.Intro = []string{"Projected children looked after in " + strings.ToLower(name) + " across the consortium, from the pooled figures as at " + view.Date(fc.GetFromAsAt()) + ". The range shows how far the projection may reasonably fall either side of the central figure."}
	b := view.DemandBlock{ID: "dem-forecast", Heading: name, Tables: []view.DemandTable{tb}}
	if charts {
		// The fan starts at the last published point of the history, or
		// after the history when that point is withheld.
		hist := history
		if len(lo) == len(fc.GetYears()) {
			hist = append(slices.Clone(history), math.NaN())
		}
		svg, err := chart.Fan(name+": children looked after and forecast", "Children", labels, hist, lo, mid, hi)
		demChart(q, &b, "Fan chart of children looked after in "+strings.ToLower(name)+": the pooled history as a line, then the central forecast within a shaded range from low to high.", svg, err)
	}
	v.Blocks = append(v.Blocks, b)
	if fc.GetMethod() != "" {
		v.Notes = append(v.Notes, "How the forecast is made: "+fc.GetMethod())
	}
	v.Notes = append(v.Notes, fc.GetNotes()...)
	return v, nil
}

// demPublished says a value is a published number.
func demPublished(f float64) bool { return !math.IsNaN(f) }
