package forecast

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"
)

// Interval is a central estimate with the bounds of its uncertainty interval.
type Interval struct {
	Central, Low, High float64
}

// YearProjection is the projected stock at the end of one year.
type YearProjection struct {
	Year    int    // the calendar year of AsAt
	AsAt    string // YYYY-MM-DD
	ByGroup map[string]Interval
	Total   Interval // all groups; its bounds come from the draws' totals, not from summing the groups' bounds
}

// Projection is the result of Project.
type Projection struct {
	Years  []YearProjection // horizons 1, 2, 3 (by default) years after Baseline
	Method string
	Notes  []string

	Baseline       YearProjection // the observed stock at the latest year (Low = High = Central)
	Groups         []string
	Councils       []string
	YearsUsed      []int // calendar years (of To) of the returns the estimates rest on
	Trend          bool
	Draws          int
	LowPercentile  float64
	HighPercentile float64
	SmallGroups    []string // groups whose rates rest on fewer than 10 children a year
}

// Project fits the model to the observations, pooled over councils, and
// projects the stock of children looked after from the latest year's stock
// (the sum of the councils' StockAtEnd) for each year up to the horizon, with
// a bootstrap interval over the council-year returns.
func Project(observations []Observation, opts ...Option) (*Projection, error) {
	cfg, err := configure(opts)
	if err != nil {
		return nil, err
	}
	ds, err := prepare(observations, &cfg)
	if err != nil {
		return nil, err
	}
	k, nc := len(ds.groups), len(ds.councils)
	central := fit(ds.used, k, cfg.trend, nc)
	model := newModel(ds, central, cfg.trend)
	paths := central.project(ds.start, ds.latestYear, cfg.horizon)

	// Bootstrap: resample the returns used, with replacement, and refit.
	H := cfg.horizon
	samples := make([][][]float64, H) // [h][g][draw]
	totals := make([][]float64, H)    // [h][draw]
	for h := range samples {
		samples[h] = make([][]float64, k)
		for g := range samples[h] {
			samples[h][g] = make([]float64, cfg.draws)
		}
		totals[h] = make([]float64, cfg.draws)
	}
	rng := rand.New(rand.NewPCG(cfg.seed, 0x5dda903))
	draw := make([]*record, len(ds.used))
	for d := 0; d < cfg.draws; d++ {
		for i := range draw {
			draw[i] = ds.used[rng.IntN(len(ds.used))]
		}
		bp := fit(draw, k, cfg.trend, nc)
		for h, stock := range bp.project(ds.start, ds.latestYear, H) {
			for g, s := range stock {
				samples[h][g][d] = s
				totals[h][d] += s
			}
		}
	}

	pr := &Projection{
		Groups: ds.groups, Councils: ds.councils, YearsUsed: ds.yearsUsed, Trend: cfg.trend,
		Draws: cfg.draws, LowPercentile: cfg.low, HighPercentile: cfg.high,
		SmallGroups: ds.small, Notes: model.Notes,
	}
	pr.Baseline = YearProjection{Year: ds.latestYear, AsAt: ds.latestTo.Format(DateLayout), ByGroup: map[string]Interval{}}
	for g, s := range ds.start {
		pr.Baseline.ByGroup[ds.groups[g]] = Interval{s, s, s}
		pr.Baseline.Total.Central += s
	}
	pr.Baseline.Total.Low, pr.Baseline.Total.High = pr.Baseline.Total.Central, pr.Baseline.Total.Central

	var widened []string
	interval := func(c float64, xs []float64, what string) Interval {
		if len(xs) == 0 {
			return Interval{c, c, c}
		}
		lo, hi := percentile(xs, cfg.low), percentile(xs, cfg.high)
		tol := 1e-9 * math.Max(1, math.Abs(c))
		if c < lo-tol || c > hi+tol {
			widened = append(widened, what)
		}
		return Interval{Central: c, Low: math.Min(lo, c), High: math.Max(hi, c)}
	}
	for h := 0; h < H; h++ {
		at := addYears(ds.latestTo, h+1)
		yp := YearProjection{Year: at.Year(), AsAt: at.Format(DateLayout), ByGroup: map[string]Interval{}}
		var tot float64
		for g, c := range paths[h] {
			yp.ByGroup[ds.groups[g]] = interval(c, samples[h][g], fmt.Sprintf("%s %s", ds.groups[g], yp.AsAt))
			tot += c
		}
		yp.Total = interval(tot, totals[h], "total "+yp.AsAt)
		pr.Years = append(pr.Years, yp)
	}

	if cfg.draws > 0 && len(ds.used) == 1 {
		pr.Notes = append(pr.Notes, "only one council-year return was used, so the bootstrap cannot show any sampling variation: the intervals are the central estimate")
	}
	if len(widened) > 0 {
		ex := widened
		if len(ex) > 3 {
			ex = ex[:3]
		}
		pr.Notes = append(pr.Notes, fmt.Sprintf("for %d group-years (e.g. %s) the central estimate fell outside the bootstrap's %s to %s percentile range, which was widened to include it; the spread there is lopsided, usually because of small numbers",
			len(widened), strings.Join(ex, "; "), ordinal(cfg.low), ordinal(cfg.high)))
	}
	pr.Method = method(ds, &cfg)
	return pr, nil
}

func method(ds *dataset, cfg *config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Markov stock-and-flow projection by placement group, pooled over %d council(s) and %d council-year return(s) for the years ending %d to %d",
		len(ds.councils), len(ds.used), ds.yearsUsed[0], ds.yearsUsed[len(ds.yearsUsed)-1])
	if cfg.yearWeights != nil {
		b.WriteString(" (weighted by year)")
	} else {
		b.WriteString(" (years weighted equally)")
	}
	b.WriteString("; yearly probabilities of staying, moving and leaving = flow / children at the start of the year, where start = stayed + moves out + exits")
	if cfg.trend {
		b.WriteString("; entries follow a least-squares linear trend per council-year, floored at 0, times the number of councils")
	} else {
		b.WriteString("; entries = mean per council-year times the number of councils")
	}
	fmt.Fprintf(&b, "; stock(t+1) = stock(t) x P + entries, from the stock at %s", ds.latestTo.Format(DateLayout))
	if cfg.draws > 0 {
		fmt.Fprintf(&b, "; interval = %s to %s percentile of %d bootstrap refits over council-year returns (seed %d), widened if needed to include the central estimate",
			ordinal(cfg.low), ordinal(cfg.high), cfg.draws, cfg.seed)
	} else {
		b.WriteString("; no bootstrap (intervals equal the central estimate)")
	}
	return b.String()
}

// percentile of xs at q (0..1), linear between order statistics.
func percentile(xs []float64, q float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	if lo >= len(s)-1 {
		return s[len(s)-1]
	}
	f := pos - float64(lo)
	return s[lo] + f*(s[lo+1]-s[lo])
}

// addYears adds n years, keeping 29 February on 28 February in common years.
func addYears(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	y += n
	if m == time.February && d == 29 && !(y%4 == 0 && (y%100 != 0 || y%400 == 0)) {
		d = 28
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func ordinal(q float64) string {
	n := int(math.Round(q * 100))
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s", n, suffix)
}
