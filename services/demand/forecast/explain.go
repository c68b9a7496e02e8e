package forecast

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Explain is a paragraph in plain words, for a market position statement:
// where the stock starts, where it is projected to be, with what range, the
// largest changes by group, and what the range does and does not cover.
func (p *Projection) Explain() string {
	if p == nil || len(p.Years) == 0 {
		return "No projection is available."
	}
	var b strings.Builder
	where, their := fmt.Sprintf("Across %d councils", len(p.Councils)), "their"
	if len(p.Councils) == 1 {
		where, their = "In council "+p.Councils[0], "its"
	}
	years := ""
	if n := len(p.YearsUsed); n == 1 {
		years = fmt.Sprintf(", using %s returns for the year ending in %d", their, p.YearsUsed[0])
	} else if n > 1 {
		years = fmt.Sprintf(", using %s returns for the years ending in %d to %d", their, p.YearsUsed[0], p.YearsUsed[n-1])
	}
	fmt.Fprintf(&b, "%s%s, %s children were looked after on %s. ",
		where, years, count(p.Baseline.Total.Central), longDate(p.Baseline.AsAt))

	entries := "new entrants arrive at the recent yearly average"
	if p.Trend {
		entries = "new entrants follow the recent trend"
	}
	fmt.Fprintf(&b, "If recent patterns continue (children stay in, move between and leave placement types at the rates seen, and %s), we project ", entries)
	var parts []string
	ranged := false
	for i, y := range p.Years {
		if len(p.Years) > 3 && i != 0 && i != len(p.Years)-1 {
			continue
		}
		s := fmt.Sprintf("about %s on %s", count(y.Total.Central), longDate(y.AsAt))
		if lo, hi := count(y.Total.Low), count(y.Total.High); p.Draws > 0 && lo != hi {
			s += fmt.Sprintf(" (likely range %s to %s)", lo, hi)
			ranged = true
		}
		parts = append(parts, s)
	}
	b.WriteString(joinAnd(parts))
	b.WriteString(". ")

	last := p.Years[len(p.Years)-1]
	type change struct {
		g         string
		from, to  float64
		absChange float64
	}
	var cs []change
	for _, g := range p.Groups {
		f, t := p.Baseline.ByGroup[g].Central, last.ByGroup[g].Central
		if math.Abs(t-f) >= 1 {
			cs = append(cs, change{g, f, t, math.Abs(t - f)})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].absChange > cs[j].absChange })
	if len(cs) > 3 {
		cs = cs[:3]
	}
	if len(cs) > 0 {
		var ps []string
		for _, c := range cs {
			s := fmt.Sprintf("%s (from %s to %s", c.g, count(c.from), count(c.to))
			if c.from >= 1 {
				s += fmt.Sprintf(", %+.0f%%", 100*(c.to-c.from)/c.from)
			}
			ps = append(ps, s+")")
		}
		fmt.Fprintf(&b, "The largest changes by %s are in %s. ", longDate(last.AsAt), joinAnd(ps))
	}
	switch {
	case ranged:
		fmt.Fprintf(&b, "The ranges run from the %s to the %s percentile of %d re-estimates of the model on resampled council returns: they show how much the figures depend on which council-years happen to be in the data, not what a change in policy, practice or the market would do. ",
			ordinal(p.LowPercentile), ordinal(p.HighPercentile), p.Draws)
	case p.Draws > 0:
		b.WriteString("No range is given: the returns do not vary enough between councils and years to show how uncertain the figures are, which is itself a reason for caution. ")
	default:
		b.WriteString("No range was computed. ")
	}
	if len(p.SmallGroups) > 0 {
		fmt.Fprintf(&b, "Figures for %s rest on fewer than %d children a year and should be read with caution. ", joinAnd(p.SmallGroups), smallNumber)
	}
	return strings.TrimSpace(b.String())
}

func joinAnd(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// count rounds to a whole number of children, with thousands separators.
func count(x float64) string {
	n := int64(math.Round(x))
	neg := n < 0
	if neg {
		n = -n
	}
	s := fmt.Sprintf("%d", n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func longDate(s string) string {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return s
	}
	return t.Format("2 January 2006")
}
