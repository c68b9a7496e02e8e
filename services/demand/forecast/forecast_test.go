package forecast

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

const eps = 1e-9

func near(a, b float64) bool { return math.Abs(a-b) <= eps*math.Max(1, math.Abs(b)) }

func year(end int) (string, string) {
	return fmt.Sprintf("%d-04-01", end-1), fmt.Sprintf("%d-03-31", end)
}

// twoState is the hand-computed example:
//
//	A: 60 stayed, 20 moved to B, 20 left  -> 100 at the start of the year
//	B: 40 stayed,  5 moved to A,  5 left  ->  50 at the start of the year
//
// so P(A->A)=0.6, P(A->B)=0.2, exit(A)=0.2; P(B->B)=0.8, P(B->A)=0.1, exit(B)=0.1.
// Entries A=10, B=2; stock at the end of the year A=80, B=70.
func twoState() Observation {
	from, to := year(2025)
	return Observation{
		Council: "352", From: from, To: to,
		Stayed:     map[string]int{"A": 60, "B": 40},
		Moves:      []Move{{"A", "B", 20}, {"B", "A", 5}},
		Exits:      map[string]int{"A": 20, "B": 5},
		Entries:    map[string]int{"A": 10, "B": 2},
		StockAtEnd: map[string]int{"A": 80, "B": 70},
	}
}

func TestTwoStateByHand(t *testing.T) {
	m, err := Fit([]Observation{twoState()})
	if err != nil {
		t.Fatal(err)
	}
	want := map[[2]string]float64{{"A", "A"}: 0.6, {"A", "B"}: 0.2, {"B", "B"}: 0.8, {"B", "A"}: 0.1}
	for k, w := range want {
		if got := m.Transition(k[0], k[1]); !near(got, w) {
			t.Errorf("P(%s->%s) = %v, want %v", k[0], k[1], got, w)
		}
	}
	if !near(m.Exit["A"], 0.2) || !near(m.Exit["B"], 0.1) {
		t.Errorf("exit = %v, want A 0.2, B 0.1", m.Exit)
	}
	if !near(m.StartOfYear["A"], 100) || !near(m.StartOfYear["B"], 50) {
		t.Errorf("start of year = %v, want A 100, B 50", m.StartOfYear)
	}
	if e := m.ExpectedEntries(2026); !near(e["A"], 10) || !near(e["B"], 2) {
		t.Errorf("entries = %v, want A 10, B 2", e)
	}

	p, err := Project([]Observation{twoState()})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Years) != 3 {
		t.Fatalf("%d years, want 3", len(p.Years))
	}
	// Year 1: A = 80*0.6 + 70*0.1 + 10 = 65;  B = 80*0.2 + 70*0.8 + 2 = 74.
	// Year 2: A = 65*0.6 + 74*0.1 + 10 = 56.4; B = 65*0.2 + 74*0.8 + 2 = 74.2.
	y1, y2 := p.Years[0], p.Years[1]
	if y1.Year != 2026 || y1.AsAt != "2026-03-31" || y2.AsAt != "2027-03-31" || p.Years[2].AsAt != "2028-03-31" {
		t.Errorf("years: %d %s, %s, %s", y1.Year, y1.AsAt, y2.AsAt, p.Years[2].AsAt)
	}
	for _, c := range []struct {
		y    YearProjection
		g    string
		want float64
	}{{y1, "A", 65}, {y1, "B", 74}, {y2, "A", 56.4}, {y2, "B", 74.2}} {
		if got := c.y.ByGroup[c.g].Central; !near(got, c.want) {
			t.Errorf("%s %s = %v, want %v", c.y.AsAt, c.g, got, c.want)
		}
	}
	if !near(y1.Total.Central, 139) {
		t.Errorf("total year 1 = %v, want 139", y1.Total.Central)
	}
	if !near(p.Baseline.Total.Central, 150) || p.Baseline.AsAt != "2025-03-31" {
		t.Errorf("baseline = %+v", p.Baseline)
	}
	// Step agrees with the projection.
	s := m.Step(map[string]float64{"A": 80, "B": 70}, 2026)
	if !near(s["A"], 65) || !near(s["B"], 74) {
		t.Errorf("Step = %v", s)
	}
}

