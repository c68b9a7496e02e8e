package calendar

import (
	"os"
	"slices"
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
	// 2018–2028: eight a year, and 2022's two extra and 2023's one.
	if tab.first != 2018 || tab.last != 2028 || len(tab.names) != 11*8+3 {
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

// Easter Sundays as published (e.g. by the Church of England), not computed.
var easterSundays = map[int]time.Time{
	2018: date(2018, 4, 1), 2019: date(2019, 4, 21), 2020: date(2020, 4, 12),
	2021: date(2021, 4, 4), 2022: date(2022, 4, 17), 2023: date(2023, 4, 9),
	2024: date(2024, 3, 31), 2025: date(2025, 4, 20), 2026: date(2026, 4, 5),
	2027: date(2027, 3, 28), 2028: date(2028, 4, 16), 2029: date(2029, 4, 1),
	2030: date(2030, 4, 21), 2031: date(2031, 4, 13), 2032: date(2032, 3, 28),
	2033: date(2033, 4, 17), 2034: date(2034, 4, 9), 2035: date(2035, 3, 25),
	2036: date(2036, 4, 13), 2037: date(2037, 4, 5), 2038: date(2038, 4, 25),
	2039: date(2039, 4, 10), 2040: date(2040, 4, 1),
}

func TestEaster(t *testing.T) {
	for y, want := range easterSundays {
		if got := easter(y).date(); got != want {
			t.Errorf("easter(%d) = %s, want %s", y, got.Format(time.DateOnly), want.Format(time.DateOnly))
		}
	}
}

func list(hs []Holiday) []string {
	var out []string
	for _, h := range hs {
		out = append(out, h.Date.Format(time.DateOnly)+" "+h.Date.Weekday().String()+" "+h.Name)
	}
	return out
}

// testdata/rules-2029-2040.csv was written from the published Easter dates
// and the rules by hand-checked arithmetic, not by this package.
func TestRulesFrom2029To2040(t *testing.T) {
	data, err := os.ReadFile("testdata/rules-2029-2040.csv")
	if err != nil {
		t.Fatal(err)
	}
	want, err := parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if want.first != 2029 || want.last != 2040 {
		t.Fatalf("testdata covers %d–%d", want.first, want.last)
	}
	for y := 2029; y <= 2040; y++ {
		var exp []Holiday
		for k, name := range want.names {
			if k.y == y {
				exp = append(exp, Holiday{k.date(), name})
			}
		}
		slices.SortFunc(exp, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
		got := Holidays(y)
		if !slices.Equal(list(got), list(exp)) {
			t.Errorf("Holidays(%d):\n got %q\nwant %q", y, list(got), list(exp))
		}
		e := easterSundays[y]
		if got[1].Date != e.AddDate(0, 0, -2) || got[2].Date != e.AddDate(0, 0, 1) {
			t.Errorf("%d: Easter %s, but Good Friday %s and Easter Monday %s", y, e.Format(time.DateOnly), got[1].Date.Format(time.DateOnly), got[2].Date.Format(time.DateOnly))
		}
	}
}

// The table is GOV.UK's record; the rules must give every table year except
// the one-off changes proclaimed for it.
func TestRulesReproduceTheTableExceptOneOffs(t *testing.T) {
	first, last := TableYears()
	var rulesOnly, tableOnly []string
	for y := first; y <= last; y++ {
		var rules []Holiday
		for k, name := range byRule(y) {
			rules = append(rules, Holiday{k.date(), name})
		}
		table := list(Holidays(y))
		for _, s := range list(rules) {
			if !slices.Contains(table, s) {
				rulesOnly = append(rulesOnly, s)
			}
		}
		for _, s := range table {
			if !slices.Contains(list(rules), s) {
				tableOnly = append(tableOnly, s)
			}
		}
	}
	slices.Sort(rulesOnly)
	slices.Sort(tableOnly)
	wantRules := []string{
		"2020-05-04 Monday Early May bank holiday", // moved to VE day
		"2022-05-30 Monday Spring bank holiday",    // moved to 2 June
	}
	wantTable := []string{
		"2020-05-08 Friday Early May bank holiday (VE day)",
		"2022-06-02 Thursday Spring bank holiday",
		"2022-06-03 Friday Platinum Jubilee bank holiday",
		"2022-09-19 Monday Bank Holiday for the State Funeral of Queen Elizabeth II",
		"2023-05-08 Monday Bank holiday for the coronation of King Charles III",
	}
	if !slices.Equal(rulesOnly, wantRules) {
		t.Errorf("only by the rules: %q\nwant %q", rulesOnly, wantRules)
	}
	if !slices.Equal(tableOnly, wantTable) {
		t.Errorf("only in the table: %q\nwant %q", tableOnly, wantTable)
	}
	// Where the table holds, the one-offs win over the rules.
	if name, ok := IsBankHoliday(date(2020, 5, 4)); ok {
		t.Errorf("4 May 2020 is a bank holiday (%q); VE day replaced it", name)
	}
	if !IsWorkingDay(date(2022, 5, 30)) || IsWorkingDay(date(2022, 9, 19)) {
		t.Error("2022 follows the rules, not the table")
	}
}

func TestSubstituteDays(t *testing.T) {
	for _, c := range []struct {
		why  string
		year int
		want []string
	}{
		{"Christmas on a Saturday", 2032, []string{"2032-12-27 Monday Christmas Day (substitute day)", "2032-12-28 Tuesday Boxing Day (substitute day)"}},
		{"Christmas on a Sunday", 2033, []string{"2033-12-26 Monday Boxing Day", "2033-12-27 Tuesday Christmas Day (substitute day)"}},
		{"Boxing Day on a Saturday", 2037, []string{"2037-12-25 Friday Christmas Day", "2037-12-28 Monday Boxing Day (substitute day)"}},
		{"New Year's Day on a Saturday", 2033, []string{"2033-01-03 Monday New Year's Day (substitute day)"}},
		{"New Year's Day on a Sunday", 2034, []string{"2034-01-02 Monday New Year's Day (substitute day)"}},
	} {
		// The New Year's cases look at January, the others at December.
		month := "-12-"
		if strings.HasPrefix(c.why, "New Year") {
			month = "-01-"
		}
		var got []string
		for _, s := range list(Holidays(c.year)) {
			if s[4:8] == month {
				got = append(got, s)
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s (%d): %q, want %q", c.why, c.year, got, c.want)
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
		{date(2022, 9, 19), "Bank Holiday for the State Funeral of Queen Elizabeth II"},
		{date(2029, 3, 30), "Good Friday"},
		{date(2033, 1, 3), "New Year's Day (substitute day)"},
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
		{date(2024, 12, 31), 1, date(2025, 1, 2)},   // 1 Jan
		{date(2028, 12, 22), 3, date(2028, 12, 29)}, // over Christmas 2028
		// Fri 22 Dec 2028: 25, 26 Dec holidays; Wed 27 to Fri 29 (3); Mon
		// 1 Jan 2029 holiday; Tue 2 Jan 2029 (4). Past the table, by rule.
		{date(2028, 12, 22), 4, date(2029, 1, 2)},
		// Thu 29 Mar 2029: Good Friday 30 Mar and Easter Monday 2 Apr.
		{date(2029, 3, 29), 1, date(2029, 4, 3)},
		// Fri 24 Dec 2032: Christmas and Boxing Day fall on the weekend,
		// their substitutes Mon 27 and Tue 28.
		{date(2032, 12, 24), 1, date(2032, 12, 29)},
		// The 2022 Platinum Jubilee: Wed 1 June 2022 + 1 is Mon 6 June.
		{date(2022, 6, 1), 1, date(2022, 6, 6)},
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

func TestAddWorkingDaysRefusesNegative(t *testing.T) {
	if _, err := AddWorkingDays(date(2026, 1, 1), -1); err == nil {
		t.Error("AddWorkingDays(-1) gave no error")
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
		{date(2028, 12, 31), date(2029, 12, 31), 253}, // by rule
		{date(2021, 12, 31), date(2022, 12, 31), 250}, // the table's ten
	} {
		if got := WorkingDaysBetween(c.from, c.to); got != c.want {
			t.Errorf("WorkingDaysBetween(%v, %v) = %d, want %d", c.from, c.to, got, c.want)
		}
	}
}

func TestTableYears(t *testing.T) {
	if first, last := TableYears(); first != 2018 || last != 2028 {
		t.Fatalf("TableYears() = %d, %d", first, last)
	}
}
