package disclosure

import "math/bits"

// The audit is step 4 of the method (see the package documentation). It
// works in the other councils' share n − own, which is what a viewer could
// learn (for a viewer without own data, n): a suppressed figure made only of
// the viewer's own children counts as known to it, and only a figure holding
// some of the other councils' children is chosen to protect another.
// Suppressing every such figure would leave a homogeneous system, in which no
// figure is determined, so the repair always ends.
//
// Arithmetic is modulo the Mersenne prime 2⁶¹ − 1: exact, unless a minor of
// the 0/±1 equation matrix is a multiple of that prime.

const mersenne61 = 1<<61 - 1

func mulMod(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	r := (lo & mersenne61) + (lo >> 61) + (hi << 3)
	r = (r & mersenne61) + (r >> 61)
	if r >= mersenne61 {
		r -= mersenne61
	}
	return r
}

func addMod(a, b uint64) uint64 {
	r := a + b
	if r >= mersenne61 {
		r -= mersenne61
	}
	return r
}

func subMod(a, b uint64) uint64 {
	if a >= b {
		return a - b
	}
	return a + mersenne61 - b
}

func invMod(a uint64) uint64 {
	r, e := uint64(1), uint64(mersenne61-2)
	for e > 0 {
		if e&1 == 1 {
			r = mulMod(r, a)
		}
		a = mulMod(a, a)
		e >>= 1
	}
	return r
}

func coefMod(c int) uint64 {
	if c < 0 {
		return mersenne61 - 1
	}
	return 1
}

// figureKind orders the figures a repair may suppress: interior cells first,
// margins next, the total last.
type figureKind int

const (
	interiorFigure figureKind = iota
	marginFigure
	totalFigure
)

type figure struct {
	e    *entry
	kind figureKind
	a, b int // the dimension of a margin; the two dimensions of an interior cell
}

type linearEq struct {
	vars []int
	coef []int
}

// linearSystem lists every figure the viewer is shown and every equation
// between them.
func (p *Protected) linearSystem() ([]figure, []linearEq) {
	figs := []figure{{e: &p.total, kind: totalFigure}}
	one := make([][]int, len(p.dims)) // [dim][value] → figure
	for d := range p.dims {
		for v := range p.one[d] {
			one[d] = append(one[d], len(figs))
			figs = append(figs, figure{e: &p.one[d][v], kind: marginFigure, a: d})
		}
	}
	var eqs []linearEq
	for d := range p.dims {
		e := linearEq{}
		for v := range p.one[d] {
			e.vars = append(e.vars, one[d][v])
			e.coef = append(e.coef, 1)
		}
		e.vars = append(e.vars, 0)
		e.coef = append(e.coef, -1)
		eqs = append(eqs, e)
	}
	for a := range p.dims {
		for b := a + 1; b < len(p.dims); b++ {
			t := p.two[[2]int{a, b}]
			first := len(figs)
			for r := range t.cells {
				for c := range t.cells[r] {
					figs = append(figs, figure{e: &t.cells[r][c], kind: interiorFigure, a: a, b: b})
				}
			}
			cols := len(p.one[b])
			for r := range t.cells {
				e := linearEq{}
				for c := range t.cells[r] {
					e.vars = append(e.vars, first+r*cols+c)
					e.coef = append(e.coef, 1)
				}
				e.vars = append(e.vars, one[a][r])
				e.coef = append(e.coef, -1)
				eqs = append(eqs, e)
			}
			for c := 0; c < cols; c++ {
				e := linearEq{}
				for r := range t.cells {
					e.vars = append(e.vars, first+r*cols+c)
					e.coef = append(e.coef, 1)
				}
				e.vars = append(e.vars, one[b][c])
				e.coef = append(e.coef, -1)
				eqs = append(eqs, e)
			}
		}
	}
	return figs, eqs
}