// Entries equal exits and are placed where they balance the moves: the
// stock does not change.
func TestSteadyState(t *testing.T) {
	var obs []Observation
	for _, c := range []string{"350", "352"} {
		for y := 2023; y <= 2025; y++ {
			from, to := year(y)
			obs = append(obs, Observation{
				Council: c, From: from, To: to,
				Stayed:     map[string]int{"fostering": 80, "residential": 40},
				Moves:      []Move{{"fostering", "residential", 10}, {"residential", "fostering", 5}},
				Exits:      map[string]int{"fostering": 10, "residential": 5},
				Entries:    map[string]int{"fostering": 15},
				StockAtEnd: map[string]int{"fostering": 100, "residential": 50},
			})
		}
	}
	p, err := Project(obs)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(p.Notes, "\n"), "imply") {
		t.Errorf("consistent flows noted as inconsistent: %q", p.Notes)
	}
	for _, y := range p.Years {
		if !near(y.ByGroup["fostering"].Central, 200) || !near(y.ByGroup["residential"].Central, 100) {
			t.Errorf("%s: %+v, want fostering 200, residential 100", y.AsAt, y.ByGroup)
		}
		// Every return is alike, so every bootstrap draw is the same model.
		if iv := y.Total; !near(iv.Low, 300) || !near(iv.High, 300) {
			t.Errorf("%s total interval %+v, want 300 to 300", y.AsAt, iv)
		}
	}
}

// varied is a consortium of three councils over three years with different
// numbers in every cell.
func varied(entries, exits bool) []Observation {
	groups := []string{"fostering", "residential", "secure", "supported-16-plus"}
	var obs []Observation
	for ci, c := range []string{"350", "352", "357"} {
		for y := 2023; y <= 2025; y++ {
			from, to := year(y)
			o := Observation{Council: c, From: from, To: to, Stayed: map[string]int{}, Exits: map[string]int{}, Entries: map[string]int{}, StockAtEnd: map[string]int{}}
			for gi, g := range groups {
				n := (ci + 2) * (y - 2019) * (4 - gi) * 7
				o.Stayed[g] = n
				o.StockAtEnd[g] = n + 3*gi + ci
				if exits {
					o.Exits[g] = n/5 + gi + ci
				}
				if entries {
					o.Entries[g] = n/4 + (y-2022)*gi
				}
				h := groups[(gi+1+ci)%len(groups)]
				if h != g {
					o.Moves = append(o.Moves, Move{g, h, n/6 + y%3 + gi})
				}
			}
			obs = append(obs, o)
		}
	}
	return obs
}

func TestConservationWithoutEntriesOrExits(t *testing.T) {
	obs := varied(false, false)
	p, err := Project(obs)
	if err != nil {
		t.Fatal(err)
	}
	want := p.Baseline.Total.Central
	if want == 0 {
		t.Fatal("empty baseline")
	}
	for _, y := range p.Years {
		var sum float64
		for _, iv := range y.ByGroup {
			sum += iv.Central
		}
		if !near(sum, want) || !near(y.Total.Central, want) {
			t.Errorf("%s: total %v (groups sum %v), want %v", y.AsAt, y.Total.Central, sum, want)
		}
		// Every bootstrap draw conserves too.
		if !near(y.Total.Low, want) || !near(y.Total.High, want) {
			t.Errorf("%s: total interval %+v, want %v", y.AsAt, y.Total, want)
		}
	}
	// The groups do change: children move.
	if near(p.Years[0].ByGroup["secure"].Central, p.Baseline.ByGroup["secure"].Central) {
		t.Error("secure did not change; the example has no moves")
	}
}

func TestDeterministicForASeed(t *testing.T) {
	obs := varied(true, true)
	a, err := Project(obs, WithSeed(42))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Project(obs, WithSeed(42))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("two runs with seed 42 differ")
	}
	c, err := Project(obs, WithSeed(43))
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a.Years, c.Years) {
		t.Error("seeds 42 and 43 give identical intervals; the seed is not used")
	}
	for h := range a.Years {
		for g, iv := range a.Years[h].ByGroup {
			if iv.Central != c.Years[h].ByGroup[g].Central {
				t.Errorf("central estimate depends on the seed: %s %s", a.Years[h].AsAt, g)
			}
		}
	}
}

