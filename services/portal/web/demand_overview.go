package web

import (
	"regexp"
	"strings"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/portal/view"
	"github.com/carecoop/carecoop/services/portal/view/chart"
)

var demDate = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// demOverview is children looked after as at a date (the latest, or
// ?as_at=), by one or two dimensions: the council's own and the
// consortium's pooled figures side by side.
func (s *Server) demOverview(q *rq, sc *demScope, charts bool) (*view.DemandView, error) {
	v := &view.DemandView{}
	f1, d1 := demChoice(sc, "by", "Children by", "placement_group", demDimensionOptions(""))
	var opts2 []view.Option
	for _, o := range demDimensionOptions("Nothing else") {
		if o.Value != d1 {
			opts2 = append(opts2, o)
		}
	}
	f2, d2 := demChoice(sc, "and", "And by", "", opts2)
	v.Fields = []view.Field{f1, f2}
	dims := []string{d1}
	if d2 != "" {
		dims = append(dims, d2)
	}
	asAt := sc.values.Get("as_at")
	if !demDate.MatchString(asAt) {
		asAt = ""
	}
	if asAt != "" { // chosen from the figures over time: kept when regrouping
		v.Hidden = []view.Option{{Value: "as_at", Text: asAt}}
	}
	t, err := s.demand.GetDemand(q.ctx, &demandv1.GetDemandRequest{Consortium: sc.consortium, AsAt: asAt, Dimensions: dims, MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	if len(t.GetConsortiumTable().GetCells()) == 0 {
		v.Empty = "No member council has sent a needs return yet, so there are no figures to show."
		if asAt != "" {
			v.Empty = "No member council has sent a needs return as at " + view.Date(asAt) + "."
		}
		return v, nil
	}
	own := "Your council (" + view.CouncilName(q.sess.Principal.OrgID()) + ")"
	v.Intro = []string{"Figures as at " + view.Date(t.GetAsAt()) + ", from the needs returns of " + demCouncils(t.GetCouncils()) + ". " +
		"Your council's own figures are shown in full; the consortium's pooled figures are protected so that no child can be identified."}
	a := demDim(d1)
	if d2 == "" {
		b := view.DemandBlock{ID: "dem-by", Heading: "Children by " + strings.ToLower(a.name)}
		tb := demOneWay(a, own, t.GetOwnTable(), t.GetConsortiumTable())
		tb.ID, tb.Caption = "demand", "Children looked after by "+strings.ToLower(a.name)+", as at "+view.Date(t.GetAsAt())
		b.Tables = []view.DemandTable{tb}
		if charts {
			cats, ownS, pooled := demSeriesOf(tb)
			svg, err := chart.Bars("Children looked after by "+strings.ToLower(a.name), "Children", cats,
				[]chart.Series{{Name: "Your council", Values: ownS}, {Name: "The consortium pooled", Values: pooled}})
			demChart(q, &b, "Bar chart of children looked after by "+strings.ToLower(a.name)+": your council beside the consortium pooled, as at "+view.Date(t.GetAsAt())+".", svg, err)
		}
		v.Blocks = append(v.Blocks, b)
		return v, nil
	}
	bd := demDim(d2)
	what := strings.ToLower(a.name) + " and " + strings.ToLower(bd.name)
	pooled := demTwoWay(a, bd, t.GetConsortiumTable())
	pooled.ID, pooled.Caption = "demand-pooled", "The consortium pooled: children looked after by "+what+", as at "+view.Date(t.GetAsAt())
	mine := demTwoWay(a, bd, t.GetOwnTable())
	mine.ID, mine.Caption = "demand-own", own+": children looked after by "+what+", as at "+view.Date(t.GetAsAt())
	pb := view.DemandBlock{ID: "dem-pooled", Heading: "The consortium pooled", Tables: []view.DemandTable{pooled}}
	ob := view.DemandBlock{ID: "dem-own", Heading: own, Tables: []view.DemandTable{mine}}
	if charts {
		for _, x := range []struct {
			b    *view.DemandBlock
			t    view.DemandTable
			whom string
		}{{&pb, pooled, "the consortium pooled"}, {&ob, mine, "your council"}} {
			cats, ss := demCrossSeries(x.t)
			svg, err := chart.Bars("Children looked after by "+what, "Children", cats, ss)
			demChart(q, x.b, "Bar chart of children looked after by "+what+", "+x.whom+", as at "+view.Date(t.GetAsAt())+": one bar for each "+strings.ToLower(bd.name)+" in each "+strings.ToLower(a.name)+".", svg, err)
		}
	}
	v.Blocks = append(v.Blocks, pb, ob)
	return v, nil
}

// demOneWay is a one-dimension table: the council's own count beside the
// pooled one for each value, then the totals.
func demOneWay(d *demDimension, ownName string, own, pooled *demandv1.Table) view.DemandTable {
	ownCells, poolCells := demCells(own), demCells(pooled)
	seen := map[string]bool{}
	for _, t := range []*demandv1.Table{own, pooled} {
		for _, c := range t.GetCells() {
			seen[c.GetValues()[0]] = true
		}
	}
	tb := view.DemandTable{Head: []string{d.name, ownName, "The consortium pooled"}}
	for _, code := range d.order(seen) {
		o := demNumber(float64(ownCells[demKey(code)].GetCount()))
		tb.Rows = append(tb.Rows, view.DemandRow{Head: d.words(code), Cells: []view.DemandCell{o, demCount(poolCells[demKey(code)])}})
	}
	tb.Rows = append(tb.Rows, view.DemandRow{Head: "Total", Total: true, Cells: []view.DemandCell{demNumber(float64(own.GetTotal().GetCount())), demCount(pooled.GetTotal())}})
	return tb
}

// demTwoWay is a two-dimension table: a row for each value of the first,
// a column for each of the second, and the row's total.
func demTwoWay(a, b *demDimension, t *demandv1.Table) view.DemandTable {
	cells := demCells(t)
	rows, cols := map[string]bool{}, map[string]bool{}
	for _, c := range t.GetCells() {
		if demShows(c) { // no row or column of noughts only
			rows[c.GetValues()[0]], cols[c.GetValues()[1]] = true, true
		}
	}
	margins := map[string]*demandv1.TableCell{}
	for _, m := range t.GetMargins() {
		if len(m.GetValues()) > 0 {
			margins[m.GetValues()[0]] = m
		}
	}
	tb := view.DemandTable{Head: []string{a.name}}
	colCodes := b.order(cols)
	for _, c := range colCodes {
		tb.Head = append(tb.Head, b.words(c))
	}
	tb.Head = append(tb.Head, "Total")
	for _, r := range a.order(rows) {
		row := view.DemandRow{Head: a.words(r)}
		for _, c := range colCodes {
			row.Cells = append(row.Cells, demCount(cells[demKey(r, c)]))
		}
		row.Cells = append(row.Cells, demCount(margins[r]))
		tb.Rows = append(tb.Rows, row)
	}
	total := view.DemandRow{Head: "Total", Total: true}
	for range colCodes {
		total.Cells = append(total.Cells, demText(""))
	}
	total.Cells = append(total.Cells, demCount(t.GetTotal()))
	tb.Rows = append(tb.Rows, total)
	return tb
}

// demSeriesOf is a one-way table's rows (not the total) as two series.
func demSeriesOf(t view.DemandTable) (cats []string, own, pooled []float64) {
	for _, r := range t.Rows {
		if r.Total {
			continue
		}
		cats = append(cats, r.Head)
		own = append(own, demValueOf(r.Cells[0]))
		pooled = append(pooled, demValueOf(r.Cells[1]))
	}
	return cats, own, pooled
}

// demCrossSeries is a two-way table as one series per column (not the
// total column or row).
func demCrossSeries(t view.DemandTable) ([]string, []chart.Series) {
	var cats []string
	ss := make([]chart.Series, len(t.Head)-2)
	for i := range ss {
		ss[i].Name = t.Head[i+1]
	}
	for _, r := range t.Rows {
		if r.Total {
			continue
		}
		cats = append(cats, r.Head)
		for i := range ss {
			ss[i].Values = append(ss[i].Values, demValueOf(r.Cells[i]))
		}
	}
	return cats, ss
}

// demShows says a cell counts children or is withheld: the service answers
// every combination, most of them nought.
func demShows(c *demandv1.TableCell) bool { return c.GetSuppressed() || c.GetCount() > 0 }

func demCouncils(n uint32) string {
	if n == 1 {
		return "1 member council"
	}
	return demThousands(int64(n)) + " member councils"
}
