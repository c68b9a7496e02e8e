package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"

	"github.com/xuri/excelize/v2"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ExportTable returns one of the tables as CSV or XLSX, exactly as the
// queries publish it (suppressed cells say so).
func (s *Service) ExportTable(ctx context.Context, p auth.Principal, consortium, table string, dimensions []string, format demandv1.DocumentFormat, minPosition uint64) (*demandv1.Document, error) {
	var sh sheet
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		c, viewer, err := m.reader(p, consortium, false)
		if err != nil {
			return err
		}
		sh, err = m.sheet(c, viewer, table, dimensions)
		return err
	})
	if err != nil {
		return nil, err
	}
	doc, err := render(sh, format, consortium)
	if err != nil {
		return nil, err
	}
	doc.Position = pos
	return doc, nil
}

// sheet builds a named table. Call with the lock held.
func (m *ReadModel) sheet(c *consortiumRM, viewer, table string, dims []string) (sheet, error) {
	switch table {
	case "demand":
		if len(dims) == 0 {
			dims = []string{"placement_group", "age_band"}
		}
		t, err := m.demandTable(c, viewer, "", dims, nil)
		if err != nil {
			return sheet{}, err
		}
		return demandSheet(t), nil
	case "sufficiency":
		threshold, _ := m.policy(c.slug)
		rows, err := m.sufficiency(c, viewer, threshold)
		if err != nil {
			return sheet{}, err
		}
		return sufficiencySheet(&demandv1.Sufficiency{Consortium: c.slug, Rows: rows}), nil
	case "prices":
		return pricesSheet(&demandv1.PriceBenchmarks{Consortium: c.slug, Rows: m.prices(c)}), nil
	case "out-of-area":
		o := &demandv1.OutOfArea{Consortium: c.slug}
		if err := m.outOfArea(c, viewer, "", o); err != nil {
			return sheet{}, err
		}
		return outOfAreaSheet(o), nil
	case "forecast":
		f, err := m.forecast(c, 3)
		if err != nil {
			return sheet{}, err
		}
		return forecastSheet(f), nil
	}
	return sheet{}, fmt.Errorf("no table %q", table)
}

func render(sh sheet, format demandv1.DocumentFormat, consortium string) (*demandv1.Document, error) {
	base := consortium + "-" + sh.Name
	switch format {
	case demandv1.DocumentFormat_DOCUMENT_FORMAT_XLSX:
		b, err := xlsx([]sheet{sh})
		if err != nil {
			return nil, err
		}
		return &demandv1.Document{FileName: base + ".xlsx", MediaType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Content: b}, nil
	default:
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		_ = w.Write(sh.Header)
		_ = w.WriteAll(sh.Rows)
		return &demandv1.Document{FileName: base + ".csv", MediaType: "text/csv", Content: buf.Bytes()}, w.Error()
	}
}

// xlsx writes each sheet as a worksheet: title, header, rows, note.
func xlsx(sheets []sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	for i, sh := range sheets {
		name := sh.Name
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return nil, err
		}
		rows := [][]string{{sh.Title}, sh.Header}
		rows = append(rows, sh.Rows...)
		if sh.Note != "" {
			rows = append(rows, []string{}, []string{sh.Note})
		}
		for r, row := range rows {
			vals := make([]any, len(row))
			for j, v := range row {
				vals[j] = v
			}
			cell, err := excelize.CoordinatesToCellName(1, r+1)
			if err != nil {
				return nil, err
			}
			if err := f.SetSheetRow(name, cell, &vals); err != nil {
				return nil, err
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
