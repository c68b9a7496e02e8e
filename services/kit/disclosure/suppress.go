package disclosure

import "fmt"

// reasonKind is why an entry is suppressed.
type reasonKind int

const (
	published      reasonKind = iota
	primary                   // 0 < n < threshold
	othersShare               // 0 < n - own < threshold, for a viewer with own data
	secondary1D               // protects a cell of the one-way table of dim
	secondaryLine             // protects a cell of the line of value `value` of dim
	secondaryTable            // protects a cell of the two-way table dim × other
	secondaryTotal            // protects the total
)

type why struct {
	kind       reasonKind
	dim, other int
	value      int
}

// entry is one aggregate figure while it is being protected.
type entry struct {
	n, own int
	sup    bool
	why    why
}

func (e *entry) add(n, own int) {
	e.n += n
	e.own += own
}

// others is what the viewer does not know: the other councils' share.
func (e *entry) others() int { return e.n - e.own }

func (e *entry) suppress(w why) {
	e.sup = true
	e.why = w
}

func (e *entry) reset() {
	e.sup = false
	e.why = why{}
}

// primary suppresses e if it is below the threshold, or if the other councils'
// share is, for a viewer with own data.
func (p *Protected) primary(e *entry) {
	switch {
	case e.n > 0 && e.n < p.threshold:
		e.suppress(why{kind: primary})
	case p.viewer != "" && e.others() > 0 && e.others() < p.threshold:
		e.suppress(why{kind: othersShare})
	}
}

func (e *entry) cell(p *Protected) Cell {
	c := Cell{Count: e.n, Own: e.own, Suppressed: e.sup}
	if !e.sup {
		return c
	}
	c.Count = 0
	switch e.why.kind {
	case primary:
		c.Reason = fmt.Sprintf("primary: fewer than %d", p.threshold)
	case othersShare:
		c.Reason = fmt.Sprintf("others' share fewer than %d", p.threshold)
	case secondary1D:
		c.Reason = fmt.Sprintf("secondary: protects a suppressed cell in %s", p.dims[e.why.dim].Name)
	case secondaryLine:
		c.Reason = fmt.Sprintf("secondary: protects a suppressed cell in %s %s", p.dims[e.why.dim].Name, p.dims[e.why.dim].Values[e.why.value])
	case secondaryTable:
		c.Reason = fmt.Sprintf("secondary: protects a suppressed cell in the %s × %s table", p.dims[e.why.dim].Name, p.dims[e.why.other].Name)
	case secondaryTotal:
		c.Reason = "secondary: protects the suppressed total"
	}
	return c
}

// rank orders the candidates for secondary suppression: cells that hide some
// of the other councils' children first (for a viewer without own data every
// non-zero cell does), then cells whose crossing line can still be fixed, then
// the smallest share, the smallest count, and value order.
type rank struct {
	ownOnly  bool
	stranded bool
	others   int
	n        int
	index    int
}

func (a rank) less(b rank) bool {
	switch {
	case a.ownOnly != b.ownOnly:
		return !a.ownOnly
	case a.stranded != b.stranded:
		return !a.stranded
	case a.others != b.others:
		return a.others < b.others
	case a.n != b.n:
		return a.n < b.n
	}
	return a.index < b.index
}

// twoWay is the interior of the two-way table of dims a < b: cells[row of a][column of b].
type twoWay struct {
	a, b  int
	cells [][]entry
}

// protect runs the whole method: one-way tables, then every two-way table,
// repeated with more margins suppressed while a two-way line cannot be fixed
// without its margin.
func (p *Protected) protect() {
	forced := make([][]why, len(p.dims)) // margins a two-way table needs suppressed
	for d := range forced {
		forced[d] = make([]why, len(p.one[d]))
	}
	for {
		p.protect1D(forced)
		more := false
		for a := range p.dims {
			for b := a + 1; b < len(p.dims); b++ {
				for _, m := range p.protect2D(p.two[[2]int{a, b}]) {
					if forced[m.dim][m.value].kind == published {
						forced[m.dim][m.value] = m.why
						more = true
					}
				}
			}
		}
		if !more {
			p.audit()
			return
		}
	}
}

