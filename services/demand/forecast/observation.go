// Package forecast projects the number of children looked after, by placement
// group, one to a few years ahead, from the aggregated flows that councils
// submit with their needs returns.
//
// The model is a stock-and-flow (Markov) model pooled over councils: the
// placement groups are the states; yearly probabilities of staying in a group,
// moving to another and leaving care are estimated from the observed counts;
// new entrants are added each year. The uncertainty interval comes from a
// seeded bootstrap over the council-year returns. Nothing here ever sees a
// child-level record: the inputs are counts.
//
// The method is written up for commissioners in docs/forecast.md.
package forecast

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// DateLayout is the form of Observation.From and Observation.To, and of
// YearProjection.AsAt.
const DateLayout = "2006-01-02"

// Errors returned by Fit and Project; the returned error wraps one of them and
// says, in words, which return and which count is at fault.
var (
	ErrNoObservations    = errors.New("forecast: no observations")
	ErrInvalid           = errors.New("forecast: invalid observation")
	ErrNegativeCount     = errors.New("forecast: negative count")
	ErrInconsistentYears = errors.New("forecast: inconsistent years")
	ErrOption            = errors.New("forecast: invalid option")
)

// Move counts the children who moved from one placement group to another
// within the year.
type Move struct {
	From, To string
	Count    int
}

// Observation is one council's aggregated flows for one year, as submitted
// with its needs return. Stayed, Moves and Exits describe the children looked
// after at the start of the year (each child once); Entries describes the
// children who started to be looked after during the year.
type Observation struct {
	Council  string
	From, To string // the observed year, YYYY-MM-DD

	Entries    map[string]int // children entering care in the year, by the group of their first placement
	Exits      map[string]int // children leaving care in the year, by the group they left from
	Moves      []Move         // children moving between groups within the year
	Stayed     map[string]int // in the same group at the start and the end of the year
	StockAtEnd map[string]int // looked after at To, by group
}

// record is a validated observation, its counts indexed by group.
type record struct {
	council  string
	from, to time.Time
	year     int
	weight   float64

	entries, exits, stayed, stock []float64
	moves                         [][]float64 // moves[i][j], i != j
}

// startOf is the number of children in group i at the start of the year:
// stayed + moves out + exits.
func (r *record) startOf(i int) float64 {
	s := r.stayed[i] + r.exits[i]
	for j, m := range r.moves[i] {
		if j != i {
			s += m
		}
	}
	return s
}

// dataset is the validated input of a fit.
type dataset struct {
	groups []string
	index  map[string]int

	all  []*record
	used []*record // weight > 0: the estimation set and the bootstrap's population

	councils   []string // every council; each has a return for the latest year
	latestYear int
	latestTo   time.Time
	yearsUsed  []int
	start      []float64 // stock at latestTo, summed over councils

	small []string // groups resting on fewer than smallNumber children a year
	notes []string
}

// smallNumber: a group with fewer children than this at the start of an
// average year is flagged as resting on small numbers.
const smallNumber = 10

func label(o *Observation, i int) string {
	if o.Council == "" {
		return fmt.Sprintf("observation %d", i)
	}
	if o.To != "" {
		return fmt.Sprintf("council %s, year ending %s", o.Council, o.To)
	}
	return fmt.Sprintf("council %s", o.Council)
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// checkCounts validates one map of counts and adds its groups to seen.
func checkCounts(where, field string, m map[string]int, seen map[string]bool) error {
	for _, g := range sortedKeys(m) {
		if strings.TrimSpace(g) == "" {
			return fmt.Errorf("%w: %s: %s has a count under an empty placement group name", ErrInvalid, where, field)
		}
		if m[g] < 0 {
			return fmt.Errorf("%w: %s: %s[%q] is %d; counts of children cannot be negative", ErrNegativeCount, where, field, g, m[g])
		}
		seen[g] = true
	}
	return nil
}

func parseDate(where, field, s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s: %s %q is not a date in the form YYYY-MM-DD", ErrInvalid, where, field, s)
	}
	return t, nil
}

