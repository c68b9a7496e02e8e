package disclosure

import (
	"fmt"
	"math/rand"
	"testing"
)

// This file holds the attacker's side: everything a viewer is shown, as a
// system of linear equations over every figure (the total, each one-way cell,
// each two-way interior cell), and three ways to attack it.

// system is the viewer's knowledge. Variable v is a figure; sup[v] says the
// viewer was not shown it; every equation says Σ coef·x = 0.
type system struct {
	names []string
	truth []int // the true counts (computed independently of the package)
	own   []int // the viewer's own share: a lower bound it knows
	sup   []bool
	eqs   []equation
}

type equation struct {
	vars []int
	coef []int
}

func (s *system) newVar(name string, truth, own int, c Cell) int {
	s.names = append(s.names, name)
	s.truth = append(s.truth, truth)
	s.own = append(s.own, own)
	s.sup = append(s.sup, c.Suppressed)
	return len(s.names) - 1
}

// discloses reports whether learning figure v would disclose anything: it
// holds some of the other councils' children.
// A figure made only of the viewer's own children holds nothing the viewer
// does not know: that it is determined tells only the true zero of the
// others' share.
func (s *system) discloses(v int) bool {
	return s.truth[v] > s.own[v]
}

// sumEq adds: Σ parts − whole = 0.
func (s *system) sumEq(parts []int, whole int) {
	e := equation{vars: append(append([]int(nil), parts...), whole)}
	for range parts {
		e.coef = append(e.coef, 1)
	}
	e.coef = append(e.coef, -1)
	s.eqs = append(s.eqs, e)
}

// truthOf aggregates the records independently of the package: the count and
// the viewer's own share of the figure with the given values (a dimension
// left out is summed over).
type truthOf func(fixed map[string]string) (n, own int)

func truthFunc(records []Record, viewer string) truthOf {
	return func(fixed map[string]string) (int, int) {
		n, own := 0, 0
		for _, r := range records {
			ok := true
			for d, v := range fixed {
				if r.Values[d] != v {
					ok = false
					break
				}
			}
			if ok {
				n += r.Count
				if viewer != "" && r.Council == viewer {
					own += r.Count
				}
			}
		}
		return n, own
	}
}

