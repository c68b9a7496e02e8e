package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// demDownload answers a table of a dashboard as CSV or XLSX: the very
// table the page shows (built by the same code from the same calls), so
// the download and the page always agree.
func (s *Server) demDownload(q *rq, section string, build demBuilder) error {
	format := q.r.URL.Query().Get("format")
	if format != "csv" && format != "xlsx" {
		return status.Error(codes.NotFound, "no such format")
	}
	sc, err := s.demScopeOf(q)
	if err != nil {
		return err
	}
	if sc.consortium == "" {
		return status.Error(codes.NotFound, "no consortium")
	}
	v, err := build(q, sc, false)
	if err != nil {
		return err
	}
	id := q.r.URL.Query().Get("table")
	for _, b := range v.Blocks {
		for _, t := range b.Tables {
			if t.ID != id {
				continue
			}
			name := csvFileName(sc.consortium + "-" + t.ID)
			if format == "csv" {
				return demWriteCSV(q.w, name+".csv", t)
			}
			return demWriteXLSX(q.w, name+".xlsx", t, sc.threshold)
		}
	}
	return status.Error(codes.NotFound, "no such table")
}

// demRecords is a table as rows of text: the header, then each row. A
// number is written plainly (1204, 4120.5); a withheld one as [c].
func demRecords(t view.DemandTable) [][]string {
	out := [][]string{t.Head}
	for _, r := range t.Rows {
		rec := []string{r.Head}
		for _, c := range r.Cells {
			rec = append(rec, demPlain(c))
		}
		out = append(out, rec)
	}
	return out
}

func demPlain(c view.DemandCell) string {
	switch {
	case c.Suppressed:
		return "[c]"
	case c.IsNumber:
		return strconv.FormatFloat(c.Number, 'f', -1, 64)
	}
	return c.Text
}

// demWriteCSV writes the table as CSV; text that a spreadsheet would take
// for a formula is made inert (numbers, even negative, stay numbers).
func demWriteCSV(w http.ResponseWriter, file string, t view.DemandTable) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	cw := csv.NewWriter(w)
	for i, rec := range demRecords(t) {
		for j := range rec {
			if i == 0 || j == 0 || !t.Rows[i-1].Cells[j-1].IsNumber {
				rec[j] = csvInert(rec[j])
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// demWriteXLSX writes the table as a workbook: its caption, the header,
// the rows (figures as numbers, withheld ones as [c]) and, when a figure
// is withheld, the note saying why.
func demWriteXLSX(w http.ResponseWriter, file string, t view.DemandTable, threshold uint32) error {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Table"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	rows := [][]any{{t.Caption}, {}}
	head := make([]any, len(t.Head))
	for i, h := range t.Head {
		head[i] = h
	}
	rows = append(rows, head)
	for _, r := range t.Rows {
		row := []any{r.Head}
		for _, c := range r.Cells {
			if c.IsNumber && !c.Suppressed {
				row = append(row, c.Number)
			} else {
				row = append(row, demPlain(c))
			}
		}
		rows = append(rows, row)
	}
	if t.Suppressed() {
		rows = append(rows, []any{}, []any{"[c] " + view.DemandNote(threshold)})
	}
	for i, row := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return err
		}
	}
	if err := f.SetColWidth(sheet, "A", "A", 40); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+file+`"`)
	return f.Write(w)
}

