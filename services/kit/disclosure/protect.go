package disclosure

import (
	"fmt"
	"sort"
)

// DefaultThreshold is the smallest count of children published when a
// consortium sets no threshold of its own.
const DefaultThreshold = 5

// Record is one council's count of children with one combination of dimension
// values, as at the snapshot's date.
type Record struct {
	Council string
	Values  map[string]string // dimension name → value
	Count   int
}

// Dimension is a dimension a snapshot can be grouped by, with its values in
// display order (the order also breaks ties in secondary suppression). Pass
// the code list, so that a value with no children shows as a published zero;
// nil Values means the sorted values found in the records.
type Dimension struct {
	Name   string
	Values []string
}

// Cell is one published figure.
type Cell struct {
	// Count is the number of children, 0 when Suppressed, so a suppressed
	// count never leaks.
	Count int
	// Suppressed is set when Count must not be shown.
	Suppressed bool
	// Own is the viewer's own contribution, in full (0 for a viewer with no
	// own data).
	Own int
	// Reason says why a cell is suppressed, e.g. "primary: fewer than 5",
	// "others' share fewer than 5", "secondary: protects a suppressed cell in
	// row X". It is for decision logs and auditors, not for the viewer: it
	// tells primary from secondary suppression, which narrows the value.
	Reason string
}

// Table1D is the one-way table of one dimension.
type Table1D struct {
	Dim    string
	Values []string // the values shown, in dimension order
	Cells  []Cell   // one per value in Values
	Total  Cell     // over ALL values of the dimension, whatever was selected
}

// Table2D is the two-way table of two dimensions: rows by the values of Row,
// columns by the values of Col.
type Table2D struct {
	Row, Col   string
	RowValues  []string
	ColValues  []string
	Cells      [][]Cell // [row][column]
	RowMargins []Cell   // the one-way cells of Row, one per row shown
	ColMargins []Cell   // the one-way cells of Col, one per column shown
	Total      Cell
}

// Protected holds every one- and two-way table of a snapshot protected for one
// viewer. It is immutable and safe for concurrent reads.
type Protected struct {
	threshold int
	viewer    string
	dims      []Dimension
	byName    map[string]int
	valIndex  []map[string]int
	one       [][]entry // [dim][value]
	total     entry
	two       map[[2]int]*twoWay // key {a, b} with a < b
}

// Threshold is the threshold the tables were protected with.
func (p *Protected) Threshold() int { return p.threshold }

// Viewer is the council the tables were protected for ("" for none).
func (p *Protected) Viewer() string { return p.viewer }

// Protect aggregates the records of one snapshot and protects every one-way
// and two-way table over dims for viewer, the caller's council ("" for a
// consortium lead or the platform). threshold 0 means DefaultThreshold. It
// fails on an invalid dimension list, a negative threshold or count, or a
// record without a known value for every dimension.
func Protect(records []Record, dims []Dimension, threshold int, viewer string) (*Protected, error) {
	if threshold < 0 {
		return nil, fmt.Errorf("disclosure: negative threshold %d", threshold)
	}
	if threshold == 0 {
		threshold = DefaultThreshold
	}
	if len(dims) == 0 {
		return nil, fmt.Errorf("disclosure: no dimensions")
	}
	p := &Protected{
		threshold: threshold,
		viewer:    viewer,
		byName:    make(map[string]int, len(dims)),
		two:       make(map[[2]int]*twoWay),
	}
	for _, d := range dims {
		if d.Name == "" {
			return nil, fmt.Errorf("disclosure: dimension without a name")
		}
		if _, dup := p.byName[d.Name]; dup {
			return nil, fmt.Errorf("disclosure: dimension %q twice", d.Name)
		}
		values := d.Values
		if values == nil {
			seen := map[string]bool{}
			for _, r := range records {
				if v, ok := r.Values[d.Name]; ok && !seen[v] {
					seen[v] = true
					values = append(values, v)
				}
			}
			sort.Strings(values)
		}
		idx := make(map[string]int, len(values))
		for i, v := range values {
			if _, dup := idx[v]; dup {
				return nil, fmt.Errorf("disclosure: dimension %q has value %q twice", d.Name, v)
			}
			idx[v] = i
		}
		p.byName[d.Name] = len(p.dims)
		p.dims = append(p.dims, Dimension{Name: d.Name, Values: append([]string(nil), values...)})
		p.valIndex = append(p.valIndex, idx)
		p.one = append(p.one, make([]entry, len(values)))
	}
	for a := range p.dims {
		for b := a + 1; b < len(p.dims); b++ {
			t := &twoWay{a: a, b: b, cells: make([][]entry, len(p.dims[a].Values))}
			for r := range t.cells {
				t.cells[r] = make([]entry, len(p.dims[b].Values))
			}
			p.two[[2]int{a, b}] = t
		}
	}

	pairs := make([][]*twoWay, len(p.dims))
	for a := range p.dims {
		pairs[a] = make([]*twoWay, len(p.dims))
		for b := a + 1; b < len(p.dims); b++ {
			pairs[a][b] = p.two[[2]int{a, b}]
		}
	}
	vi := make([]int, len(p.dims))
	for _, r := range records {
		if r.Count < 0 {
			return nil, fmt.Errorf("disclosure: council %q has a negative count %d", r.Council, r.Count)
		}
		for d, dim := range p.dims {
			v, ok := r.Values[dim.Name]
			if !ok {
				return nil, fmt.Errorf("disclosure: a record of council %q has no %q", r.Council, dim.Name)
			}
			i, ok := p.valIndex[d][v]
			if !ok {
				return nil, fmt.Errorf("disclosure: %q is not a value of %q", v, dim.Name)
			}
			vi[d] = i
		}
		own := 0
		if viewer != "" && r.Council == viewer {
			own = r.Count
		}
		p.total.add(r.Count, own)
		for d := range p.dims {
			p.one[d][vi[d]].add(r.Count, own)
			for e := d + 1; e < len(p.dims); e++ {
				pairs[d][e].cells[vi[d]][vi[e]].add(r.Count, own)
			}
		}
	}
	p.protect()
	return p, nil
}