func TestBootstrapIntervalContainsCentral(t *testing.T) {
	for _, trend := range []bool{false, true} {
		opts := []Option{WithSeed(7)}
		if trend {
			opts = append(opts, WithTrend())
		}
		p, err := Project(varied(true, true), opts...)
		if err != nil {
			t.Fatal(err)
		}
		if p.Draws != DefaultDraws {
			t.Errorf("draws = %d, want %d", p.Draws, DefaultDraws)
		}
		for _, y := range p.Years {
			for g, iv := range y.ByGroup {
				if !(iv.Low <= iv.Central && iv.Central <= iv.High) {
					t.Errorf("trend %v, %s %s: %+v does not contain the central estimate", trend, y.AsAt, g, iv)
				}
			}
			if iv := y.Total; !(iv.Low <= iv.Central && iv.Central <= iv.High) || !(iv.Low < iv.High) {
				t.Errorf("trend %v, %s total: %+v", trend, y.AsAt, iv)
			}
		}
		// Wider further out.
		first, last := p.Years[0].Total, p.Years[len(p.Years)-1].Total
		if last.High-last.Low <= first.High-first.Low {
			t.Errorf("trend %v: the interval does not widen with the horizon: %+v then %+v", trend, first, last)
		}
	}
}

// Pooling two councils gives the model fitted on one council whose flows
// are their sums.
func TestPoolingEqualsSummedFlows(t *testing.T) {
	obs := varied(true, true)
	var two, summed []Observation
	byYear := map[string]*Observation{}
	for _, o := range obs {
		if o.Council == "357" {
			continue
		}
		two = append(two, o)
		s := byYear[o.To]
		if s == nil {
			s = &Observation{Council: "350+352", From: o.From, To: o.To, Stayed: map[string]int{}, Exits: map[string]int{}, Entries: map[string]int{}, StockAtEnd: map[string]int{}}
			byYear[o.To] = s
		}
		for _, f := range []struct{ dst, src map[string]int }{{s.Stayed, o.Stayed}, {s.Exits, o.Exits}, {s.Entries, o.Entries}, {s.StockAtEnd, o.StockAtEnd}} {
			for g, n := range f.src {
				f.dst[g] += n
			}
		}
		s.Moves = append(s.Moves, o.Moves...)
	}
	for y := 2023; y <= 2025; y++ {
		_, to := year(y)
		summed = append(summed, *byYear[to])
	}
	for _, trend := range []bool{false, true} {
		var opts []Option
		if trend {
			opts = append(opts, WithTrend())
		}
		mp, err := Fit(two, opts...)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := Fit(summed, opts...)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range mp.Groups {
			for _, h := range mp.Groups {
				if a, b := mp.Transition(g, h), ms.Transition(g, h); !near(a, b) {
					t.Errorf("trend %v: P(%s->%s) pooled %v, summed %v", trend, g, h, a, b)
				}
			}
			if a, b := mp.Exit[g], ms.Exit[g]; !near(a, b) {
				t.Errorf("trend %v: exit %s pooled %v, summed %v", trend, g, a, b)
			}
		}
		for y := 2026; y <= 2028; y++ {
			a, b := mp.ExpectedEntries(y), ms.ExpectedEntries(y)
			for g := range a {
				if !near(a[g], b[g]) {
					t.Errorf("trend %v: entries %s %d pooled %v, summed %v", trend, g, y, a[g], b[g])
				}
			}
		}
		pp, err := Project(two, opts...)
		if err != nil {
			t.Fatal(err)
		}
		ps, err := Project(summed, opts...)
		if err != nil {
			t.Fatal(err)
		}
		for h := range pp.Years {
			for g, iv := range pp.Years[h].ByGroup {
				if b := ps.Years[h].ByGroup[g].Central; !near(iv.Central, b) {
					t.Errorf("trend %v: %s %s pooled %v, summed %v", trend, pp.Years[h].AsAt, g, iv.Central, b)
				}
			}
		}
	}
}