// prepare validates the observations and indexes them by group.
func prepare(obs []Observation, cfg *config) (*dataset, error) {
	if len(obs) == 0 {
		return nil, fmt.Errorf("%w: at least one council's yearly return is needed to estimate anything", ErrNoObservations)
	}
	seen := map[string]bool{}
	froms := make([]time.Time, len(obs))
	tos := make([]time.Time, len(obs))
	for i := range obs {
		o := &obs[i]
		where := label(o, i)
		if strings.TrimSpace(o.Council) == "" {
			return nil, fmt.Errorf("%w: %s: the council is empty; every return must name its council", ErrInvalid, where)
		}
		var err error
		if froms[i], err = parseDate(where, "From", o.From); err != nil {
			return nil, err
		}
		if tos[i], err = parseDate(where, "To", o.To); err != nil {
			return nil, err
		}
		days := int(tos[i].Sub(froms[i]).Hours() / 24)
		if days < 364 || days > 366 {
			return nil, fmt.Errorf("%w: %s: the return runs from %s to %s (%d days); each return must cover one year", ErrInconsistentYears, where, o.From, o.To, days)
		}
		for _, f := range []struct {
			name string
			m    map[string]int
		}{{"Entries", o.Entries}, {"Exits", o.Exits}, {"Stayed", o.Stayed}, {"StockAtEnd", o.StockAtEnd}} {
			if err := checkCounts(where, f.name, f.m, seen); err != nil {
				return nil, err
			}
		}
		for k, mv := range o.Moves {
			if strings.TrimSpace(mv.From) == "" || strings.TrimSpace(mv.To) == "" {
				return nil, fmt.Errorf("%w: %s: Moves[%d] (%q to %q) has an empty placement group name", ErrInvalid, where, k, mv.From, mv.To)
			}
			if mv.Count < 0 {
				return nil, fmt.Errorf("%w: %s: Moves[%d] from %q to %q counts %d children; counts of children cannot be negative", ErrNegativeCount, where, k, mv.From, mv.To, mv.Count)
			}
			if mv.From == mv.To {
				return nil, fmt.Errorf("%w: %s: Moves[%d] goes from %q to itself; a change of placement within a group counts as Stayed", ErrInvalid, where, k, mv.From)
			}
			seen[mv.From], seen[mv.To] = true, true
		}
	}

	// One yearly grid for everyone: the same end of year, one return per council and year.
	endMD := tos[0].Format("01-02")
	for i := range obs {
		if md := tos[i].Format("01-02"); md != endMD {
			return nil, fmt.Errorf("%w: council %s's year ends on %s but council %s's ends on %s; all returns must cover the same yearly periods",
				ErrInconsistentYears, obs[0].Council, obs[0].To, obs[i].Council, obs[i].To)
		}
	}
	type key struct {
		council string
		year    int
	}
	have := map[key]int{}
	latest := 0
	for i := range obs {
		k := key{obs[i].Council, tos[i].Year()}
		if j, dup := have[k]; dup {
			return nil, fmt.Errorf("%w: council %s has two returns for the year ending %s (%s to %s and %s to %s); give one per year",
				ErrInconsistentYears, obs[i].Council, obs[i].To, obs[j].From, obs[j].To, obs[i].From, obs[i].To)
		}
		have[k] = i
		if tos[i].After(tos[latest]) {
			latest = i
		}
	}

	ds := &dataset{index: map[string]int{}, latestYear: tos[latest].Year(), latestTo: tos[latest]}
	for g := range seen {
		ds.groups = append(ds.groups, g)
	}
	sort.Strings(ds.groups)
	for i, g := range ds.groups {
		ds.index[g] = i
	}
	k := len(ds.groups)

	councilSet := map[string]bool{}
	for i := range obs {
		councilSet[obs[i].Council] = true
	}
	for c := range councilSet {
		ds.councils = append(ds.councils, c)
	}
	sort.Strings(ds.councils)
	for _, c := range ds.councils {
		if _, ok := have[key{c, ds.latestYear}]; !ok {
			return nil, fmt.Errorf("%w: council %s has no return for the latest year, ending %s, so the starting number of children would leave its children out; add that return or leave out the council's earlier ones",
				ErrInconsistentYears, c, ds.latestTo.Format(DateLayout))
		}
	}

	vec := func(m map[string]int) []float64 {
		v := make([]float64, k)
		for g, n := range m {
			v[ds.index[g]] += float64(n)
		}
		return v
	}
	ds.start = make([]float64, k)
	for i := range obs {
		o := &obs[i]
		r := &record{
			council: o.Council, from: froms[i], to: tos[i], year: tos[i].Year(),
			entries: vec(o.Entries), exits: vec(o.Exits), stayed: vec(o.Stayed), stock: vec(o.StockAtEnd),
			moves: make([][]float64, k),
		}
		for g := range r.moves {
			r.moves[g] = make([]float64, k)
		}
		for _, mv := range o.Moves {
			r.moves[ds.index[mv.From]][ds.index[mv.To]] += float64(mv.Count)
		}
		ds.all = append(ds.all, r)
		if r.year == ds.latestYear {
			for g, n := range r.stock {
				ds.start[g] += n
			}
			if len(o.StockAtEnd) == 0 {
				ds.notes = append(ds.notes, fmt.Sprintf("council %s reports no children looked after at %s (StockAtEnd is empty); it adds none to the starting stock", o.Council, o.To))
			}
		}
	}
	sort.SliceStable(ds.all, func(a, b int) bool {
		if ds.all[a].year != ds.all[b].year {
			return ds.all[a].year < ds.all[b].year
		}
		return ds.all[a].council < ds.all[b].council
	})

	if err := weigh(ds, cfg); err != nil {
		return nil, err
	}
	checkFlows(ds)
	return ds, nil
}