// audit repairs the tables until no suppressed figure is determined.
func (p *Protected) audit() {
	figs, eqs := p.linearSystem()
	occ := make([][]int, len(figs)) // figure → equations it is in
	for i, e := range eqs {
		for _, v := range e.vars {
			occ[v] = append(occ[v], i)
		}
	}
	for {
		f, g, ok := auditOnce(figs, eqs, occ)
		if !ok {
			return
		}
		if g < 0 {
			// Unreachable: some published figure always frees f. Fall back
			// to what is always safe.
			for i := range figs {
				if e := figs[i].e; !e.sup && e.others() > 0 {
					e.suppress(p.protecting(figs[f]))
				}
			}
			return
		}
		figs[g].e.suppress(p.protecting(figs[f]))
	}
}

// protecting is the reason of a figure suppressed to protect f.
func (p *Protected) protecting(f figure) why {
	switch f.kind {
	case interiorFigure:
		return why{kind: secondaryTable, dim: f.a, other: f.b}
	case marginFigure:
		return why{kind: secondary1D, dim: f.a}
	}
	return why{kind: secondaryTotal}
}

// component is a group of unknown figures linked by equations, eliminated
// together.
type component struct {
	eqs      []int // equations, in order
	local    map[int]int
	vars     []int
	leftNull [][]uint64 // combinations of eqs that cancel every unknown
	attack   map[int][]uint64
}

// auditOnce finds the first determined figure f and the figure g to suppress
// for it (g < 0 when none); ok is false when no figure is determined.
func auditOnce(figs []figure, eqs []linearEq, occ [][]int) (f, g int, ok bool) {
	unknown := func(v int) bool { e := figs[v].e; return e.sup && e.others() > 0 }
	parent := make([]int, len(figs))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for _, e := range eqs {
		first := -1
		for _, v := range e.vars {
			if !unknown(v) {
				continue
			}
			if first < 0 {
				first = v
			} else if ra, rb := find(first), find(v); ra != rb {
				parent[rb] = ra
			}
		}
	}
	eqComp := make([]int, len(eqs)) // component index, or -1 for an equation of known figures only
	byRoot := map[int]int{}
	var comps []*component
	for i, e := range eqs {
		eqComp[i] = -1
		for _, v := range e.vars {
			if !unknown(v) {
				continue
			}
			r := find(v)
			ci, seen := byRoot[r]
			if !seen {
				ci = len(comps)
				byRoot[r] = ci
				comps = append(comps, &component{local: map[int]int{}, attack: map[int][]uint64{}})
			}
			eqComp[i] = ci
			comps[ci].local[i] = len(comps[ci].eqs)
			comps[ci].eqs = append(comps[ci].eqs, i)
			break
		}
	}
	for v := range figs {
		if unknown(v) {
			c := comps[byRoot[find(v)]]
			c.vars = append(c.vars, v)
		}
	}
	f = -1
	for _, c := range comps {
		eliminate(c, eqs)
		for v := range c.attack {
			if f < 0 || v < f {
				f = v
			}
		}
	}
	if f < 0 {
		return 0, 0, false
	}
	fc := comps[byRoot[find(f)]]
	y := fc.attack[f]

	// The figure to suppress must appear in f's attack (so that f gets a
	// free partner), and must not itself be left determined: it may not be
	// in an equation of known figures only, nor in any combination of
	// equations that cancels every unknown.
	g = -1
	var best candidate
	fallback, fallbackBest := -1, candidate{}
	for v := range figs {
		e := figs[v].e
		if e.sup || e.others() == 0 {
			continue
		}
		free := uint64(0)
		valid := true
		for _, ei := range occ[v] {
			ci := eqComp[ei]
			if ci < 0 {
				valid = false
				continue
			}
			if comps[ci] == fc {
				free = addMod(free, mulMod(y[fc.local[ei]], coefMod(coefOf(eqs[ei], v))))
			}
		}
		if free == 0 {
			continue
		}
		if valid {
			valid = cancelsNoDependency(v, occ[v], eqs, eqComp, comps)
		}
		r := candidate{kind: figs[v].kind, others: e.others(), n: e.n, index: v}
		if valid && (g < 0 || r.less(best)) {
			g, best = v, r
		}
		if fallback < 0 || r.less(fallbackBest) {
			fallback, fallbackBest = v, r
		}
	}
	if g < 0 {
		g = fallback
	}
	return f, g, true
}

