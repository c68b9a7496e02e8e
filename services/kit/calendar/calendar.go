// Package calendar counts England and Wales working days, for statutory
// deadlines given as "n working days after receipt".
//
// Dates are calendar dates in Europe/London, returned as time.Time at UTC
// midnight of that date (see DateOf), so they compare with == and Before and
// print without a zone surprise.
//
// Bank holidays come from two places. For the years of the embedded table
// copied from GOV.UK (https://www.gov.uk/bank-holidays, Open Government
// Licence v3.0, see ATTRIBUTION.md; TableYears), the table is the truth: it
// holds the one-off changes no rule predicts (2020's Early May holiday moved
// to VE day, 2022's Spring holiday moved and the Platinum Jubilee and the
// state funeral added, 2023's coronation). Every other year follows the
// rules: New Year's Day, Good Friday and Easter Monday (Gregorian Easter),
// the first and last Mondays of May, the last Monday of August, Christmas Day
// and Boxing Day, a weekend New Year's Day, Christmas Day or Boxing Day
// moving to the next weekday not already a holiday. The rules are the
// pattern in force since 1978 and are applied as such to any year; a
// one-off announced for a future year needs adding to the table.
package calendar

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
	_ "time/tzdata" // Europe/London must load on hosts without zoneinfo.
)

//go:embed bank-holidays-england-and-wales.csv
var holidaysCSV []byte

type ymd struct {
	y int
	m time.Month
	d int
}

func (k ymd) date() time.Time { return time.Date(k.y, k.m, k.d, 0, 0, 0, 0, time.UTC) }

type table struct {
	names       map[ymd]string
	first, last int
}

// With time/tzdata linked in, LoadLocation cannot fail for a valid name.
var london = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("calendar: " + err.Error())
	}
	return loc
})

// The embedded table ships with the binary, so a parse error is a build
// defect: panic (TestEmbeddedTableParses catches it first).
var load = sync.OnceValue(func() *table {
	t, err := parse(holidaysCSV)
	if err != nil {
		panic("calendar: embedded bank-holidays-england-and-wales.csv is corrupt: " + err.Error())
	}
	return t
})

func parse(data []byte) (*table, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 2
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if head[0] != "date" || head[1] != "name" {
		return nil, fmt.Errorf("unexpected header %q", head)
	}
	t := &table{names: map[ymd]string{}}
	years := map[int]bool{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := r.FieldPos(0)
		d, err := time.Parse(time.DateOnly, rec[0])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if rec[1] == "" {
			return nil, fmt.Errorf("line %d: %s has no name", line, rec[0])
		}
		// GOV.UK moves a weekend holiday to a substitute weekday, so a
		// weekend date here is a typo.
		if weekend(d) {
			return nil, fmt.Errorf("line %d: %s is a %s", line, rec[0], d.Weekday())
		}
		k := key(d)
		if _, dup := t.names[k]; dup {
			return nil, fmt.Errorf("line %d: duplicate date %s", line, rec[0])
		}
		t.names[k] = rec[1]
		if len(years) == 0 || k.y < t.first {
			t.first = k.y
		}
		if len(years) == 0 || k.y > t.last {
			t.last = k.y
		}
		years[k.y] = true
	}
	if len(years) == 0 {
		return nil, errors.New("no holidays")
	}
	// Every year has bank holidays, so a missing year means missing data
	// (the rules would quietly stand in for it).
	for y := t.first; y <= t.last; y++ {
		if !years[y] {
			return nil, fmt.Errorf("no holidays for %d", y)
		}
	}
	return t, nil
}

func key(d time.Time) ymd {
	y, m, day := d.Date()
	return ymd{y, m, day}
}

func weekend(d time.Time) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

// easter returns Easter Sunday of the Gregorian year y (the anonymous
// Gregorian computation, as given by Meeus).
func easter(y int) ymd {
	golden := y % 19
	century, yearInCentury := y/100, y%100
	leapSkips, centuryRem := century/4, century%4
	lunarCorr := (century + 8) / 25
	moonCorr := (century - lunarCorr + 1) / 3
	epact := (19*golden + century - leapSkips - moonCorr + 15) % 30
	quads, yearRem := yearInCentury/4, yearInCentury%4
	toSunday := (32 + 2*centuryRem + 2*quads - epact - yearRem) % 7
	late := (golden + 11*epact + 22*toSunday) / 451
	n := epact + toSunday - 7*late + 114
	return ymd{y, time.Month(n / 31), n%31 + 1}
}

