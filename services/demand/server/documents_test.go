package server_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"google.golang.org/grpc/codes"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Pooled transitions of two councils over two consecutive years project
// three years ahead, each value inside its interval.
func TestForecast(t *testing.T) {
	h := newHarness(t)
	h.dps()
	// Before any transitions: no projection, and a note saying why.
	empty := must(h.viewer("354").GetForecast(h.Ctx, &demandv1.GetForecastRequest{Consortium: consortium, Years: 3, MinPosition: h.pos()})).OK(t)
	if len(empty.GetYears()) != 0 || len(empty.GetNotes()) == 0 {
		t.Errorf("forecast with no returns: %v", empty)
	}
	h.submit(pooled())
	f := must(h.viewer("354").GetForecast(h.Ctx, &demandv1.GetForecastRequest{Consortium: consortium, Years: 3, MinPosition: h.pos()})).OK(t)
	if f.GetFromAsAt() != thisYear || f.GetMethod() == "" || f.GetConsortium() != consortium {
		t.Errorf("forecast from %q by %q", f.GetFromAsAt(), f.GetMethod())
	}
	wantYears := []string{"2027-03-31", "2028-03-31", "2029-03-31"}
	if len(f.GetYears()) != len(wantYears) {
		t.Fatalf("%d years projected, want 3: %v", len(f.GetYears()), f)
	}
	for i, y := range f.GetYears() {
		if y.GetAsAt() != wantYears[i] {
			t.Errorf("year %d is as at %s, want %s", i, y.GetAsAt(), wantYears[i])
		}
		groups := map[string]bool{}
		for _, v := range y.GetValues() {
			groups[v.GetPlacementGroup()] = true
			if !(v.GetLow() <= v.GetCentral() && v.GetCentral() <= v.GetHigh()) || v.GetLow() < 0 {
				t.Errorf("%s %s: low %.1f, central %.1f, high %.1f", y.GetAsAt(), v.GetPlacementGroup(), v.GetLow(), v.GetCentral(), v.GetHigh())
			}
			if v.GetPlacementGroup() == "fostering" && v.GetCentral() < 100 {
				t.Errorf("%s: fostering projected at %.1f from about 340 children", y.GetAsAt(), v.GetCentral())
			}
		}
		if !groups["fostering"] || !groups["residential"] {
			t.Errorf("%s projects %v", y.GetAsAt(), groups)
		}
	}
	one := must(h.viewer("354").GetForecast(h.Ctx, &demandv1.GetForecastRequest{Consortium: consortium, Years: 1, MinPosition: h.pos()})).OK(t)
	if len(one.GetYears()) != 1 || one.GetYears()[0].GetAsAt() != wantYears[0] {
		t.Errorf("one year ahead: %v", one.GetYears())
	}
}

var (
	mdSection = regexp.MustCompile(`(?m)^## (.*)$`)
	htmlRow   = regexp.MustCompile(`<tr>((?:<td>[^<]*</td>)+)</tr>`)
	htmlCell  = regexp.MustCompile(`<td>([^<]*)</td>`)
)

// demandRows are the rows of the statement's demand tables (title → rows
// of cells), read from Markdown or HTML.
func demandRows(t *testing.T, doc string, isHTML bool) map[string][][]string {
	t.Helper()
	out := map[string][][]string{}
	if isHTML {
		for _, sec := range strings.Split(doc, "<h2>")[1:] {
			title := html.UnescapeString(sec[:strings.Index(sec, "</h2>")])
			if !strings.HasPrefix(title, "Children looked after by") {
				continue
			}
			for _, m := range htmlRow.FindAllStringSubmatch(sec, -1) {
				var row []string
				for _, c := range htmlCell.FindAllStringSubmatch(m[1], -1) {
					row = append(row, html.UnescapeString(c[1]))
				}
				out[title] = append(out[title], row)
			}
		}
		return out
	}
	idx := mdSection.FindAllStringSubmatchIndex(doc, -1)
	for i, m := range idx {
		title := doc[m[2]:m[3]]
		end := len(doc)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		if !strings.HasPrefix(title, "Children looked after by") {
			continue
		}
		lines := strings.Split(doc[m[1]:end], "\n")
		for _, l := range lines {
			if !strings.HasPrefix(l, "| ") || strings.HasPrefix(l, "| ---") {
				continue
			}
			cells := strings.Split(strings.Trim(l, "| "), " | ")
			if cells[len(cells)-1] == "children" {
				continue // the header
			}
			out[title] = append(out[title], cells)
		}
	}
	return out
}

