package web

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
	"github.com/carecoop/carecoop/services/portal/view/chart"
)

// Demand dashboards for council staff: the council's own figures beside
// the consortium's pooled, disclosure-controlled ones, as charts drawn on
// the server with their tables, each table downloadable as CSV or XLSX.
// The demand service decides what a council may see: a consortium the
// council is not a member of is "not found".

// demBuilder builds one dashboard from the request's choices; charts is
// false for a download (only the tables are needed).
type demBuilder func(q *rq, sc *demScope, charts bool) (*view.DemandView, error)

func (s *Server) demandRoutes() {
	sections := map[string]demBuilder{
		"":            s.demOverview,
		"trend":       s.demTrend,
		"sufficiency": s.demSufficiency,
		"prices":      s.demPrices,
		"out-of-area": s.demOutOfArea,
		"forecast":    s.demForecast,
		"statement":   s.demStatement,
	}
	for section, build := range sections {
		path := "/demand"
		if section != "" {
			path += "/" + section
		}
		s.page("GET "+path, councilStaff, func(q *rq) error { return s.demShow(q, section, build) })
		s.page("GET "+path+"/download", councilStaff, func(q *rq) error { return s.demDownload(q, section, build) })
	}
	s.page("GET /demand/statement/document", councilStaff, s.demStatementDocument)
}

// demScope is the consortium a dashboard shows and the council's choice of
// consortia.
type demScope struct {
	consortium string
	consortia  []view.Option
	threshold  uint32
	values     url.Values
}

