package app

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"strings"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// statement is the market position statement's content: the consortium's
// published summary of what it needs from the market, generated from the
// same protected tables the queries answer.
type statement struct {
	Consortium string
	AsAt       string
	Councils   uint32
	Threshold  int
	Intro      []string
	Sheets     []sheet
	Method     string
}

// GetMarketPositionStatement generates the statement as Markdown or HTML.
// It holds only aggregates protected as for a reader with no figures of its
// own, so the same document may go to providers.
func (s *Service) GetMarketPositionStatement(ctx context.Context, p auth.Principal, consortium string, format demandv1.DocumentFormat, minPosition uint64) (*demandv1.Document, error) {
	var st statement
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		c, _, err := m.reader(p, consortium, true)
		if err != nil {
			return err
		}
		st, err = m.statement(c)
		return err
	})
	if err != nil {
		return nil, err
	}
	base := consortium + "-market-position-statement"
	if format == demandv1.DocumentFormat_DOCUMENT_FORMAT_HTML {
		var buf bytes.Buffer
		if err := statementHTML.Execute(&buf, st); err != nil {
			return nil, err
		}
		return &demandv1.Document{FileName: base + ".html", MediaType: "text/html; charset=utf-8", Content: buf.Bytes(), Position: pos}, nil
	}
	return &demandv1.Document{FileName: base + ".md", MediaType: "text/markdown; charset=utf-8", Content: []byte(st.markdown()), Position: pos}, nil
}

// statement gathers the content. Call with the lock held.
func (m *ReadModel) statement(c *consortiumRM) (statement, error) {
	threshold, _ := m.policy(c.slug)
	byGroup, err := m.demandTable(c, "", "", []string{"placement_group"}, nil)
	if err != nil {
		return statement{}, err
	}
	byAge, err := m.demandTable(c, "", "", []string{"age_band"}, nil)
	if err != nil {
		return statement{}, err
	}
	rows, err := m.sufficiency(c, "", threshold)
	if err != nil {
		return statement{}, err
	}
	o := &demandv1.OutOfArea{}
	if err := m.outOfArea(c, "", "", o); err != nil {
		return statement{}, err
	}
	st := statement{Consortium: c.slug, AsAt: byGroup.GetAsAt(), Councils: byGroup.GetCouncils(), Threshold: threshold}
	st.Intro = []string{
		fmt.Sprintf("This statement sets out what the %d member councils of the %s consortium need from providers of children's homes, fostering, supported accommodation and SEND schools, from their pooled needs returns and the placements sought and made through the consortium's dynamic purchasing system.", len(c.members), c.slug),
		"Every figure is an aggregate across councils. Small numbers are suppressed so that no child can be identified, and no single provider's or placement's price is shown.",
	}
	st.Sheets = append(st.Sheets, demandSheet(byGroup), demandSheet(byAge))
	st.Sheets = append(st.Sheets, sufficiencySheet(&demandv1.Sufficiency{Rows: rows}))
	st.Sheets = append(st.Sheets, pricesSheet(&demandv1.PriceBenchmarks{Rows: m.prices(c)}))
	st.Sheets = append(st.Sheets, outOfAreaSheet(o))
	if f, err := m.forecast(c, 3); err == nil && len(f.GetYears()) > 0 {
		st.Sheets = append(st.Sheets, forecastSheet(f))
		st.Method = f.GetMethod()
	}
	return st, nil
}

func (st statement) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Market position statement: %s consortium\n\n", st.Consortium)
	if st.AsAt != "" {
		fmt.Fprintf(&b, "Needs data as at %s from %d councils. Cells counting fewer than %d children are suppressed.\n\n", st.AsAt, st.Councils, st.Threshold)
	}
	for _, p := range st.Intro {
		b.WriteString(p + "\n\n")
	}
	for _, sh := range st.Sheets {
		fmt.Fprintf(&b, "## %s\n\n", sh.Title)
		if len(sh.Rows) == 0 {
			b.WriteString("No figures yet.\n\n")
			continue
		}
		b.WriteString("| " + strings.Join(sh.Header, " | ") + " |\n")
		b.WriteString("|" + strings.Repeat(" --- |", len(sh.Header)) + "\n")
		for _, r := range sh.Rows {
			b.WriteString("| " + strings.Join(r, " | ") + " |\n")
		}
		b.WriteString("\n")
		if sh.Note != "" {
			b.WriteString(sh.Note + "\n\n")
		}
	}
	return b.String()
}

var statementHTML = template.Must(template.New("mps").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Market position statement: {{.Consortium}} consortium</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto;line-height:1.4}table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #bbb;padding:.3rem .6rem;text-align:left}caption{font-weight:bold;text-align:left}</style>
</head><body>
<h1>Market position statement: {{.Consortium}} consortium</h1>
{{if .AsAt}}<p>Needs data as at {{.AsAt}} from {{.Councils}} councils. Cells counting fewer than {{.Threshold}} children are suppressed.</p>{{end}}
{{range .Intro}}<p>{{.}}</p>{{end}}
{{range .Sheets}}<h2>{{.Title}}</h2>
{{if .Rows}}<table><thead><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr></thead><tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody></table>{{else}}<p>No figures yet.</p>{{end}}
{{if .Note}}<p>{{.Note}}</p>{{end}}
{{end}}</body></html>
`))
