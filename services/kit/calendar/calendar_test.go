package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func TestEmbeddedTableParses(t *testing.T) {
	tab, err := parse(holidaysCSV)
	if err != nil {
		t.Fatal(err)
	}
	if tab.first != 2025 || tab.last != 2028 || len(tab.names) != 32 {
		t.Fatalf("table covers %d–%d with %d dates", tab.first, tab.last, len(tab.names))
	}
}

func TestParseRejectsCorruptFiles(t *testing.T) {
	const head = "date,name\n"
	for name, data := range map[string]string{
		"empty":        "",
		"wrong header": "day,holiday\n2025-01-01,New Year's Day\n",
		"header only":  head,
		"bad date":     head + "01/01/2025,New Year's Day\n",
		"no name":      head + "2025-01-01,\n",
		"weekend":      head + "2026-12-26,Boxing Day\n",
		"duplicate":    head + "2025-01-01,New Year's Day\n2025-01-01,Again\n",
		"gap year":     head + "2025-01-01,New Year's Day\n2027-01-01,New Year's Day\n",
	} {
		if _, err := parse([]byte(data)); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
}

// rules derives a year's England and Wales bank holidays from the statutory
// pattern, independently of the table: fixed Easter and May/August Mondays,
// and a weekend New Year, Christmas or Boxing Day moved to the next free
// weekday. It knows no one-off holidays, and 2025–2028 have none.
func rules(y int) map[time.Time]bool {
	// Anonymous Gregorian (Meeus/Jones/Butcher) Easter Sunday.
	a, b, c := y%19, y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	easter := date(y, time.Month((h+l-7*m+114)/31), (h+l-7*m+114)%31+1)

	firstMonday := func(m time.Month) time.Time {
		d := date(y, m, 1)
		for d.Weekday() != time.Monday {
			d = d.AddDate(0, 0, 1)
		}
		return d
	}
	lastMonday := func(m time.Month) time.Time {
		d := date(y, m+1, 1).AddDate(0, 0, -1)
		for d.Weekday() != time.Monday {
			d = d.AddDate(0, 0, -1)
		}
		return d
	}
	out := map[time.Time]bool{
		easter.AddDate(0, 0, -2): true,
		easter.AddDate(0, 0, 1):  true,
		firstMonday(time.May):    true,
		lastMonday(time.May):     true,
		lastMonday(time.August):  true,
	}
	for _, d := range []time.Time{date(y, 1, 1), date(y, 12, 25), date(y, 12, 26)} {
		for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || out[d] {
			d = d.AddDate(0, 0, 1)
		}
		out[d] = true
	}
	return out
}

func TestTableMatchesTheRules(t *testing.T) {
	tab := load()
	for y := 2025; y <= 2028; y++ {
		want := rules(y)
		if len(want) != 8 {
			t.Fatalf("rules(%d) gave %d dates", y, len(want))
		}
		got := 0
		for k, name := range tab.names {
			if k.y != y {
				continue
			}
			got++
			d := date(k.y, k.m, k.d)
			if !want[d] {
				t.Errorf("table has %s %q, which the rules do not", d.Format(time.DateOnly), name)
			}
			if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
				t.Errorf("%s %q is a %s", d.Format(time.DateOnly), name, wd)
			}
		}
		if got != 8 {
			t.Errorf("%d has %d bank holidays, want 8", y, got)
		}
	}
}

func TestIsBankHoliday(t *testing.T) {
	for _, c := range []struct {
		d    time.Time
		name string
	}{
		{date(2025, 4, 18), "Good Friday"},
		{date(2026, 12, 28), "Boxing Day (substitute day)"},
		{date(2027, 12, 27), "Christmas Day (substitute day)"},
		{date(2028, 1, 3), "New Year's Day (substitute day)"},
		// 23:30 UTC on 24 Aug 2025 is 00:30 BST on Monday 25 Aug.
		{time.Date(2025, 8, 24, 23, 30, 0, 0, time.UTC), "Summer bank holiday"},
	} {
		if name, ok := IsBankHoliday(c.d); !ok || name != c.name {
			t.Errorf("IsBankHoliday(%v) = %q, %v; want %q", c.d, name, ok, c.name)
		}
	}
	for _, d := range []time.Time{date(2026, 12, 26), date(2025, 4, 17), time.Date(2025, 8, 25, 23, 30, 0, 0, time.UTC)} {
		if name, ok := IsBankHoliday(d); ok {
			t.Errorf("IsBankHoliday(%v) = %q", d, name)
		}
	}
}

