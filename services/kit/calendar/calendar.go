// Package calendar counts England and Wales working days, for statutory
// deadlines given as "n working days after receipt".
//
// Dates are calendar dates in Europe/London, returned as time.Time at UTC
// midnight of that date (see DateOf), so they compare with == and Before and
// print without a zone surprise. Bank holidays come from an embedded table
// copied from GOV.UK (https://www.gov.uk/bank-holidays), Open Government
// Licence v3.0 (see ATTRIBUTION.md). The table covers only the years Years
// returns; AddWorkingDays refuses to step outside them rather than silently
// miss a holiday.
package calendar

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
	_ "time/tzdata" // Europe/London must load on hosts without zoneinfo.
)

//go:embed bank-holidays-england-and-wales.csv
var holidaysCSV []byte

// ErrOutsideTable is wrapped by AddWorkingDays when counting would cross a
// year the bank holiday table does not cover.
var ErrOutsideTable = errors.New("outside the bank holiday table")

type ymd struct {
	y int
	m time.Month
	d int
}

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
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			return nil, fmt.Errorf("line %d: %s is a %s", line, rec[0], wd)
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
	// Every year has bank holidays, so a missing year means missing data.
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

// DateOf returns UTC midnight of t's calendar date in Europe/London, e.g.
// 23:30 UTC on 31 May (00:30 BST on 1 June) gives 1 June.
func DateOf(t time.Time) time.Time {
	y, m, d := t.In(london()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Years returns the first and last years the bank holiday table covers.
func Years() (first, last int) {
	t := load()
	return t.first, t.last
}

// Covers reports whether the table has year's bank holidays.
func Covers(year int) bool {
	first, last := Years()
	return year >= first && year <= last
}

// IsBankHoliday returns the name of the bank holiday on d's date, if any.
func IsBankHoliday(d time.Time) (name string, ok bool) {
	name, ok = load().names[key(DateOf(d))]
	return name, ok
}

// IsWorkingDay reports whether d's date is Monday to Friday and not a bank
// holiday. Outside the covered years it only knows weekends; check Covers
// if that matters.
func IsWorkingDay(d time.Time) bool {
	return isWorking(DateOf(d))
}

// isWorking takes a date already from DateOf.
func isWorking(d time.Time) bool {
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	_, hol := load().names[key(d)]
	return !hol
}

// AddWorkingDays returns the date (UTC midnight, see DateOf) n working days
// after from's date; from's own date never counts, so a Friday plus 1 is the
// Monday, or the Tuesday when Monday is a bank holiday. Callers treat the
// whole returned day as in time. n == 0 returns from's date.
//
// The error wraps ErrOutsideTable and names the year if counting would step
// onto a date in a year the table does not cover.
func AddWorkingDays(from time.Time, n int) (time.Time, error) {
	if n < 0 {
		return time.Time{}, fmt.Errorf("working days must not be negative, got %d", n)
	}
	d := DateOf(from)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if !Covers(d.Year()) {
			first, last := Years()
			return time.Time{}, fmt.Errorf("%w: year %d (covers %d–%d)", ErrOutsideTable, d.Year(), first, last)
		}
		if isWorking(d) {
			n--
		}
	}
	return d, nil
}

// WorkingDaysBetween counts the working days after from's date up to and
// including to's date; 0 if to's date is not after from's. Outside the
// covered years it only skips weekends, like IsWorkingDay.
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