func TestTrendOption(t *testing.T) {
	mk := func(counts ...int) []Observation {
		var obs []Observation
		for i, n := range counts {
			from, to := year(2023 + i)
			obs = append(obs, Observation{Council: "352", From: from, To: to,
				Stayed: map[string]int{"fostering": 100}, Entries: map[string]int{"fostering": n}, Exits: map[string]int{"fostering": n},
				StockAtEnd: map[string]int{"fostering": 100}})
		}
		return obs
	}
	up, err := Fit(mk(10, 20, 30), WithTrend())
	if err != nil {
		t.Fatal(err)
	}
	if e := up.ExpectedEntries(2026)["fostering"]; !near(e, 40) {
		t.Errorf("rising trend: %v entries in 2026, want 40", e)
	}
	flat, err := Fit(mk(10, 20, 30))
	if err != nil {
		t.Fatal(err)
	}
	if e := flat.ExpectedEntries(2026)["fostering"]; !near(e, 20) {
		t.Errorf("mean: %v entries, want 20", e)
	}
	down, err := Fit(mk(30, 20, 10), WithTrend())
	if err != nil {
		t.Fatal(err)
	}
	if e := down.ExpectedEntries(2026)["fostering"]; !near(e, 0) {
		t.Errorf("falling trend: %v entries in 2026, want 0 (floored)", e)
	}
	if e := down.ExpectedEntries(2027)["fostering"]; e != 0 {
		t.Errorf("falling trend: %v entries in 2027, want 0 (floored)", e)
	}
}

func TestWeightsAndRecentYears(t *testing.T) {
	obs := varied(true, true)
	var latest []Observation
	for _, o := range obs {
		if strings.HasPrefix(o.To, "2025") {
			latest = append(latest, o)
		}
	}
	only, err := Fit(latest)
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []Option{WithRecentYears(1), WithYearWeights(map[int]float64{2025: 2})} {
		m, err := Fit(obs, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range m.Groups {
			for _, h := range m.Groups {
				if a, b := m.Transition(g, h), only.Transition(g, h); !near(a, b) {
					t.Errorf("P(%s->%s) = %v, want %v as from the latest year alone", g, h, a, b)
				}
			}
		}
		if !strings.Contains(strings.Join(m.Notes, "\n"), "no weight") {
			t.Errorf("no note of the years left out: %q", m.Notes)
		}
	}
	if _, err := Fit(obs, WithYearWeights(map[int]float64{2019: 1})); !errors.Is(err, ErrOption) {
		t.Errorf("weights on no year: %v, want ErrOption", err)
	}
}

func TestGroupWithoutChildrenStays(t *testing.T) {
	o := twoState()
	o.StockAtEnd["secure"] = 2 // seen only in the stock: no child was there at the start of the year
	p, err := Project([]Observation{o})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Years[2].ByGroup["secure"].Central; !near(got, 2) {
		t.Errorf("secure after 3 years = %v, want 2 (kept with probability 1)", got)
	}
	notes := strings.Join(p.Notes, "\n")
	if !strings.Contains(notes, "secure: no children were observed") {
		t.Errorf("no note about secure: %q", p.Notes)
	}
	// 60+40 stayed, 25 moved and 12 entered imply 137 at the end; 152 reported.
	if !strings.Contains(notes, "imply 137 children") || !strings.Contains(notes, "report 152 (-10%)") {
		t.Errorf("no note of the gap between flows and stock: %q", p.Notes)
	}
	ex := p.Explain()
	for _, w := range []string{"In council 352, using its returns for the year ending in 2025", "152 children", "about 141 on 31 March 2026", "No range is given"} {
		if !strings.Contains(ex, w) {
			t.Errorf("Explain lacks %q:\n%s", w, ex)
		}
	}
}

func TestValidation(t *testing.T) {
	base := func() []Observation { return []Observation{twoState()} }
	cases := []struct {
		name   string
		obs    func() []Observation
		opts   []Option
		target error
		words  string
	}{
		{"empty", func() []Observation { return nil }, nil, ErrNoObservations, "at least one"},
		{"negative exits", func() []Observation { o := base(); o[0].Exits["A"] = -1; return o }, nil, ErrNegativeCount, `Exits["A"] is -1`},
		{"negative move", func() []Observation { o := base(); o[0].Moves[0].Count = -3; return o }, nil, ErrNegativeCount, "cannot be negative"},
		{"negative stock", func() []Observation { o := base(); o[0].StockAtEnd["B"] = -2; return o }, nil, ErrNegativeCount, "StockAtEnd"},
		{"bad date", func() []Observation { o := base(); o[0].To = "31/03/2025"; return o }, nil, ErrInvalid, "YYYY-MM-DD"},
		{"no council", func() []Observation { o := base(); o[0].Council = ""; return o }, nil, ErrInvalid, "council is empty"},
		{"empty group", func() []Observation { o := base(); o[0].Stayed[""] = 1; return o }, nil, ErrInvalid, "empty placement group"},
		{"move to itself", func() []Observation {
			o := base()
			o[0].Moves = append(o[0].Moves, Move{"A", "A", 1})
			return o
		}, nil, ErrInvalid, "counts as Stayed"},
		{"two years long", func() []Observation { o := base(); o[0].From = "2023-04-01"; return o }, nil, ErrInconsistentYears, "must cover one year"},
		{"different year ends", func() []Observation {
			o := base()
			b := twoState()
			b.Council, b.From, b.To = "350", "2024-01-01", "2024-12-31"
			return append(o, b)
		}, nil, ErrInconsistentYears, "same yearly periods"},
		{"duplicate year", func() []Observation { return append(base(), twoState()) }, nil, ErrInconsistentYears, "two returns for the year ending 2025-03-31"},
		{"missing latest year", func() []Observation {
			o := base()
			b := twoState()
			b.Council, b.From, b.To = "350", "2023-04-01", "2024-03-31"
			return append(o, b)
		}, nil, ErrInconsistentYears, "council 350 has no return for the latest year"},
		{"bad percentiles", base, []Option{WithPercentiles(0.9, 0.1)}, ErrOption, "percentiles"},
		{"negative draws", base, []Option{WithDraws(-1)}, ErrOption, "draws"},
		{"horizon", base, []Option{WithHorizon(0)}, ErrOption, "horizon"},
		{"negative weight", base, []Option{WithYearWeights(map[int]float64{2025: -1})}, ErrOption, "not negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Project(c.obs(), c.opts...)
			if !errors.Is(err, c.target) {
				t.Fatalf("err = %v, want %v", err, c.target)
			}
			if !strings.Contains(err.Error(), c.words) {
				t.Errorf("err = %q, want words %q", err, c.words)
			}
		})
	}
}

