package forecast

import (
	"fmt"
	"math"
)

// params is a fitted model, indexed by group.
type params struct {
	k     int
	start []float64   // weighted children at the start of the year, summed over the returns used
	p     [][]float64 // p[i][j]: probability that a child in i at the start is in j at the end; row sum = 1 - exit[i]
	exit  []float64
	// Entries per council-year: ent[g] + slope[g]*(year - x0), floored at 0,
	// times the number of councils.
	ent, slope []float64
	x0         float64
	councils   float64
	noData     []bool // no children observed at the start of any year: kept with probability 1
}

// fit estimates the model from records, each counted with its weight (a
// record drawn twice by the bootstrap counts twice).
func fit(recs []*record, k int, trend bool, councils int) params {
	m := params{
		k: k, start: make([]float64, k), p: make([][]float64, k), exit: make([]float64, k),
		ent: make([]float64, k), slope: make([]float64, k), councils: float64(councils), noData: make([]bool, k),
	}
	flow := make([][]float64, k)
	exits := make([]float64, k)
	for i := range flow {
		flow[i] = make([]float64, k)
		m.p[i] = make([]float64, k)
	}
	var wsum, xsum float64
	for _, r := range recs {
		w := r.weight
		wsum += w
		xsum += w * float64(r.year)
		for i := 0; i < k; i++ {
			flow[i][i] += w * r.stayed[i]
			exits[i] += w * r.exits[i]
			m.start[i] += w * r.stayed[i]
			m.start[i] += w * r.exits[i]
			for j := 0; j < k; j++ {
				if j != i {
					flow[i][j] += w * r.moves[i][j]
					m.start[i] += w * r.moves[i][j]
				}
			}
			m.ent[i] += w * r.entries[i]
		}
	}
	for i := 0; i < k; i++ {
		if m.start[i] <= 0 {
			m.noData[i] = true
			m.p[i][i] = 1
			continue
		}
		for j := 0; j < k; j++ {
			m.p[i][j] = flow[i][j] / m.start[i]
		}
		m.exit[i] = exits[i] / m.start[i]
	}
	if wsum <= 0 {
		return m
	}
	m.x0 = xsum / wsum
	for i := range m.ent {
		m.ent[i] /= wsum
	}
	if !trend {
		return m
	}
	var sxx float64
	sxy := make([]float64, k)
	for _, r := range recs {
		dx := float64(r.year) - m.x0
		sxx += r.weight * dx * dx
		for i := 0; i < k; i++ {
			sxy[i] += r.weight * dx * (r.entries[i] - m.ent[i])
		}
	}
	if sxx > 0 {
		for i := range m.slope {
			m.slope[i] = sxy[i] / sxx
		}
	}
	return m
}

// entriesIn is the expected entries by group in the year ending in year.
func (m *params) entriesIn(year int) []float64 {
	e := make([]float64, m.k)
	dx := float64(year) - m.x0
	for i := range e {
		e[i] = m.councils * math.Max(0, m.ent[i]+m.slope[i]*dx)
	}
	return e
}

// step moves stock on one year, to the year ending in year.
func (m *params) step(stock []float64, year int) []float64 {
	next := m.entriesIn(year)
	for i, s := range stock {
		if s == 0 {
			continue
		}
		for j, p := range m.p[i] {
			next[j] += s * p
		}
	}
	return next
}

// project gives the stock after 1..horizon years from start at year0.
func (m *params) project(start []float64, year0, horizon int) [][]float64 {
	out := make([][]float64, horizon)
	cur := start
	for h := 1; h <= horizon; h++ {
		cur = m.step(cur, year0+h)
		out[h-1] = cur
	}
	return out
}

// Model is a fitted stock-and-flow model. Its maps are keyed by placement
// group; Move holds only the non-zero probabilities between different groups.
type Model struct {
	Groups   []string // the states, sorted
	Councils int      // councils pooled; expected entries are for all of them together
	Trend    bool     // entries follow a linear trend rather than the mean

	// StartOfYear is, per group, the children at the start of the year
	// (stayed + moves out + exits), summed over the returns used with their
	// weights: the denominator of the probabilities.
	StartOfYear map[string]float64
	Stay        map[string]float64
	Move        map[string]map[string]float64
	Exit        map[string]float64

	Notes []string

	p     params
	index map[string]int
}

// Fit validates the observations and estimates the model from them, pooled
// over councils.
func Fit(observations []Observation, opts ...Option) (*Model, error) {
	cfg, err := configure(opts)
	if err != nil {
		return nil, err
	}
	ds, err := prepare(observations, &cfg)
	if err != nil {
		return nil, err
	}
	p := fit(ds.used, len(ds.groups), cfg.trend, len(ds.councils))
	return newModel(ds, p, cfg.trend), nil
}

func newModel(ds *dataset, p params, trend bool) *Model {
	m := &Model{
		Groups: ds.groups, Councils: len(ds.councils), Trend: trend,
		StartOfYear: map[string]float64{}, Stay: map[string]float64{}, Move: map[string]map[string]float64{}, Exit: map[string]float64{},
		Notes: append([]string(nil), ds.notes...),
		p:     p, index: ds.index,
	}
	for i, g := range ds.groups {
		m.StartOfYear[g] = p.start[i]
		m.Stay[g] = p.p[i][i]
		m.Exit[g] = p.exit[i]
		for j, h := range ds.groups {
			if j != i && p.p[i][j] != 0 {
				if m.Move[g] == nil {
					m.Move[g] = map[string]float64{}
				}
				m.Move[g][h] = p.p[i][j]
			}
		}
		if p.noData[i] {
			m.Notes = append(m.Notes, fmt.Sprintf("%s: no children were observed in this group at the start of any year used; its children are assumed to stay in it (probability 1)", g))
		}
	}
	return m
}

// Transition is the yearly probability that a child in group from at the
// start of a year is in group to at its end (from == to: staying).
func (m *Model) Transition(from, to string) float64 {
	i, ok := m.index[from]
	j, ok2 := m.index[to]
	if !ok || !ok2 {
		return 0
	}
	return m.p.p[i][j]
}

// ExpectedEntries is the expected number of children entering care in the
// year ending in year, by group, across all councils pooled.
func (m *Model) ExpectedEntries(year int) map[string]float64 {
	out := make(map[string]float64, len(m.Groups))
	for i, e := range m.p.entriesIn(year) {
		out[m.Groups[i]] = e
	}
	return out
}

// Step moves a stock on by one year, to the end of the year ending in year:
// the children who stay or move, plus the expected entries. Groups the model
// does not know are carried over unchanged.
func (m *Model) Step(stock map[string]float64, year int) map[string]float64 {
	v := make([]float64, len(m.Groups))
	out := map[string]float64{}
	for g, s := range stock {
		if i, ok := m.index[g]; ok {
			v[i] = s
		} else {
			out[g] = s
		}
	}
	for i, s := range m.p.step(v, year) {
		out[m.Groups[i]] = s
	}
	return out
}