// weigh gives every record its weight and picks the estimation set.
func weigh(ds *dataset, cfg *config) error {
	var years []int
	for _, r := range ds.all {
		if len(years) == 0 || years[len(years)-1] != r.year {
			years = append(years, r.year)
		}
	}
	cutoff := years[0]
	if cfg.recentYears > 0 && cfg.recentYears < len(years) {
		cutoff = years[len(years)-cfg.recentYears]
	}
	var dropped []string
	droppedSeen := map[int]bool{}
	for _, r := range ds.all {
		w := 1.0
		if r.year < cutoff {
			w = 0
		}
		if cfg.yearWeights != nil {
			w *= cfg.yearWeights[r.year]
		}
		r.weight = w
		if w > 0 {
			ds.used = append(ds.used, r)
			if n := len(ds.yearsUsed); n == 0 || ds.yearsUsed[n-1] != r.year {
				ds.yearsUsed = append(ds.yearsUsed, r.year)
			}
		} else if !droppedSeen[r.year] {
			droppedSeen[r.year] = true
			dropped = append(dropped, r.to.Format(DateLayout))
		}
	}
	if len(ds.used) == 0 {
		return fmt.Errorf("%w: the year weights and the choice of recent years leave no return with any weight", ErrOption)
	}
	if len(dropped) > 0 {
		ds.notes = append(ds.notes, fmt.Sprintf("returns for the years ending %s were given no weight in the estimates", strings.Join(dropped, ", ")))
	}

	// Small numbers: average children at the start of a year, per group.
	k := len(ds.groups)
	sum := make([]float64, k)
	for _, r := range ds.used {
		for g := range sum {
			sum[g] += r.startOf(g)
		}
	}
	for g, s := range sum {
		avg := s / float64(len(ds.yearsUsed))
		if s > 0 && avg < smallNumber {
			ds.small = append(ds.small, ds.groups[g])
			ds.notes = append(ds.notes, fmt.Sprintf("%s: about %.1f children a year at the start of the year, across all councils; its rates rest on small numbers and can swing widely", ds.groups[g], avg))
		}
	}
	return nil
}

// checkFlows compares, per year, the year-end stock the flows imply (stayed +
// moves in + entries) with the stock the councils report, and notes a gap of
// more than 5%.
func checkFlows(ds *dataset) {
	type tot struct {
		end               string
		implied, reported float64
	}
	byYear := map[int]*tot{}
	var years []int
	for _, r := range ds.all {
		t := byYear[r.year]
		if t == nil {
			t = &tot{end: r.to.Format(DateLayout)}
			byYear[r.year] = t
			years = append(years, r.year)
		}
		for i := range ds.groups {
			t.implied += r.stayed[i] + r.entries[i]
			t.reported += r.stock[i]
			for j := range ds.groups {
				if j != i {
					t.implied += r.moves[i][j]
				}
			}
		}
	}
	for _, y := range years {
		t := byYear[y]
		if t.reported == 0 {
			continue
		}
		if gap := (t.implied - t.reported) / t.reported; gap > 0.05 || gap < -0.05 {
			ds.notes = append(ds.notes, fmt.Sprintf("year ending %s: the flows (stayed + moves + entries) imply %s children looked after at the end of the year but the returns report %s (%+.0f%%); check how entries, moves and exits were counted", t.end, count(t.implied), count(t.reported), 100*gap))
		}
	}
}