// protect1D protects every one-way table, with their shared total, from
// scratch: primary and forced suppressions, then lines of 0 or ≥ 2.
func (p *Protected) protect1D(forced [][]why) {
	p.total.reset()
	for d := range p.one {
		for v := range p.one[d] {
			e := &p.one[d][v]
			e.reset()
			if forced[d][v].kind != published {
				e.suppress(forced[d][v])
			} else {
				p.primary(e)
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for d, line := range p.one {
			count := 0
			if p.total.sup {
				count++
			}
			for v := range line {
				if line[v].sup {
					count++
				}
			}
			if count != 1 {
				continue
			}
			best, bestRank := -1, rank{}
			for v := range line {
				e := &line[v]
				if e.sup || e.n == 0 {
					continue
				}
				r := rank{ownOnly: e.others() == 0, others: e.others(), n: e.n, index: v}
				if best < 0 || r.less(bestRank) {
					best, bestRank = v, r
				}
			}
			switch {
			case best >= 0:
				line[best].suppress(why{kind: secondary1D, dim: d})
			case !p.total.sup:
				p.total.suppress(why{kind: secondary1D, dim: d})
			default:
				continue // a suppressed total of zero: cannot happen
			}
			changed = true
		}
	}
}

// margin names a one-way cell that a two-way table needs suppressed.
type margin struct {
	dim, value int
	why        why
}

// protect2D protects the interior of t from scratch, given the margin
// decisions, and returns the margins of the lines it could not fix.
func (p *Protected) protect2D(t *twoWay) []margin {
	rowsM, colsM := p.one[t.a], p.one[t.b]
	for r := range t.cells {
		for c := range t.cells[r] {
			e := &t.cells[r][c]
			e.reset()
			p.primary(e)
		}
	}
	// A line is row i (isRow) or column i; k runs along it.
	at := func(isRow bool, i, k int) *entry {
		if isRow {
			return &t.cells[i][k]
		}
		return &t.cells[k][i]
	}
	length := func(isRow bool) int {
		if isRow {
			return len(colsM)
		}
		return len(rowsM)
	}
	marginOf := func(isRow bool, i int) *entry {
		if isRow {
			return &rowsM[i]
		}
		return &colsM[i]
	}
	count := func(isRow bool, i int) int {
		n := 0
		if marginOf(isRow, i).sup {
			n++
		}
		for k := 0; k < length(isRow); k++ {
			if at(isRow, i, k).sup {
				n++
			}
		}
		return n
	}
	// stranded: suppressing the cell (line i, position k) would leave its
	// crossing line with one suppressed entry and nothing else to suppress.
	stranded := func(isRow bool, i, k int) bool {
		if count(!isRow, k) != 0 {
			return false
		}
		for j := 0; j < length(!isRow); j++ {
			if e := at(!isRow, k, j); j != i && !e.sup && e.n > 0 {
				return false
			}
		}
		return true
	}
	stuck := map[margin]bool{}
	fix := func(isRow bool, i int) bool {
		if count(isRow, i) != 1 {
			return false
		}
		best, bestRank := -1, rank{}
		for k := 0; k < length(isRow); k++ {
			e := at(isRow, i, k)
			if e.sup || e.n == 0 {
				continue
			}
			r := rank{ownOnly: e.others() == 0, stranded: stranded(isRow, i, k), others: e.others(), n: e.n, index: k}
			if best < 0 || r.less(bestRank) {
				best, bestRank = k, r
			}
		}
		if best >= 0 {
			d := t.b
			if isRow {
				d = t.a
			}
			at(isRow, i, best).suppress(why{kind: secondaryLine, dim: d, value: i})
			return true
		}
		if m := marginOf(isRow, i); !m.sup {
			// The one suppressed cell equals the published margin.
			d := t.b
			if isRow {
				d = t.a
			}
			stuck[margin{dim: d, value: i, why: why{kind: secondaryTable, dim: t.a, other: t.b}}] = true
		}
		return false
	}
	for changed := true; changed; {
		changed = false
		for r := range rowsM {
			if fix(true, r) {
				changed = true
			}
		}
		for c := range colsM {
			if fix(false, c) {
				changed = true
			}
		}
	}
	out := make([]margin, 0, len(stuck))
	for r := range rowsM {
		if m := (margin{dim: t.a, value: r, why: why{kind: secondaryTable, dim: t.a, other: t.b}}); stuck[m] {
			out = append(out, m)
		}
	}
	for c := range colsM {
		if m := (margin{dim: t.b, value: c, why: why{kind: secondaryTable, dim: t.a, other: t.b}}); stuck[m] {
			out = append(out, m)
		}
	}
	return out
}