// byRule derives year y's bank holidays from the rules (see the package
// comment).
func byRule(y int) map[ymd]string {
	out := map[ymd]string{}
	add := func(d time.Time, name string) { out[key(d)] = name }
	monday := func(d time.Time, step int) time.Time {
		for d.Weekday() != time.Monday {
			d = d.AddDate(0, 0, step)
		}
		return d
	}
	e := easter(y).date()
	add(e.AddDate(0, 0, -2), "Good Friday")
	add(e.AddDate(0, 0, 1), "Easter Monday")
	add(monday(time.Date(y, time.May, 1, 0, 0, 0, 0, time.UTC), 1), "Early May bank holiday")
	add(monday(time.Date(y, time.May, 31, 0, 0, 0, 0, time.UTC), -1), "Spring bank holiday")
	add(monday(time.Date(y, time.August, 31, 0, 0, 0, 0, time.UTC), -1), "Summer bank holiday")
	fixed := []struct {
		d    time.Time
		name string
	}{
		{time.Date(y, time.January, 1, 0, 0, 0, 0, time.UTC), "New Year's Day"},
		{time.Date(y, time.December, 25, 0, 0, 0, 0, time.UTC), "Christmas Day"},
		{time.Date(y, time.December, 26, 0, 0, 0, 0, time.UTC), "Boxing Day"},
	}
	// A fixed holiday on a weekday keeps its date first, so Christmas on a
	// Sunday moves past Boxing Day on the Monday to the Tuesday.
	for _, f := range fixed {
		if !weekend(f.d) {
			add(f.d, f.name)
		}
	}
	for _, f := range fixed {
		if !weekend(f.d) {
			continue
		}
		d := f.d
		for weekend(d) || out[key(d)] != "" {
			d = d.AddDate(0, 0, 1)
		}
		add(d, f.name+" (substitute day)")
	}
	return out
}

// ruleYears caches byRule by year; its maps are never written once stored.
var ruleYears sync.Map

// names returns year y's bank holidays by date: the table's if it covers y,
// else the rules'. The caller must not change the map.
func names(y int) map[ymd]string {
	t := load()
	if y >= t.first && y <= t.last {
		return t.names
	}
	if m, ok := ruleYears.Load(y); ok {
		return m.(map[ymd]string)
	}
	m, _ := ruleYears.LoadOrStore(y, byRule(y))
	return m.(map[ymd]string)
}

// TableYears returns the first and last years of the GOV.UK table, within
// which it, not the rules, says what the bank holidays are.
func TableYears() (first, last int) {
	t := load()
	return t.first, t.last
}

// Holiday is one bank holiday: its date (UTC midnight) and GOV.UK's name.
type Holiday struct {
	Date time.Time
	Name string
}

// Holidays returns year's England and Wales bank holidays in date order.
func Holidays(year int) []Holiday {
	var out []Holiday
	for k, name := range names(year) {
		if k.y == year {
			out = append(out, Holiday{k.date(), name})
		}
	}
	slices.SortFunc(out, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return out
}

// DateOf returns UTC midnight of t's calendar date in Europe/London, e.g.
// 23:30 UTC on 31 May (00:30 BST on 1 June) gives 1 June.
func DateOf(t time.Time) time.Time {
	y, m, d := t.In(london()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// IsBankHoliday returns the name of the bank holiday on d's date, if any.
func IsBankHoliday(d time.Time) (name string, ok bool) {
	k := key(DateOf(d))
	name, ok = names(k.y)[k]
	return name, ok
}

// IsWorkingDay reports whether d's date is Monday to Friday and not a bank
// holiday.
func IsWorkingDay(d time.Time) bool {
	return isWorking(DateOf(d))
}

// isWorking takes a date already from DateOf.
func isWorking(d time.Time) bool {
	if weekend(d) {
		return false
	}
	k := key(d)
	_, hol := names(k.y)[k]
	return !hol
}

// AddWorkingDays returns the date (UTC midnight, see DateOf) n working days
// after from's date; from's own date never counts, so a Friday plus 1 is the
// Monday, or the Tuesday when Monday is a bank holiday. Callers treat the
// whole returned day as in time. n == 0 returns from's date. Every year has
// its bank holidays, so the only error is a negative n.
func AddWorkingDays(from time.Time, n int) (time.Time, error) {
	if n < 0 {
		return time.Time{}, fmt.Errorf("working days must not be negative, got %d", n)
	}
	d := DateOf(from)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if isWorking(d) {
			n--
		}
	}
	return d, nil
}

// WorkingDaysBetween counts the working days after from's date up to and
// including to's date; 0 if to's date is not after from's.
func WorkingDaysBetween(from, to time.Time) int {
	n := 0
	end := DateOf(to)
	for d := DateOf(from).AddDate(0, 0, 1); !d.After(end); d = d.AddDate(0, 0, 1) {
		if isWorking(d) {
			n++
		}
	}
	return n
}