// buildSystem collects the one-way tables of oneDims and the two-way tables of
// pairs, as the viewer of p sees them, with their shared figures identified.
func buildSystem(t testing.TB, p *Protected, records []Record, dims []Dimension, oneDims []string, pairs [][2]string) *system {
	t.Helper()
	truth := truthFunc(records, p.Viewer())
	s := &system{}
	one := map[string][]int{} // dimension → its figures, by value
	first, err := p.Table1D(dims[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	n, own := truth(nil)
	total := s.newVar("total", n, own, first.Total)
	needOne := map[string]bool{}
	for _, d := range oneDims {
		needOne[d] = true
	}
	for _, pr := range pairs {
		needOne[pr[0]], needOne[pr[1]] = true, true // margins are shown with a two-way table
	}
	for _, d := range dims {
		if !needOne[d.Name] {
			continue
		}
		tab, err := p.Table1D(d.Name)
		if err != nil {
			t.Fatal(err)
		}
		var vars []int
		for i, v := range tab.Values {
			n, own := truth(map[string]string{d.Name: v})
			vars = append(vars, s.newVar(d.Name+"="+v, n, own, tab.Cells[i]))
		}
		one[d.Name] = vars
		s.sumEq(vars, total)
	}
	for _, pr := range pairs {
		tab, err := p.Table2D(pr[0], pr[1], nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		grid := make([][]int, len(tab.RowValues))
		for r, rv := range tab.RowValues {
			for c, cv := range tab.ColValues {
				n, own := truth(map[string]string{pr[0]: rv, pr[1]: cv})
				grid[r] = append(grid[r], s.newVar(pr[0]+"="+rv+","+pr[1]+"="+cv, n, own, tab.Cells[r][c]))
			}
			s.sumEq(grid[r], one[pr[0]][r])
		}
		for c := range tab.ColValues {
			var col []int
			for r := range tab.RowValues {
				col = append(col, grid[r][c])
			}
			s.sumEq(col, one[pr[1]][c])
		}
	}
	return s
}

// allPairs lists every two-way table of dims once.
func allPairs(dims []Dimension) [][2]string {
	var out [][2]string
	for a := range dims {
		for b := a + 1; b < len(dims); b++ {
			out = append(out, [2]string{dims[a].Name, dims[b].Name})
		}
	}
	return out
}

func dimNames(dims []Dimension) []string {
	var out []string
	for _, d := range dims {
		out = append(out, d.Name)
	}
	return out
}

// lineAttack is the differencing attacker: any equation with exactly one
// unknown is solved (margin − sum of published interior, or the like), the
// answer is used in the other equations, and so on. It returns the
// suppressed figures it recovered that disclose something (see discloses).
func lineAttack(s *system) []int {
	known := make([]bool, len(s.sup))
	for v := range known {
		known[v] = !s.sup[v]
	}
	var got []int
	for changed := true; changed; {
		changed = false
		for _, e := range s.eqs {
			unknown := -1
			count := 0
			for _, v := range e.vars {
				if !known[v] {
					unknown = v
					count++
				}
			}
			if count == 1 {
				known[unknown] = true
				if s.discloses(unknown) {
					got = append(got, unknown)
				}
				changed = true
			}
		}
	}
	return got
}

// linearAttack is the attacker who combines any equations linearly: a
// suppressed figure is determined when its unit vector lies in the row space
// of the equations restricted to suppressed figures. Exact arithmetic modulo
// a large prime (the matrices are 0/±1): another prime than the package's
// audit, and other code, so that it checks the audit independently. It
// returns the figures it recovered that disclose something.
func linearAttack(s *system) []int {
	const p = 2147483647
	col := map[int]int{}
	var vars []int
	for v, sup := range s.sup {
		if sup {
			col[v] = len(vars)
			vars = append(vars, v)
		}
	}
	if len(vars) == 0 {
		return nil
	}
	var m [][]int64
	for _, e := range s.eqs {
		row := make([]int64, len(vars))
		touches := false
		for k, v := range e.vars {
			if j, ok := col[v]; ok {
				row[j] = (row[j] + int64(e.coef[k]) + p) % p
				touches = true
			}
		}
		if touches {
			m = append(m, row)
		}
	}
	inv := func(a int64) int64 { // a^(p−2) mod p
		r, b, n := int64(1), a%p, int64(p-2)
		for n > 0 {
			if n&1 == 1 {
				r = r * b % p
			}
			b = b * b % p
			n >>= 1
		}
		return r
	}
	pivotRow := 0
	var pivots [][2]int // {row, col}
	for c := 0; c < len(vars) && pivotRow < len(m); c++ {
		sel := -1
		for r := pivotRow; r < len(m); r++ {
			if m[r][c] != 0 {
				sel = r
				break
			}
		}
		if sel < 0 {
			continue
		}
		m[pivotRow], m[sel] = m[sel], m[pivotRow]
		iv := inv(m[pivotRow][c])
		for j := range m[pivotRow] {
			m[pivotRow][j] = m[pivotRow][j] * iv % p
		}
		for r := range m {
			if r == pivotRow || m[r][c] == 0 {
				continue
			}
			f := m[r][c]
			for j := range m[r] {
				m[r][j] = ((m[r][j]-f*m[pivotRow][j])%p + p) % p
			}
		}
		pivots = append(pivots, [2]int{pivotRow, c})
		pivotRow++
	}
	var got []int
	for _, pc := range pivots {
		nonzero := 0
		for _, x := range m[pc[0]] {
			if x != 0 {
				nonzero++
			}
		}
		if nonzero == 1 && s.discloses(vars[pc[1]]) {
			got = append(got, vars[pc[1]])
		}
	}
	return got
}

// solver searches non-negative integer assignments of a system: published
// figures fixed, suppressed ones in [own, cap].
type solver struct {
	eqs []equation
	occ [][]int // var → equations it is in
}

func newSolver(nvars int, eqs []equation) *solver {
	s := &solver{eqs: eqs, occ: make([][]int, nvars)}
	for i, e := range eqs {
		for _, v := range e.vars {
			s.occ[v] = append(s.occ[v], i)
		}
	}
	return s
}

// propagate narrows the bounds until every equation is bounds-consistent;
// false when no assignment is left.
func (s *solver) propagate(lo, hi []int) bool {
	queue := make([]int, len(s.eqs))
	in := make([]bool, len(s.eqs))
	for i := range queue {
		queue[i] = i
		in[i] = true
	}
	for len(queue) > 0 {
		ei := queue[0]
		queue = queue[1:]
		in[ei] = false
		e := s.eqs[ei]
		smin, smax := 0, 0
		for k, v := range e.vars {
			if e.coef[k] > 0 {
				smin += lo[v]
				smax += hi[v]
			} else {
				smin -= hi[v]
				smax -= lo[v]
			}
		}
		if smin > 0 || smax < 0 {
			return false
		}
		for k, v := range e.vars {
			var tmin, tmax int // this term's range
			if e.coef[k] > 0 {
				tmin, tmax = lo[v], hi[v]
			} else {
				tmin, tmax = -hi[v], -lo[v]
			}
			// term = −(rest), rest ∈ [smin−tmin, smax−tmax]
			nmin, nmax := -(smax - tmax), -(smin - tmin)
			var nlo, nhi int
			if e.coef[k] > 0 {
				nlo, nhi = nmin, nmax
			} else {
				nlo, nhi = -nmax, -nmin
			}
			changed := false
			if nlo > lo[v] {
				lo[v] = nlo
				changed = true
			}
			if nhi < hi[v] {
				hi[v] = nhi
				changed = true
			}
			if lo[v] > hi[v] {
				return false
			}
			if changed {
				for _, other := range s.occ[v] {
					if !in[other] {
						in[other] = true
						queue = append(queue, other)
					}
				}
				// Recompute this equation's sums with the new bounds.
				if !in[ei] {
					in[ei] = true
					queue = append(queue, ei)
				}
			}
		}
	}
	return true
}

// feasible reports whether some assignment within the bounds satisfies every
// equation (depth-first search with propagation, smallest domain first).
func (s *solver) feasible(lo, hi []int, budget *int) bool {
	*budget--
	if *budget < 0 {
		return false
	}
	lo, hi = append([]int(nil), lo...), append([]int(nil), hi...)
	if !s.propagate(lo, hi) {
		return false
	}
	v := -1
	for i := range lo {
		if hi[i] > lo[i] && (v < 0 || hi[i]-lo[i] < hi[v]-lo[v]) {
			v = i
		}
	}
	if v < 0 {
		return true
	}
	for x := lo[v]; x <= hi[v]; x++ {
		l2, h2 := append([]int(nil), lo...), append([]int(nil), hi...)
		l2[v], h2[v] = x, x
		if s.feasible(l2, h2, budget) {
			return true
		}
	}
	return false
}

// pinned returns the suppressed figures holding some of the other councils'
// children that take one value only in every
// non-negative integer assignment (at least the viewer's own share) that is
// consistent with everything the viewer is shown. Every figure is at most the
// total; when the total is suppressed the search stops at truth + slack,
// which only limits the alternatives it may find. exhausted is set when the
// search budget ran out (inconclusive).
func pinned(s *system, cap int) (got []int, exhausted bool) {
	n := len(s.sup)
	lo, hi := make([]int, n), make([]int, n)
	for v := range n {
		switch {
		case s.sup[v]:
			lo[v], hi[v] = s.own[v], cap
		default:
			lo[v], hi[v] = s.truth[v], s.truth[v]
		}
	}
	sol := newSolver(n, s.eqs)
	for v, sup := range s.sup {
		if !sup || !s.discloses(v) {
			continue
		}
		budget := 200000
		alt := false
		if t := s.truth[v]; t-1 >= lo[v] {
			l2, h2 := append([]int(nil), lo...), append([]int(nil), hi...)
			h2[v] = t - 1
			alt = sol.feasible(l2, h2, &budget)
		}
		if t := s.truth[v]; !alt && t+1 <= hi[v] {
			l2, h2 := append([]int(nil), lo...), append([]int(nil), hi...)
			l2[v] = t + 1
			alt = sol.feasible(l2, h2, &budget)
		}
		if budget < 0 {
			exhausted = true
		}
		if !alt {
			got = append(got, v)
		}
	}
	return got, exhausted
}

// ---- random snapshots

var testDimNames = []string{"placement", "age", "need", "area", "legal", "distance"}

// randomSnapshot makes records over nDims dimensions of 2..maxValues values,
// for a few councils; counts are mostly small so that suppression is common.
func randomSnapshot(rng *rand.Rand, nDims, minValues, maxValues, councils int, density float64, maxCount int) ([]Record, []Dimension) {
	dims := make([]Dimension, nDims)
	for d := range dims {
		k := minValues + rng.Intn(maxValues-minValues+1)
		dims[d].Name = testDimNames[d]
		for v := range k {
			dims[d].Values = append(dims[d].Values, fmt.Sprintf("%c%d", 'a'+d, v))
		}
	}
	var records []Record
	combo := make([]int, nDims)
	for c := range councils {
		council := fmt.Sprintf("%03d", 300+c)
		for {
			if rng.Float64() < density {
				values := map[string]string{}
				for d := range dims {
					values[dims[d].Name] = dims[d].Values[combo[d]]
				}
				n := 1 + rng.Intn(maxCount)
				if rng.Intn(10) == 0 {
					n = 0 // an explicit zero record
				}
				records = append(records, Record{Council: council, Values: values, Count: n})
			}
			d := 0
			for ; d < nDims; d++ {
				combo[d]++
				if combo[d] < len(dims[d].Values) {
					break
				}
				combo[d] = 0
			}
			if d == nDims {
				break
			}
		}
	}
	return records, dims
}

func randomViewer(rng *rand.Rand, councils int) string {
	switch rng.Intn(3) {
	case 0:
		return ""
	case 1:
		return "999" // a council with no children in the snapshot
	}
	return fmt.Sprintf("%03d", 300+rng.Intn(councils))
}
