package ssda903_test

import (
	"encoding/csv"
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carecoop/carecoop/services/kit/ssda903"
)

func readSample(t *testing.T, asAt string) *ssda903.Return {
	t.Helper()
	e, err := os.Open("testdata/episodes.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	h, err := os.Open("testdata/header.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	r, err := ssda903.Read(e, h, ssda903.Options{LA: "352", AsAt: date(asAt)})
	if err != nil {
		t.Fatalf("Read(sample, %s): %v", asAt, err)
	}
	return r
}

// groupOf is the placement grouping written out again from the brief, so the
// embedded codes.csv is checked against it rather than against itself.
var groupOf = map[string]string{
	"U1": "fostering", "U2": "fostering", "U3": "fostering", "U4": "fostering", "U5": "fostering", "U6": "fostering",
	"K2": "residential", "K3": "residential", "R1": "residential",
	"K1": "secure",
	"H5": "supported-16-plus", "P2": "supported-16-plus",
	"S1": "send-school",
	"P1": "with-parents",
	"A3": "adoption", "A4": "adoption", "A5": "adoption", "A6": "adoption",
	"T0": "temporary", "T1": "temporary", "T2": "temporary", "T3": "temporary", "T4": "temporary",
	"P3": "other", "R2": "other", "R3": "other", "R5": "other", "Z1": "other",
	"Z11": "other", "Z12": "other", "Z13": "other", "Z14": "other",
}

type independent struct {
	children                    int
	group, age, need, legalStat map[string]int
}

// countIndependently re-does the headline counts straight from the sample
// with encoding/csv and time.Parse, sharing no code with the package.
func countIndependently(t *testing.T, asAt time.Time) independent {
	t.Helper()
	load := func(name string) []map[string]string {
		f, err := os.Open("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var out []map[string]string
		for _, rec := range recs[1:] {
			m := map[string]string{}
			for i, col := range recs[0] {
				m[col] = rec[i]
			}
			out = append(out, m)
		}
		return out
	}
	parse := func(s string) time.Time {
		d, err := time.Parse("02/01/2006", s)
		if err != nil {
			t.Fatalf("sample date %q: %v", s, err)
		}
		return d
	}
	dob := map[string]time.Time{}
	for _, h := range load("header.csv") {
		dob[h["CHILD"]] = parse(h["DOB"])
	}
	// For each child, the episode open on asAt that started last; a later
	// line wins a tie.
	type pick struct {
		start time.Time
		ep    map[string]string
	}
	chosen := map[string]pick{}
	for _, e := range load("episodes.csv") {
		start := parse(e["DECOM"])
		if start.After(asAt) {
			continue
		}
		if e["DEC"] != "" && !parse(e["DEC"]).After(asAt) {
			continue
		}
		if p, ok := chosen[e["CHILD"]]; ok && start.Before(p.start) {
			continue
		}
		chosen[e["CHILD"]] = pick{start, e}
	}
	res := independent{group: map[string]int{}, age: map[string]int{}, need: map[string]int{}, legalStat: map[string]int{}}
	for id, p := range chosen {
		res.children++
		res.group[groupOf[p.ep["PLACE"]]]++
		res.need[p.ep["CIN"]]++
		res.legalStat[p.ep["LS"]]++
		b := dob[id]
		age := 0 // completed years: birthdays on or before asAt
		for !b.AddDate(age+1, 0, 0).After(asAt) {
			age++
		}
		switch {
		case age == 0:
			res.age["under 1"]++
		case age <= 4:
			res.age["1-4"]++
		case age <= 9:
			res.age["5-9"]++
		case age <= 15:
			res.age["10-15"]++
		default:
			res.age["16+"]++
		}
	}
	return res
}

func TestSampleMatchesIndependentCount(t *testing.T) {
	// Children looked after, counted a third way (a throwaway script over
	// the sample) when the test was written.
	want := map[string]int{"2017-03-31": 2100, "2018-03-31": 1419}
	for _, asAt := range []string{"2017-03-31", "2018-03-31"} {
		t.Run(asAt, func(t *testing.T) {
			got := readSample(t, asAt)
			ind := countIndependently(t, date(asAt))
			if got.LA != "352" || got.AsAt != asAt {
				t.Errorf("LA, AsAt = %q, %q", got.LA, got.AsAt)
			}
			if got.Children != ind.children || got.Children != want[asAt] {
				t.Errorf("Children = %d; independent count %d; script %d", got.Children, ind.children, want[asAt])
			}
			for _, c := range []struct {
				name      string
				got, want map[string]int
			}{
				{"placement group", got.Totals.PlacementGroup, ind.group},
				{"age band", got.Totals.AgeBand, ind.age},
				{"need", got.Totals.Need, ind.need},
				{"legal status", got.Totals.LegalStatus, ind.legalStat},
			} {
				if !maps.Equal(c.got, c.want) {
					t.Errorf("%s totals:\n got %v\nwant %v", c.name, c.got, c.want)
				}
			}
			// The cells add up to the same totals on every dimension.
			sums := []map[string]int{{}, {}, {}, {}, {}, {}}
			n := 0
			for _, c := range got.Cells {
				if c.Count <= 0 {
					t.Errorf("cell with count %d: %+v", c.Count, c)
				}
				n += c.Count
				for i, v := range []string{c.PlacementGroup, c.AgeBand, c.Need, c.LegalStatus, c.Area, c.DistanceBand} {
					sums[i][v] += c.Count
				}
			}
			if n != got.Children {
				t.Errorf("cells sum to %d, Children = %d", n, got.Children)
			}
			for i, tot := range []map[string]int{got.Totals.PlacementGroup, got.Totals.AgeBand, got.Totals.Need,
				got.Totals.LegalStatus, got.Totals.Area, got.Totals.DistanceBand} {
				if !maps.Equal(sums[i], tot) {
					t.Errorf("dimension %d: cells sum to %v, totals say %v", i, sums[i], tot)
				}
			}
		})
	}
}

func TestSampleReadTwiceIsIdentical(t *testing.T) {
	for _, asAt := range []string{"2017-03-31", "2018-03-31"} {
		a, b := readSample(t, asAt), readSample(t, asAt)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two reads differ", asAt)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Errorf("%s: JSON of two reads differs", asAt)
		}
		if a.Summary() != b.Summary() {
			t.Errorf("%s: summaries differ", asAt)
		}
	}
}

func TestSampleCellsAreSorted(t *testing.T) {
	r := readSample(t, "2018-03-31")
	key := func(c ssda903.Cell) string {
		return strings.Join([]string{c.PlacementGroup, c.AgeBand, c.Need, c.LegalStatus, c.Area, c.DistanceBand}, "|")
	}
	seen := map[string]bool{}
	for _, c := range r.Cells {
		if seen[key(c)] {
			t.Errorf("cell %s appears twice", key(c))
		}
		seen[key(c)] = true
	}
	// Re-sorting a shuffled copy with the documented order must give the
	// same slice.
	groups := []string{"fostering", "residential", "secure", "supported-16-plus", "send-school", "with-parents", "adoption", "temporary", "other"}
	ages := []string{"under 1", "1-4", "5-9", "10-15", "16+"}
	shuffled := slices.Clone(r.Cells)
	slices.Reverse(shuffled)
	slices.SortStableFunc(shuffled, func(a, b ssda903.Cell) int {
		if d := slices.Index(groups, a.PlacementGroup) - slices.Index(groups, b.PlacementGroup); d != 0 {
			return d
		}
		return slices.Index(ages, a.AgeBand) - slices.Index(ages, b.AgeBand)
	})
	for i := range shuffled {
		if shuffled[i].PlacementGroup != r.Cells[i].PlacementGroup || shuffled[i].AgeBand != r.Cells[i].AgeBand {
			t.Fatalf("cells are not in placement group then age band order at %d", i)
		}
	}
}

// TestSampleReturnHoldsNoChildLevelData checks that no identifier, date of
// birth, postcode or URN from the extract appears in the Return or its
// summary.
func TestSampleReturnHoldsNoChildLevelData(t *testing.T) {
	r := readSample(t, "2018-03-31")
	out, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	text := string(out) + r.Summary()
	var private []string
	for _, f := range []struct {
		file string
		cols []string
	}{{"episodes.csv", []string{"CHILD", "HOME_POST", "PL_POST", "URN", "DECOM", "DEC"}}, {"header.csv", []string{"CHILD", "DOB", "UPN", "ETHNIC"}}} {
		fh, err := os.Open("testdata/" + f.file)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs[1:] {
			for _, col := range f.cols {
				v := rec[slices.Index(recs[0], col)]
				if len(v) >= 4 {
					private = append(private, v)
				}
			}
		}
	}
	for _, v := range private {
		if strings.Contains(text, v) {
			t.Errorf("the return contains %q from the extract", v)
		}
	}
	var generic map[string]any
	_ = json.Unmarshal(out, &generic)
	for _, k := range []string{"child", "dob", "postcode", "urn", "sex", "ethnic"} {
		for got := range generic {
			if strings.Contains(strings.ToLower(got), k) && got != "children" {
				t.Errorf("return has a field %q", got)
			}
		}
	}
}

func TestSampleSummary(t *testing.T) {
	s := readSample(t, "2017-03-31").Summary()
	for _, want := range []string{
		"SSDA903 needs return for LA 352, as at 2017-03-31",
		"Children looked after on 2017-03-31: 2100",
		"Placement group", "fostering", "Age band", "10-15", "N1  Abuse or neglect", "C2  Full care order",
		"Year after 2016-03-31 up to 2017-03-31",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}