func TestOptionsAndExplain(t *testing.T) {
	p, err := Project(varied(true, true), WithHorizon(2), WithDraws(50), WithPercentiles(0.05, 0.95), WithSeed(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Years) != 2 || p.Draws != 50 {
		t.Fatalf("years %d, draws %d", len(p.Years), p.Draws)
	}
	ex := p.Explain()
	for _, w := range []string{"Across 3 councils", "31 March 2025", "31 March 2027", "likely range", "5th to the 95th percentile of 50", count(p.Years[1].Total.Central)} {
		if !strings.Contains(ex, w) {
			t.Errorf("Explain lacks %q:\n%s", w, ex)
		}
	}
	if !strings.Contains(p.Method, "seed 1") || !strings.Contains(p.Method, "start = stayed + moves out + exits") {
		t.Errorf("Method: %s", p.Method)
	}

	none, err := Project(varied(true, true), WithDraws(0))
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range none.Years {
		if iv := y.Total; iv.Low != iv.Central || iv.High != iv.Central {
			t.Errorf("no bootstrap but interval %+v", iv)
		}
	}
	if strings.Contains(none.Explain(), "likely range") {
		t.Error("Explain gives a range without a bootstrap")
	}
	if (*Projection)(nil).Explain() == "" {
		t.Error("nil Explain is empty")
	}
}

func TestCount(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999.4: "999", 1234.5: "1,235", 81770: "81,770", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := count(in); got != want {
			t.Errorf("count(%v) = %q, want %q", in, got, want)
		}
	}
}
