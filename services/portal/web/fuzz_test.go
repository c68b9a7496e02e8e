package web

import (
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"
)

// The portal's form parsing, fuzzed: what people type reaches these
// before anything checks it.

// FuzzParsePence: an amount read is whole pence from £0 to £9,999,999.99,
// and the form shows it back (poundsValue) as text that reads the same.
func FuzzParsePence(f *testing.F) {
	for _, s := range []string{"3500", "£3,500.50", " £ 0.5 ", "1.", ".5", "-1", "9999999.99", "10000000", "1e3", "３５"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := parsePence(s)
		if !ok {
			return
		}
		if p < 0 || p > 999999999 {
			t.Fatalf("parsePence(%q) = %d", s, p)
		}
		if back, ok := parsePence(poundsValue(p)); !ok || back != p {
			t.Fatalf("parsePence(%q) = %d, shown as %q, read back as %d, %v", s, p, poundsValue(p), back, ok)
		}
	})
}

// FuzzParseDate: a date read is a real YYYY-MM-DD with the day, month and
// year typed.
func FuzzParseDate(f *testing.F) {
	for _, d := range [][3]string{{"1", "4", "2026"}, {"30", "2", "2026"}, {"29", "2", "2028"}, {"31", "12", "9999"}, {"0", "1", "2026"}, {"1", "1", "-001"}, {"1", "1", "+202"}} {
		f.Add(d[0], d[1], d[2])
	}
	f.Fuzz(func(t *testing.T, day, month, year string) {
		s, ok := parseDate([]string{day, month, year})
		if !ok {
			return
		}
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatalf("parseDate(%q, %q, %q) = %q: %v", day, month, year, s, err)
		}
		dn, _ := strconv.Atoi(day)
		mn, _ := strconv.Atoi(month)
		yn, _ := strconv.Atoi(year)
		if d.Day() != dn || int(d.Month()) != mn || d.Year() != yn {
			t.Fatalf("parseDate(%q, %q, %q) = %q", day, month, year, s)
		}
	})
}

// FuzzParseClock: a time read is a time of day.
func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"17:30", "17.30", "5pm", "5:30pm", "12am", "12pm", "midday", "midnight", "24:00", "9", "-1:30", "17:-1", "+5:30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, m, ok := parseClock(s)
		if ok && (h < 0 || h > 23 || m < 0 || m > 59) {
			t.Fatalf("parseClock(%q) = %d:%d", s, h, m)
		}
	})
}

// FuzzParseMonths: extension options read are 1 to 48 months each, and
// the form shows them back as text that reads the same.
func FuzzParseMonths(f *testing.F) {
	for _, s := range []string{"12, 12", "12 and 6", "6 months; 6 months", "", "0", "49", "12,,12"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		months, ok := parseMonths(s)
		if !ok {
			return
		}
		for _, m := range months {
			if m < 1 || m > 48 {
				t.Fatalf("parseMonths(%q) = %v", s, months)
			}
		}
		if back, ok := parseMonths(monthsValue(months)); !ok || !slices.Equal(back, months) {
			t.Fatalf("parseMonths(%q) = %v, shown as %q, read back as %v, %v", s, months, monthsValue(months), back, ok)
		}
	})
}

// FuzzParseFilter: the decision log's filter reads any query without
// panicking, and a range it keeps runs forwards.
func FuzzParseFilter(f *testing.F) {
	f.Add("decision=allow&from-day=1&from-month=4&from-year=2026&to-day=2&to-month=4&to-year=2026")
	f.Add("from-day=31&from-month=2&from-year=2026")
	f.Add("to-day=1&to-month=1&to-year=2026&from-day=2&from-month=1&from-year=2026")
	f.Fuzz(func(t *testing.T, query string) {
		v, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		filter, _ := parseFilter(v)
		if !filter.from.IsZero() && !filter.to.IsZero() && filter.to.Before(filter.from) {
			t.Fatalf("parseFilter(%q) kept %v to %v", query, filter.from, filter.to)
		}
	})
}

// FuzzDemandStatement: any Markdown the demand statement could hold reads
// into a dashboard view without panicking.
func FuzzDemandStatement(f *testing.F) {
	f.Add("# Demand\n\nAs at 2026-03-31.\n\n## Placements\n\n| group | count |\n| --- | --- |\n| fostering | 3 |\n\nNote.\n")
	f.Add("## \n|\n|---|\n| £1,000.50 |")
	f.Fuzz(func(t *testing.T, md string) {
		if demParseStatement(md) == nil {
			t.Fatal("no view")
		}
	})
}