type candidate struct {
	kind   figureKind
	others int
	n      int
	index  int
}

func (a candidate) less(b candidate) bool {
	switch {
	case a.kind != b.kind:
		return a.kind < b.kind
	case a.others != b.others:
		return a.others < b.others
	case a.n != b.n:
		return a.n < b.n
	}
	return a.index < b.index
}

func coefOf(e linearEq, v int) int {
	for k, x := range e.vars {
		if x == v {
			return e.coef[k]
		}
	}
	return 0
}

// cancelsNoDependency reports whether figure v, made unknown, would stay
// undetermined: no combination of equations that cancels every current
// unknown has a non-zero coefficient on v.
func cancelsNoDependency(v int, eqsOfV []int, eqs []linearEq, eqComp []int, comps []*component) bool {
	touched := map[int]bool{}
	for _, ei := range eqsOfV {
		touched[eqComp[ei]] = true
	}
	for ci := range touched {
		c := comps[ci]
		for _, z := range c.leftNull {
			s := uint64(0)
			for _, ei := range eqsOfV {
				if eqComp[ei] == ci {
					s = addMod(s, mulMod(z[c.local[ei]], coefMod(coefOf(eqs[ei], v))))
				}
			}
			if s != 0 {
				return false
			}
		}
	}
	return true
}

// eliminate reduces the component's equations, restricted to its unknowns,
// to reduced row echelon form, carrying the combinations of equations that
// make each row. A row with a single unknown is an attack on it; a row with
// none is a dependency.
func eliminate(c *component, eqs []linearEq) {
	nv, ne := len(c.vars), len(c.eqs)
	col := make(map[int]int, nv)
	for j, v := range c.vars {
		col[v] = j
	}
	m := make([][]uint64, ne)
	for i, ei := range c.eqs {
		row := make([]uint64, nv+ne)
		for k, v := range eqs[ei].vars {
			if j, ok := col[v]; ok {
				row[j] = addMod(row[j], coefMod(eqs[ei].coef[k]))
			}
		}
		row[nv+i] = 1
		m[i] = row
	}
	pivotOf := make([]int, 0, nv) // row → pivot column
	rank := 0
	for j := 0; j < nv && rank < ne; j++ {
		sel := -1
		for i := rank; i < ne; i++ {
			if m[i][j] != 0 {
				sel = i
				break
			}
		}
		if sel < 0 {
			continue
		}
		m[rank], m[sel] = m[sel], m[rank]
		if inv := invMod(m[rank][j]); inv != 1 {
			for k := range m[rank] {
				m[rank][k] = mulMod(m[rank][k], inv)
			}
		}
		for i := 0; i < ne; i++ {
			if i == rank || m[i][j] == 0 {
				continue
			}
			f := m[i][j]
			for k := range m[i] {
				if m[rank][k] != 0 {
					m[i][k] = subMod(m[i][k], mulMod(f, m[rank][k]))
				}
			}
		}
		pivotOf = append(pivotOf, j)
		rank++
	}
	for i := 0; i < rank; i++ {
		single := true
		for j := 0; j < nv && single; j++ {
			single = j == pivotOf[i] || m[i][j] == 0
		}
		if single {
			c.attack[c.vars[pivotOf[i]]] = m[i][nv:]
		}
	}
	for i := rank; i < ne; i++ {
		c.leftNull = append(c.leftNull, m[i][nv:])
	}
}