// Table1D returns the protected one-way table of dim, its cells limited to the
// values in keep (all values when keep is empty).
func (p *Protected) Table1D(dim string, keep ...string) (Table1D, error) {
	d, ok := p.byName[dim]
	if !ok {
		return Table1D{}, fmt.Errorf("disclosure: unknown dimension %q", dim)
	}
	sel, err := p.selectValues(d, keep)
	if err != nil {
		return Table1D{}, err
	}
	t := Table1D{Dim: dim, Total: p.total.cell(p)}
	for _, i := range sel {
		t.Values = append(t.Values, p.dims[d].Values[i])
		t.Cells = append(t.Cells, p.one[d][i].cell(p))
	}
	return t, nil
}

// Table2D returns the protected two-way table of rowDim by colDim, limited to
// the rows in keepRows and the columns in keepCols (all when empty). The same
// pair asked either way round gives the same figures, transposed.
func (p *Protected) Table2D(rowDim, colDim string, keepRows, keepCols []string) (Table2D, error) {
	a, ok := p.byName[rowDim]
	if !ok {
		return Table2D{}, fmt.Errorf("disclosure: unknown dimension %q", rowDim)
	}
	b, ok := p.byName[colDim]
	if !ok {
		return Table2D{}, fmt.Errorf("disclosure: unknown dimension %q", colDim)
	}
	if a == b {
		return Table2D{}, fmt.Errorf("disclosure: %q by itself is not a two-way table", rowDim)
	}
	rows, err := p.selectValues(a, keepRows)
	if err != nil {
		return Table2D{}, err
	}
	cols, err := p.selectValues(b, keepCols)
	if err != nil {
		return Table2D{}, err
	}
	var at func(r, c int) *entry
	if a < b {
		t := p.two[[2]int{a, b}]
		at = func(r, c int) *entry { return &t.cells[r][c] }
	} else {
		t := p.two[[2]int{b, a}]
		at = func(r, c int) *entry { return &t.cells[c][r] }
	}
	out := Table2D{Row: rowDim, Col: colDim, Total: p.total.cell(p)}
	for _, r := range rows {
		out.RowValues = append(out.RowValues, p.dims[a].Values[r])
		out.RowMargins = append(out.RowMargins, p.one[a][r].cell(p))
		line := make([]Cell, 0, len(cols))
		for _, c := range cols {
			e := at(r, c)
			cell := e.cell(p)
			if e.why.kind == secondaryLine {
				// Name the line as this orientation shows it.
				where := "row"
				if e.why.dim != a {
					where = "column"
				}
				cell.Reason = fmt.Sprintf("secondary: protects a suppressed cell in %s %s", where, p.dims[e.why.dim].Values[e.why.value])
			}
			line = append(line, cell)
		}
		out.Cells = append(out.Cells, line)
	}
	for _, c := range cols {
		out.ColValues = append(out.ColValues, p.dims[b].Values[c])
		out.ColMargins = append(out.ColMargins, p.one[b][c].cell(p))
	}
	return out, nil
}

// selectValues returns the indexes of keep in dimension order, or all of them.
func (p *Protected) selectValues(d int, keep []string) ([]int, error) {
	n := len(p.dims[d].Values)
	if len(keep) == 0 {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	want := make([]bool, n)
	for _, v := range keep {
		i, ok := p.valIndex[d][v]
		if !ok {
			return nil, fmt.Errorf("disclosure: %q is not a value of %q", v, p.dims[d].Name)
		}
		want[i] = true
	}
	var sel []int
	for i, w := range want {
		if w {
			sel = append(sel, i)
		}
	}
	return sel, nil
}