// demScopeOf finds the council's consortia — those whose demand figures
// the council may read (GetDisclosurePolicy answers only a member council)
// among the consortia running a DPS — and the one chosen (?consortium=,
// else the first). A consortium chosen by address that the council may
// not read is not found.
func (s *Server) demScopeOf(q *rq) (*demScope, error) {
	sc := &demScope{values: q.r.URL.Query()}
	dpss, err := s.purchasing.ListDps(q.ctx, &purchasingv1.ListDpsRequest{MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	var slugs []string
	for _, d := range dpss.GetDps() {
		if !slices.Contains(slugs, d.GetConsortium()) {
			slugs = append(slugs, d.GetConsortium())
		}
	}
	slices.Sort(slugs)
	policies := map[string]*demandv1.DisclosurePolicy{}
	for _, slug := range slugs {
		pol, err := s.demand.GetDisclosurePolicy(q.ctx, &demandv1.GetDisclosurePolicyRequest{Consortium: slug, MinPosition: q.at()})
		if status.Code(err) == codes.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		policies[slug] = pol
		sc.consortia = append(sc.consortia, view.Option{Value: slug, Text: slug})
	}
	sc.consortium = sc.values.Get("consortium")
	if sc.consortium == "" {
		if len(sc.consortia) == 0 {
			return sc, nil
		}
		sc.consortium = sc.consortia[0].Value
	}
	pol := policies[sc.consortium]
	if pol == nil {
		// Not among the council's: the service says whether it may be read.
		if pol, err = s.demand.GetDisclosurePolicy(q.ctx, &demandv1.GetDisclosurePolicyRequest{Consortium: sc.consortium, MinPosition: q.at()}); err != nil {
			return nil, err
		}
	}
	sc.threshold = pol.GetThreshold()
	return sc, nil
}

// demShow renders a dashboard.
func (s *Server) demShow(q *rq, section string, build demBuilder) error {
	sc, err := s.demScopeOf(q)
	if err != nil {
		return err
	}
	var v *view.DemandView
	if sc.consortium == "" {
		v = &view.DemandView{Empty: "Your council is not a member of any consortium's dynamic purchasing system yet, so there are no pooled figures to show. Your own needs returns are under Needs data."}
	} else if v, err = build(q, sc, true); err != nil {
		return err
	}
	v.Section, v.Consortium, v.Consortia, v.Threshold = section, sc.consortium, sc.consortia, sc.threshold
	for _, sec := range []view.DemandLink{{Href: "", Text: "Children looked after"}, {Href: "trend", Text: "Children looked after over time"}, {Href: "sufficiency", Text: "Sufficiency: children waiting and free places"},
		{Href: "prices", Text: "Weekly fees"}, {Href: "out-of-area", Text: "Placed out of area"}, {Href: "forecast", Text: "Forecast"}, {Href: "statement", Text: "Market position statement"}} {
		if sec.Href == section {
			v.Heading = sec.Text
		}
	}
	for i := range v.Blocks {
		for j := range v.Blocks[i].Tables {
			t := &v.Blocks[i].Tables[j]
			t.CSV = demDownloadHref(section, sc, t.ID, "csv")
			t.XLSX = demDownloadHref(section, sc, t.ID, "xlsx")
		}
	}
	q.page.Title = v.Heading
	return q.render(view.Demand(q.page, *v))
}

// demDownloadHref is the address of a table's download: the dashboard's
// own choices, the table and the format.
func demDownloadHref(section string, sc *demScope, table, format string) string {
	vals := url.Values{}
	for k, v := range sc.values {
		if k != "at" {
			vals[k] = v
		}
	}
	vals.Set("consortium", sc.consortium)
	vals.Set("table", table)
	vals.Set("format", format)
	path := "/demand"
	if section != "" {
		path += "/" + section
	}
	return path + "/download?" + vals.Encode()
}

// demChart puts a chart into the block, or says why there is none when
// there is nothing to draw (the table still shows every figure).
func demChart(q *rq, b *view.DemandBlock, alt string, svg []byte, err error) {
	if err != nil {
		b.Lead = append(b.Lead, "There is no chart: every figure here is withheld or nought.")
		return
	}
	b.Chart = &view.DemandChart{Src: chart.DataURI(svg), Alt: alt + " The figures are in the table below."}
}

// demChoice is a select of the dashboard's form: the value chosen (the
// default when none, or one not offered).
func demChoice(sc *demScope, id, label, def string, opts []view.Option) (view.Field, string) {
	v := sc.values.Get(id)
	if !slices.ContainsFunc(opts, func(o view.Option) bool { return o.Value == v }) {
		v = def
	}
	return view.Field{ID: id, Label: label, Value: v, Options: opts}, v
}

func demDimensionOptions(none string) []view.Option {
	var out []view.Option
	if none != "" {
		out = append(out, view.Option{Value: "", Text: none})
	}
	for _, d := range demDimensions {
		out = append(out, view.Option{Value: d.key, Text: d.name})
	}
	return out
}

// demCount is a protected cell as a table cell.
func demCount(c *demandv1.TableCell) view.DemandCell {
	if c == nil {
		return demNumber(0)
	}
	if c.GetSuppressed() {
		return view.DemandCell{Suppressed: true, Text: "[c]"}
	}
	return demNumber(float64(c.GetCount()))
}

func demNumber(n float64) view.DemandCell {
	return view.DemandCell{Text: demThousands(int64(math.Round(n))), Number: n, IsNumber: true}
}

func demPounds(pence int64) view.DemandCell {
	return view.DemandCell{Text: view.Pounds(pence), Number: float64(pence) / 100, IsNumber: true}
}

func demText(s string) view.DemandCell { return view.DemandCell{Text: s} }

// demThousands writes a whole number as the design system does: 1,204.
func demThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "−" + s
	}
	return s
}

// demValueOf is a chart's value of a cell: NaN when withheld.
func demValueOf(c view.DemandCell) float64 {
	if c.Suppressed || !c.IsNumber {
		return math.NaN()
	}
	return c.Number
}

// demCells indexes a table's cells by their values joined.
func demCells(t *demandv1.Table) map[string]*demandv1.TableCell {
	out := map[string]*demandv1.TableCell{}
	for _, c := range t.GetCells() {
		out[fmt.Sprint(c.GetValues())] = c
	}
	return out
}

func demKey(values ...string) string { return fmt.Sprint(values) }