func TestDateOf(t *testing.T) {
	for in, want := range map[time.Time]time.Time{
		time.Date(2026, 5, 31, 23, 30, 0, 0, time.UTC):                     date(2026, 6, 1),  // BST
		time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC):                     date(2026, 1, 31), // GMT
		time.Date(2026, 6, 1, 0, 30, 0, 0, time.FixedZone("CEST", 2*3600)): date(2026, 5, 31),
		date(2026, 3, 29): date(2026, 3, 29),
	} {
		if got := DateOf(in); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("DateOf(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestIsWorkingDay(t *testing.T) {
	for d, want := range map[time.Time]bool{
		date(2026, 4, 2):   true,  // Thursday
		date(2026, 4, 3):   false, // Good Friday
		date(2026, 4, 4):   false, // Saturday
		date(2026, 4, 5):   false, // Sunday
		date(2026, 4, 6):   false, // Easter Monday
		date(2026, 4, 7):   true,  // Tuesday
		date(2026, 12, 26): false, // Saturday, Boxing Day itself
		date(2026, 12, 28): false, // its substitute
	} {
		if got := IsWorkingDay(d); got != want {
			t.Errorf("IsWorkingDay(%s %s) = %v", d.Weekday(), d.Format(time.DateOnly), got)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	for _, c := range []struct {
		from time.Time
		n    int
		want time.Time
	}{
		// Thu 18 Dec 2025: Fri 19, Mon 22, Tue 23, Wed 24 (4); 25, 26 Dec
		// holidays; Mon 29, Tue 30, Wed 31 (7); 1 Jan holiday; Fri 2 (8);
		// Mon 5 (9); Tue 6 Jan (10).
		{date(2025, 12, 18), 10, date(2026, 1, 6)},
		// Wed 1 Apr 2026: Thu 2 (1); 3 and 6 Apr holidays; Tue 7 to Fri 10
		// (5); Mon 13 to Fri 17 Apr (10).
		{date(2026, 4, 1), 10, date(2026, 4, 17)},
		{date(2026, 4, 10), 1, date(2026, 4, 13)},   // Friday + 1 = Monday
		{date(2026, 5, 22), 1, date(2026, 5, 26)},   // Friday before Spring bank holiday
		{date(2026, 4, 4), 1, date(2026, 4, 7)},     // from a Saturday in Easter
		{date(2026, 4, 4), 0, date(2026, 4, 4)},     // 0 is from's own date
		{date(2025, 12, 24), 2, date(2025, 12, 30)}, // over Christmas
		{date(2024, 12, 31), 1, date(2025, 1, 2)},   // from may precede the table
		{date(2028, 12, 22), 3, date(2028, 12, 29)}, // up to the last covered day
		// Received 23:30 UTC on Thu 9 Apr 2026 is Fri 10 Apr in London.
		{time.Date(2026, 4, 9, 23, 30, 0, 0, time.UTC), 1, date(2026, 4, 13)},
	} {
		got, err := AddWorkingDays(c.from, c.n)
		if err != nil {
			t.Errorf("AddWorkingDays(%v, %d): %v", c.from, c.n, err)
			continue
		}
		if got != c.want {
			t.Errorf("AddWorkingDays(%s %v, %d) = %s %s, want %s %s", c.from.Weekday(), c.from, c.n,
				got.Weekday(), got.Format(time.DateOnly), c.want.Weekday(), c.want.Format(time.DateOnly))
		}
		if c.n > 0 {
			if !IsWorkingDay(got) {
				t.Errorf("deadline %v is not a working day", got)
			}
			if back := WorkingDaysBetween(c.from, got); back != c.n {
				t.Errorf("WorkingDaysBetween(%v, %v) = %d, want %d", c.from, got, back, c.n)
			}
		}
	}
}

func TestAddWorkingDaysRefusesToLeaveTheTable(t *testing.T) {
	for _, c := range []struct {
		from time.Time
		n    int
	}{
		{date(2028, 12, 22), 4},  // the 4th working day is in 2029
		{date(2028, 12, 29), 1},  // Friday + 1 is in 2029
		{date(2023, 6, 1), 1},    // wholly before
		{date(2030, 6, 1), 1},    // wholly after
		{date(2026, 1, 1), 2000}, // runs off the end
	} {
		_, err := AddWorkingDays(c.from, c.n)
		if !errors.Is(err, ErrOutsideTable) {
			t.Errorf("AddWorkingDays(%v, %d) error = %v", c.from, c.n, err)
			continue
		}
		if !strings.Contains(err.Error(), "year 20") {
			t.Errorf("error does not name the year: %v", err)
		}
	}
	_, err := AddWorkingDays(date(2028, 12, 29), 1)
	if err == nil || err.Error() != "outside the bank holiday table: year 2029 (covers 2025–2028)" {
		t.Errorf("error = %v", err)
	}
	if _, err := AddWorkingDays(date(2026, 1, 1), -1); err == nil || errors.Is(err, ErrOutsideTable) {
		t.Errorf("negative n error = %v", err)
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	for _, c := range []struct {
		from, to time.Time
		want     int
	}{
		{date(2026, 4, 1), date(2026, 4, 1), 0},
		{date(2026, 4, 2), date(2026, 4, 1), 0},
		{date(2026, 4, 1), date(2026, 4, 2), 1},
		{date(2026, 4, 2), date(2026, 4, 6), 0}, // Good Friday to Easter Monday
		{date(2025, 12, 31), date(2026, 12, 31), 253},
		{date(2024, 12, 31), date(2025, 12, 31), 253},
	} {
		if got := WorkingDaysBetween(c.from, c.to); got != c.want {
			t.Errorf("WorkingDaysBetween(%v, %v) = %d, want %d", c.from, c.to, got, c.want)
		}
	}
}

func TestYearsAndCovers(t *testing.T) {
	if first, last := Years(); first != 2025 || last != 2028 {
		t.Fatalf("Years() = %d, %d", first, last)
	}
	for y, want := range map[int]bool{2024: false, 2025: true, 2026: true, 2027: true, 2028: true, 2029: false} {
		if Covers(y) != want {
			t.Errorf("Covers(%d) = %v", y, !want)
		}
	}
}
