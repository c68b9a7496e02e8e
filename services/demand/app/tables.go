package app

import (
	"slices"
	"strings"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
)

// record is one council's count for one combination of dimension values:
// what disclosure control works on.
type record struct {
	council string
	values  map[string]string
	count   int
	combo   int // a needs cell's combination: values is ReadModel.comboValues[combo]
}

// cellValue is a needs cell's value on a dimension.
func cellValue(c *demandv1.NeedsCell, dim string) string {
	switch dim {
	case "placement_group":
		return c.GetPlacementGroup()
	case "age_band":
		return c.GetAgeBand()
	case "need":
		return c.GetNeed()
	case "legal_status":
		return c.GetLegalStatus()
	case "area":
		return c.GetArea()
	case "distance_band":
		return c.GetDistanceBand()
	}
	return ""
}

// needsDimensionNames are the dimensions of a needs cell.
var needsDimensionNames = [6]string{"placement_group", "age_band", "need", "legal_status", "area", "distance_band"}

// ownTable is a council's own figures in full: no suppression.
func ownTable(records []record, dims []string, council string) *demandv1.Table {
	mine := make([]record, 0, len(records))
	for _, r := range records {
		if r.council == council {
			mine = append(mine, r)
		}
	}
	return plainTable(mine, dims)
}

// plainTable sums records into cells, margins (per value of the first
// dimension) and a total.
func plainTable(records []record, dims []string) *demandv1.Table {
	cells := map[string]*demandv1.TableCell{}
	margins := map[string]*demandv1.TableCell{}
	total := &demandv1.TableCell{}
	for _, r := range records {
		vals := make([]string, len(dims))
		for i, d := range dims {
			vals[i] = r.values[d]
		}
		k := strings.Join(vals, "\x00")
		c := cells[k]
		if c == nil {
			c = &demandv1.TableCell{Values: vals}
			cells[k] = c
		}
		c.Count += uint32(r.count)
		mg := margins[vals[0]]
		if mg == nil {
			mg = &demandv1.TableCell{Values: vals[:1]}
			margins[vals[0]] = mg
		}
		mg.Count += uint32(r.count)
		total.Count += uint32(r.count)
	}
	t := &demandv1.Table{Dimensions: dims, Total: total}
	for _, c := range cells {
		t.Cells = append(t.Cells, c)
	}
	if len(dims) > 1 {
		for _, c := range margins {
			t.Margins = append(t.Margins, c)
		}
	}
	sortCells(t.Cells)
	sortCells(t.Margins)
	return t
}

func sortCells(cs []*demandv1.TableCell) {
	slices.SortFunc(cs, func(a, b *demandv1.TableCell) int { return slices.Compare(a.GetValues(), b.GetValues()) })
}

// filterTable keeps the cells whose values pass filters (dimension → value).
// Filters select; they never change what is suppressed.
func filterTable(t *demandv1.Table, filters map[string]string) *demandv1.Table {
	if len(filters) == 0 || t == nil {
		return t
	}
	keep := func(c *demandv1.TableCell) bool {
		for i, d := range t.GetDimensions() {
			if f, ok := filters[d]; ok && i < len(c.GetValues()) && c.GetValues()[i] != f {
				return false
			}
		}
		return true
	}
	out := &demandv1.Table{Dimensions: t.GetDimensions(), Total: t.GetTotal()}
	for _, c := range t.GetCells() {
		if keep(c) {
			out.Cells = append(out.Cells, c)
		}
	}
	for _, c := range t.GetMargins() {
		if keep(c) {
			out.Margins = append(out.Margins, c)
		}
	}
	return out
}