// The market position statement goes to providers too: it names the
// consortium, has its sections, and its demand tables publish no count
// under the threshold. Exports are the queries' tables, as CSV and XLSX.
func TestMarketPositionStatementAndExports(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market()
	subs := pooled()
	h.submit(subs)
	for i, p := range fourPlacements {
		h.place(dpsID, p.la, fmt.Sprintf("referral-mps-%d", i), p.provider, p.urn, p.pence)
	}
	h.refer(dpsID, "353", "referral-mps-open", "SK4")
	lead := h.dlead()
	byGroup := h.demandOf(lead, "", []string{"placement_group"}, nil).GetConsortiumTable()
	byAge := h.demandOf(lead, "", []string{"age_band"}, nil).GetConsortiumTable()

	for _, format := range []demandv1.DocumentFormat{demandv1.DocumentFormat_DOCUMENT_FORMAT_MARKDOWN, demandv1.DocumentFormat_DOCUMENT_FORMAT_HTML} {
		isHTML := format == demandv1.DocumentFormat_DOCUMENT_FORMAT_HTML
		doc := must(h.providerAdmin(provB).GetMarketPositionStatement(ctx, &demandv1.GetMarketPositionStatementRequest{Consortium: consortium, Format: format, MinPosition: h.pos()})).OK(t)
		text := string(doc.GetContent())
		if isHTML {
			text = html.UnescapeString(text)
			if !strings.HasPrefix(doc.GetMediaType(), "text/html") || !strings.HasSuffix(doc.GetFileName(), ".html") || !strings.HasPrefix(text, "<!doctype html>") {
				t.Errorf("HTML statement: %s, %s", doc.GetFileName(), doc.GetMediaType())
			}
		} else if !strings.HasPrefix(doc.GetMediaType(), "text/markdown") || !strings.HasSuffix(doc.GetFileName(), ".md") {
			t.Errorf("Markdown statement: %s, %s", doc.GetFileName(), doc.GetMediaType())
		}
		for _, want := range []string{
			"Market position statement: north-west consortium",
			"Children looked after by placement_group, as at " + thisYear + " (2 councils)",
			"Children looked after by age_band, as at " + thisYear + " (2 councils)",
			"Live demand against supply, by category and postcode area",
			"Weekly fees of placements awarded through the DPS",
			"Where children are placed, as at " + thisYear,
			"Projected children looked after by placement group",
			"Cells counting fewer than 5 children are suppressed",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s statement lacks %q", format, want)
			}
		}
		for _, p := range fourPlacements {
			if strings.Contains(text, strconv.FormatInt(p.pence/100, 10)) {
				t.Errorf("%s statement shows a placement's price %d", format, p.pence)
			}
		}
		tables := demandRows(t, string(doc.GetContent()), isHTML)
		if len(tables) != 2 {
			t.Fatalf("%s statement: demand tables %v", format, tables)
		}
		for title, rows := range tables {
			src := byGroup
			if strings.Contains(title, "age_band") {
				src = byAge
			}
			if len(rows) != len(src.GetCells())+1 {
				t.Errorf("%s %q: %d rows for %d cells and the total", format, title, len(rows), len(src.GetCells()))
				continue
			}
			for i, r := range rows {
				c := src.GetTotal()
				if i < len(src.GetCells()) {
					c = src.GetCells()[i]
				}
				shown := r[len(r)-1]
				if shown == "suppressed" {
					if !c.GetSuppressed() {
						t.Errorf("%s %q: row %v suppressed, GetDemand publishes %v", format, title, r, c)
					}
					continue
				}
				n, err := strconv.Atoi(shown)
				if err != nil || (n > 0 && n < threshold) || c.GetSuppressed() || uint32(n) != c.GetCount() {
					t.Errorf("%s %q: row %v, GetDemand %v", format, title, r, c)
				}
			}
		}
	}

	// Exports: the same figures as the queries, for the same reader.
	trafford := h.viewer("354")
	for _, dims := range [][]string{nil, {"need"}, {"area", "distance_band"}} {
		qdims := dims
		if qdims == nil {
			qdims = []string{"placement_group", "age_band"} // the export's default
		}
		tb := h.demandOf(trafford, "", qdims, nil).GetConsortiumTable()
		doc := must(trafford.ExportTable(ctx, &demandv1.ExportTableRequest{Consortium: consortium, Table: "demand", Dimensions: dims,
			Format: demandv1.DocumentFormat_DOCUMENT_FORMAT_CSV, MinPosition: h.pos()})).OK(t)
		if doc.GetMediaType() != "text/csv" || doc.GetFileName() != "north-west-demand.csv" {
			t.Errorf("CSV export: %s, %s", doc.GetFileName(), doc.GetMediaType())
		}
		records, err := csv.NewReader(bytes.NewReader(doc.GetContent())).ReadAll()
		if err != nil {
			t.Fatalf("the CSV export does not parse: %v", err)
		}
		if want := append(slices.Clone(qdims), "children"); !slices.Equal(records[0], want) {
			t.Errorf("CSV header %v, want %v", records[0], want)
		}
		var want [][]string
		for _, c := range tb.GetCells() {
			want = append(want, append(slices.Clone(c.GetValues()), published(c)))
		}
		total := make([]string, len(qdims)+1)
		total[0], total[len(qdims)] = "total", published(tb.GetTotal())
		want = append(want, total)
		if !slices.EqualFunc(records[1:], want, slices.Equal) {
			t.Errorf("CSV export by %v:\n%v\nGetDemand:\n%v", qdims, records[1:], want)
		}

		x := must(trafford.ExportTable(ctx, &demandv1.ExportTableRequest{Consortium: consortium, Table: "demand", Dimensions: dims,
			Format: demandv1.DocumentFormat_DOCUMENT_FORMAT_XLSX, MinPosition: h.pos()})).OK(t)
		if !bytes.HasPrefix(x.GetContent(), []byte("PK")) || !strings.HasSuffix(x.GetFileName(), ".xlsx") {
			t.Fatalf("XLSX export %s starts %q", x.GetFileName(), x.GetContent()[:min(4, len(x.GetContent()))])
		}
		f, err := excelize.OpenReader(bytes.NewReader(x.GetContent()))
		if err != nil {
			t.Fatalf("the XLSX export does not open: %v", err)
		}
		rows, err := f.GetRows("demand")
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < len(records)+1 || !slices.Equal(rows[1], records[0]) {
			t.Fatalf("XLSX rows %v, CSV header %v", rows, records[0])
		}
		for i, rec := range records[1:] {
			// Excel drops trailing empty cells of a row.
			if got := rows[i+2]; !slices.Equal(got, rec[:len(got)]) || slices.ContainsFunc(rec[len(got):], func(s string) bool { return s != "" }) {
				t.Errorf("XLSX row %d %v, CSV %v", i, got, rec)
			}
		}
	}
	// The other tables export too, and a provider may not export.
	for _, table := range []string{"sufficiency", "prices", "out-of-area", "forecast"} {
		doc := must(lead.ExportTable(ctx, &demandv1.ExportTableRequest{Consortium: consortium, Table: table, Format: demandv1.DocumentFormat_DOCUMENT_FORMAT_CSV, MinPosition: h.pos()})).OK(t)
		records, err := csv.NewReader(bytes.NewReader(doc.GetContent())).ReadAll()
		if err != nil || len(records) < 2 {
			t.Errorf("%s export: %d records, %v", table, len(records), err)
		}
		for _, p := range fourPlacements {
			if bytes.Contains(doc.GetContent(), []byte(strconv.FormatInt(p.pence/100, 10))) {
				t.Errorf("%s export shows a placement's price %d", table, p.pence)
			}
		}
	}
	_, err := h.providerAdmin(provB).ExportTable(ctx, &demandv1.ExportTableRequest{Consortium: consortium, Table: "demand", Format: demandv1.DocumentFormat_DOCUMENT_FORMAT_CSV, MinPosition: h.pos()})
	servicetest.WantCode(t, err, codes.PermissionDenied)
}

// published is a cell as the exports show it.
func published(c *demandv1.TableCell) string {
	if c.GetSuppressed() {
		return "suppressed"
	}
	return strconv.FormatUint(uint64(c.GetCount()), 10)
}