// demStatement is the consortium's market position statement as a page:
// the service's own document (Markdown), its tables shown as the other
// dashboards show theirs (codes in words, withheld figures as [c]).
func (s *Server) demStatement(q *rq, sc *demScope, charts bool) (*view.DemandView, error) {
	doc, err := s.demand.GetMarketPositionStatement(q.ctx, &demandv1.GetMarketPositionStatementRequest{Consortium: sc.consortium,
		Format: demandv1.DocumentFormat_DOCUMENT_FORMAT_MARKDOWN, MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	v := demParseStatement(string(doc.GetContent()))
	v.Downloads = []view.DemandLink{
		{Href: "/demand/statement/document?format=html&consortium=" + sc.consortium, Text: "Download the market position statement (web page, HTML)"},
		{Href: "/demand/statement/document?format=md&consortium=" + sc.consortium, Text: "Download the market position statement (plain text, Markdown)"},
	}
	return v, nil
}

var (
	demISODate = regexp.MustCompile(`\b[0-9]{4}-[0-9]{2}-[0-9]{2}\b`)
	demNumeric = regexp.MustCompile(`^-?£?[0-9][0-9,]*(\.[0-9]+)?$`)
)

// demParseStatement reads the statement's Markdown (a title, paragraphs,
// "## " sections each with a table and a note) into a dashboard view.
func demParseStatement(md string) *view.DemandView {
	v := &view.DemandView{}
	var b *view.DemandBlock
	var t *view.DemandTable
	flush := func() {
		if b != nil {
			v.Blocks = append(v.Blocks, *b)
		}
		b, t = nil, nil
	}
	for _, line := range strings.Split(md, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "# "):
		case strings.HasPrefix(line, "## "):
			flush()
			n := len(v.Blocks) + 1
			b = &view.DemandBlock{ID: fmt.Sprintf("dem-statement-%d", n), Heading: demStatementText(strings.TrimPrefix(line, "## "))}
		case strings.HasPrefix(line, "|"):
			if b == nil {
				continue
			}
			cells := strings.Split(strings.Trim(line, "|"), "|")
			for i := range cells {
				cells[i] = strings.TrimSpace(cells[i])
			}
			if strings.HasPrefix(cells[0], "---") {
				continue
			}
			if t == nil {
				b.Tables = append(b.Tables, view.DemandTable{ID: fmt.Sprintf("statement-%d", len(v.Blocks)+1), Caption: b.Heading})
				t = &b.Tables[len(b.Tables)-1]
				for _, c := range cells {
					t.Head = append(t.Head, demStatementWord(c))
				}
				continue
			}
			row := view.DemandRow{Head: demStatementWord(cells[0]), Total: cells[0] == "total"}
			for _, c := range cells[1:] {
				row.Cells = append(row.Cells, demStatementCell(c))
			}
			t.Rows = append(t.Rows, row)
		default:
			text := demStatementText(line)
			if b == nil {
				v.Intro = append(v.Intro, text)
			} else {
				b.Lead = append(b.Lead, text)
			}
		}
	}
	flush()
	return v
}

// demStatementText is a line of the statement with dates and dimension
// names in words.
func demStatementText(s string) string {
	s = demISODate.ReplaceAllStringFunc(s, view.Date)
	for _, d := range demDimensions {
		if strings.Contains(d.key, "_") { // "need" and "area" are words already
			s = strings.ReplaceAll(s, d.key, strings.ToLower(d.name))
		}
	}
	if strings.Contains(s, "suppressed") {
		s = strings.ReplaceAll(s, "are suppressed", "are withheld and shown as [c]")
	}
	return s
}

func demStatementWord(s string) string {
	if w, ok := demCodeWords(s); ok {
		return w
	}
	return capitalise(demStatementText(s))
}

func demStatementCell(s string) view.DemandCell {
	switch {
	case s == "suppressed":
		return view.DemandCell{Suppressed: true, Text: "[c]"}
	case demNumeric.MatchString(s):
		n, err := strconv.ParseFloat(strings.NewReplacer("£", "", ",", "").Replace(s), 64)
		if err == nil {
			return view.DemandCell{Text: s, Number: n, IsNumber: true}
		}
	}
	if w, ok := demCodeWords(s); ok {
		return demText(w)
	}
	return demText(demStatementText(s))
}

// demStatementDocument downloads the statement as the service writes it.
func (s *Server) demStatementDocument(q *rq) error {
	format := demandv1.DocumentFormat_DOCUMENT_FORMAT_MARKDOWN
	if q.r.URL.Query().Get("format") == "html" {
		format = demandv1.DocumentFormat_DOCUMENT_FORMAT_HTML
	}
	sc, err := s.demScopeOf(q)
	if err != nil {
		return err
	}
	if sc.consortium == "" {
		return status.Error(codes.NotFound, "no consortium")
	}
	doc, err := s.demand.GetMarketPositionStatement(q.ctx, &demandv1.GetMarketPositionStatementRequest{Consortium: sc.consortium, Format: format, MinPosition: q.at()})
	if err != nil {
		return err
	}
	q.w.Header().Set("Content-Type", doc.GetMediaType())
	q.w.Header().Set("Content-Disposition", `attachment; filename="`+csvFileName(doc.GetFileName())+`"`)
	_, err = q.w.Write(doc.GetContent())
	return err
}
