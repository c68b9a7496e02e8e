package disclosure

import (
	"math/rand"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// trials scales the randomized tests: DISCLOSURE_TRIALS=20 runs twenty times
// as many snapshots, each from its own seed.
func trials(n int) int {
	if k, err := strconv.Atoi(os.Getenv("DISCLOSURE_TRIALS")); err == nil && k > 0 {
		return n * k
	}
	return n
}

// seed varies the seeds of the randomized tests: DISCLOSURE_SEED=k shifts
// every seed by k.
func seed(s int64) int64 {
	k, _ := strconv.ParseInt(os.Getenv("DISCLOSURE_SEED"), 10, 64)
	return s + k
}

func rec(council string, count int, kv ...string) Record {
	r := Record{Council: council, Count: count, Values: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		r.Values[kv[i]] = kv[i+1]
	}
	return r
}

func mustProtect(t testing.TB, records []Record, dims []Dimension, threshold int, viewer string) *Protected {
	t.Helper()
	p, err := Protect(records, dims, threshold, viewer)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustTable1D(t testing.TB, p *Protected, dim string, keep ...string) Table1D {
	t.Helper()
	tab, err := p.Table1D(dim, keep...)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func mustTable2D(t testing.TB, p *Protected, a, b string, rows, cols []string) Table2D {
	t.Helper()
	tab, err := p.Table2D(a, b, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

var placement = Dimension{Name: "placement", Values: []string{"fostering", "residential", "secure", "supported"}}

func oneWay(counts ...int) []Record {
	var rs []Record
	for i, n := range counts {
		rs = append(rs, rec("352", n, "placement", placement.Values[i]))
	}
	return rs
}

// shown is what a viewer reads in a cell: the count, or "x" when suppressed.
func shown(c Cell) any {
	if c.Suppressed {
		return "x"
	}
	return c.Count
}

func shownLine(cells []Cell, total Cell) []any {
	var out []any
	for _, c := range cells {
		out = append(out, shown(c))
	}
	return append(out, shown(total))
}

func TestPrimarySuppressionAndZeros(t *testing.T) {
	p := mustProtect(t, oneWay(0, 3, 7, 12), []Dimension{placement}, 0, "")
	tab := mustTable1D(t, p, "placement")
	// 0 is published; 3 is primary; 7, the smallest other non-zero cell, is
	// secondary so that 3 is not 22 − 0 − 12 − 7.
	if got, want := shownLine(tab.Cells, tab.Total), []any{0, "x", "x", 12, 22}; !reflect.DeepEqual(got, want) {
		t.Fatalf("shown %v, want %v", got, want)
	}
	if r := tab.Cells[1].Reason; r != "primary: fewer than 5" {
		t.Errorf("reason %q", r)
	}
	if r := tab.Cells[2].Reason; r != "secondary: protects a suppressed cell in placement" {
		t.Errorf("reason %q", r)
	}
	for _, c := range tab.Cells {
		if c.Suppressed && c.Count != 0 {
			t.Errorf("suppressed cell leaks its count %d", c.Count)
		}
	}
	if tab.Cells[0].Suppressed || tab.Cells[0].Reason != "" {
		t.Errorf("a true zero must be published: %+v", tab.Cells[0])
	}
}

func TestNothingBelowThresholdNothingSuppressed(t *testing.T) {
	p := mustProtect(t, oneWay(5, 0, 9, 40), []Dimension{placement}, 0, "")
	tab := mustTable1D(t, p, "placement")
	if got, want := shownLine(tab.Cells, tab.Total), []any{5, 0, 9, 40, 54}; !reflect.DeepEqual(got, want) {
		t.Fatalf("shown %v, want %v", got, want)
	}
}

func TestOnlyNonZeroCellSuppressesTheTotalEverywhere(t *testing.T) {
	age := Dimension{Name: "age", Values: []string{"0-4", "5-9", "10-15", "16+"}}
	records := []Record{
		rec("352", 3, "placement", "secure", "age", "10-15"),
	}
	p := mustProtect(t, records, []Dimension{placement, age}, 0, "")
	for _, d := range []string{"placement", "age"} {
		tab := mustTable1D(t, p, d)
		if !tab.Total.Suppressed || tab.Total.Count != 0 {
			t.Errorf("%s: the total would give the one suppressed cell away: %+v", d, tab.Total)
		}
	}
	two := mustTable2D(t, p, "placement", "age", nil, nil)
	if !two.Total.Suppressed {
		t.Error("the grand total of the two-way table must be the shared total, suppressed")
	}
}

func TestThresholdIsConfigurable(t *testing.T) {
	records := oneWay(2, 3, 8, 9)
	p := mustProtect(t, records, []Dimension{placement}, 3, "")
	tab := mustTable1D(t, p, "placement")
	if got, want := shownLine(tab.Cells, tab.Total), []any{"x", "x", 8, 9, 22}; !reflect.DeepEqual(got, want) {
		t.Fatalf("threshold 3: shown %v, want %v", got, want)
	}
	if tab.Cells[0].Reason != "primary: fewer than 3" {
		t.Errorf("reason %q", tab.Cells[0].Reason)
	}
	if _, err := Protect(records, []Dimension{placement}, -1, ""); err == nil {
		t.Error("a negative threshold must be refused")
	}
	if p := mustProtect(t, records, []Dimension{placement}, 0, ""); p.Threshold() != DefaultThreshold {
		t.Errorf("threshold 0 gives %d, want the default", p.Threshold())
	}
}

func TestViewerRuleSuppressesSmallShareOfOthers(t *testing.T) {
	records := []Record{
		rec("352", 10, "placement", "residential"), // Manchester: 10
		rec("350", 2, "placement", "residential"),  // Bolton: 2
		rec("350", 20, "placement", "fostering"),
		rec("351", 30, "placement", "fostering"),
		rec("351", 9, "placement", "supported"),
	}
	lead := mustTable1D(t, mustProtect(t, records, []Dimension{placement}, 0, ""), "placement")
	if c := lead.Cells[1]; c.Suppressed || c.Count != 12 {
		t.Fatalf("the lead sees 12 residential: %+v", c)
	}
	// Manchester knows its 10: 12 would tell it that the others have 2.
	man := mustTable1D(t, mustProtect(t, records, []Dimension{placement}, 0, "352"), "placement")
	if c := man.Cells[1]; !c.Suppressed || c.Count != 0 || c.Own != 10 || c.Reason != "others' share fewer than 5" {
		t.Fatalf("Manchester must not see the residential total: %+v", c)
	}
	if n := suppressedIn(man.Cells, man.Total); n < 2 {
		t.Fatalf("the line of Manchester's view has %d suppressed entries", n)
	}
	// Bolton knows its 2: the others' 10 are not few.
	bol := mustTable1D(t, mustProtect(t, records, []Dimension{placement}, 0, "350"), "placement")
	if c := bol.Cells[1]; c.Suppressed || c.Count != 12 || c.Own != 2 {
		t.Fatalf("Bolton sees 12 residential, 2 its own: %+v", c)
	}
}

func TestOwnFiguresInFull(t *testing.T) {
	records := []Record{
		rec("352", 1, "placement", "secure", "age", "old"),
		rec("352", 6, "placement", "fostering", "age", "young"),
		rec("350", 30, "placement", "fostering", "age", "young"),
		rec("350", 2, "placement", "secure", "age", "old"),
		rec("350", 20, "placement", "residential", "age", "young"),
		rec("350", 20, "placement", "residential", "age", "old"),
		rec("351", 10, "placement", "supported", "age", "young"),
	}
	age := Dimension{Name: "age", Values: []string{"young", "old"}}
	p := mustProtect(t, records, []Dimension{placement, age}, 0, "352")
	tab := mustTable2D(t, p, "placement", "age", nil, nil)
	if c := tab.Cells[2][1]; !c.Suppressed || c.Own != 1 {
		t.Errorf("secure/old: Manchester's own 1 is shown in full even when suppressed: %+v", c)
	}
	if c := tab.Cells[0][0]; c.Suppressed || c.Count != 36 || c.Own != 6 {
		t.Errorf("fostering/young: %+v", c)
	}
	if c := tab.Cells[3][0]; !c.Suppressed || c.Own != 0 {
		t.Errorf("supported/young protects the secure margin's line: %+v", c)
	}
	if tab.Total.Own != 7 || tab.RowMargins[2].Own != 1 {
		t.Errorf("own margins: total %+v, secure %+v", tab.Total, tab.RowMargins[2])
	}
}

func suppressedIn(cells []Cell, margin Cell) int {
	n := 0
	if margin.Suppressed {
		n++
	}
	for _, c := range cells {
		if c.Suppressed {
			n++
		}
	}
	return n
}

func TestSecondaryReasonNamesTheLineInEitherOrientation(t *testing.T) {
	age := Dimension{Name: "age", Values: []string{"young", "old"}}
	records := []Record{
		rec("352", 2, "placement", "fostering", "age", "young"),
		rec("352", 20, "placement", "fostering", "age", "old"),
		rec("352", 30, "placement", "residential", "age", "young"),
		rec("352", 40, "placement", "residential", "age", "old"),
	}
	p := mustProtect(t, records, []Dimension{placement, age}, 0, "")
	ab := mustTable2D(t, p, "placement", "age", nil, nil)
	ba := mustTable2D(t, p, "age", "placement", nil, nil)
	if got, want := ab.Cells[0][0].Reason, "primary: fewer than 5"; got != want {
		t.Errorf("reason %q", got)
	}
	// Fostering/old is suppressed to protect fostering/young, in row
	// "fostering" of placement × age, in column "fostering" of age × placement.
	if got := ab.Cells[0][1].Reason; got != "secondary: protects a suppressed cell in row fostering" {
		t.Errorf("placement × age: %q", got)
	}
	if got := ba.Cells[1][0].Reason; got != "secondary: protects a suppressed cell in column fostering" {
		t.Errorf("age × placement: %q", got)
	}
}

// TestMarginRecoverableFromTwoWayIsSuppressed: with "group" a function of
// "type", protecting each one-way table alone publishes type t2 = 8 and
// suppresses group g2, whose only type is t2: the type × group table (or
// simply knowing the grouping) gives g2 = t2 = 8. The two-way line cannot be
// fixed inside the table, so the margin t2 is suppressed too.
func TestMarginRecoverableFromTwoWayIsSuppressed(t *testing.T) {
	typ := Dimension{Name: "type", Values: []string{"t1", "t2", "t3", "t4"}}
	grp := Dimension{Name: "group", Values: []string{"g1", "g2", "g3"}}
	records := []Record{
		rec("352", 3, "type", "t1", "group", "g1"),
		rec("352", 8, "type", "t2", "group", "g2"),
		rec("352", 6, "type", "t3", "group", "g3"),
		rec("352", 24, "type", "t4", "group", "g3"),
	}
	dims := []Dimension{typ, grp}
	p := mustProtect(t, records, dims, 0, "")
	types := mustTable1D(t, p, "type")
	groups := mustTable1D(t, p, "group")
	if !groups.Cells[1].Suppressed {
		t.Fatalf("g2 is the smallest other group, suppressed with g1: %v", shownLine(groups.Cells, groups.Total))
	}
	if !types.Cells[1].Suppressed {
		t.Fatalf("t2 = g2 must be suppressed: %v", shownLine(types.Cells, types.Total))
	}
	if got := types.Cells[1].Reason; got != "secondary: protects a suppressed cell in the type × group table" {
		t.Errorf("reason %q", got)
	}
	s := buildSystem(t, p, records, dims, dimNames(dims), allPairs(dims))
	if got := linearAttack(s); len(got) > 0 {
		t.Fatalf("recovered %v", names(s, got))
	}
	if got, ex := pinned(s, s.truth[0]); len(got) > 0 || ex {
		t.Fatalf("pinned %v (search exhausted: %v)", names(s, got), ex)
	}
}

// TestBridgeCellIsProtected: every line of this table holds two or three
// suppressed cells, so the line rule is satisfied by the primaries alone, but
// the cells of row a1 link two separate groups of suppressed cells: the sum
// of columns c0 and c2 minus the sum of rows a0 and a4 (all published
// margins and cells) is a1/c0. The audit suppresses one more cell.
func TestBridgeCellIsProtected(t *testing.T) {
	a := Dimension{Name: "placement", Values: []string{"a0", "a1", "a2", "a3", "a4"}}
	c := Dimension{Name: "need", Values: []string{"c0", "c1", "c2", "c3"}}
	small := map[[2]int]bool{
		{0, 0}: true, {0, 2}: true, {4, 0}: true, {4, 2}: true, // one cycle
		{2, 1}: true, {2, 3}: true, {3, 1}: true, {3, 3}: true, // another
		{1, 0}: true, {1, 3}: true, // the bridge between them
	}
	var records []Record
	for r, rv := range a.Values {
		for k, cv := range c.Values {
			n := 10 + r + k
			if small[[2]int{r, k}] {
				n = 2
			}
			records = append(records, rec("352", n, "placement", rv, "need", cv))
		}
	}
	dims := []Dimension{a, c}
	p := mustProtect(t, records, dims, 0, "")
	tab := mustTable2D(t, p, "placement", "need", nil, nil)
	extra := 0
	for r := range tab.Cells {
		for k, cell := range tab.Cells[r] {
			switch {
			case small[[2]int{r, k}] && cell.Reason != "primary: fewer than 5":
				t.Errorf("%s/%s: %+v", a.Values[r], c.Values[k], cell)
			case !small[[2]int{r, k}] && cell.Suppressed:
				extra++
				if cell.Reason != "secondary: protects a suppressed cell in the placement × need table" {
					t.Errorf("%s/%s: reason %q", a.Values[r], c.Values[k], cell.Reason)
				}
			}
		}
	}
	if extra != 1 {
		t.Errorf("%d cells suppressed besides the primaries, want 1:\n%s", extra, describe(t, p, dims))
	}
	s := buildSystem(t, p, records, dims, dimNames(dims), allPairs(dims))
	if got := linearAttack(s); len(got) > 0 {
		t.Fatalf("recovered %v", names(s, got))
	}
	if got, ex := pinned(s, s.truth[0]); len(got) > 0 || ex {
		t.Fatalf("pinned %v (search exhausted: %v)", names(s, got), ex)
	}
}

func names(s *system, vars []int) []string {
	var out []string
	for _, v := range vars {
		out = append(out, s.names[v])
	}
	return out
}

// checkLines asserts that no line of any table the viewer sees holds exactly
// one suppressed entry, that published counts are true and suppressed ones
// are 0, and that every copy of a shared figure is the same.
func checkLines(t *testing.T, p *Protected, records []Record, dims []Dimension) {
	t.Helper()
	truth := truthFunc(records, p.Viewer())
	one := map[string]Table1D{}
	var total *Cell
	for _, d := range dims {
		tab := mustTable1D(t, p, d.Name)
		one[d.Name] = tab
		if n := suppressedIn(tab.Cells, tab.Total); n == 1 {
			t.Errorf("one-way %s: exactly one suppressed entry: %v", d.Name, shownLine(tab.Cells, tab.Total))
		}
		if total != nil && *total != tab.Total {
			t.Errorf("one-way %s: total %+v differs from %+v", d.Name, tab.Total, *total)
		}
		total = &tab.Total
		for i, c := range tab.Cells {
			n, own := truth(map[string]string{d.Name: tab.Values[i]})
			checkCell(t, c, n, own, d.Name+"="+tab.Values[i])
		}
	}
	n, own := truth(nil)
	checkCell(t, *total, n, own, "total")
	for _, a := range dims {
		for _, b := range dims {
			if a.Name == b.Name {
				continue
			}
			tab := mustTable2D(t, p, a.Name, b.Name, nil, nil)
			if tab.Total != *total {
				t.Errorf("%s×%s: grand total differs", a.Name, b.Name)
			}
			if !reflect.DeepEqual(tab.RowMargins, one[a.Name].Cells) || !reflect.DeepEqual(tab.ColMargins, one[b.Name].Cells) {
				t.Errorf("%s×%s: margins differ from the one-way tables", a.Name, b.Name)
			}
			for r := range tab.RowValues {
				if suppressedIn(tab.Cells[r], tab.RowMargins[r]) == 1 {
					t.Errorf("%s×%s row %s: exactly one suppressed entry", a.Name, b.Name, tab.RowValues[r])
				}
				for c := range tab.ColValues {
					n, own := truth(map[string]string{a.Name: tab.RowValues[r], b.Name: tab.ColValues[c]})
					checkCell(t, tab.Cells[r][c], n, own, a.Name+"="+tab.RowValues[r]+","+b.Name+"="+tab.ColValues[c])
				}
			}
			for c := range tab.ColValues {
				var col []Cell
				for r := range tab.RowValues {
					col = append(col, tab.Cells[r][c])
				}
				if suppressedIn(col, tab.ColMargins[c]) == 1 {
					t.Errorf("%s×%s column %s: exactly one suppressed entry", a.Name, b.Name, tab.ColValues[c])
				}
			}
		}
	}
}

func checkCell(t *testing.T, c Cell, n, own int, name string) {
	t.Helper()
	if c.Own != own {
		t.Errorf("%s: own %d, want %d", name, c.Own, own)
	}
	if c.Suppressed {
		if c.Count != 0 || c.Reason == "" {
			t.Errorf("%s: suppressed cell shows count %d, reason %q", name, c.Count, c.Reason)
		}
		if n == 0 {
			t.Errorf("%s: a zero is suppressed", name)
		}
		return
	}
	if c.Count != n {
		t.Errorf("%s: count %d, want %d", name, c.Count, n)
	}
}

// TestRandomTablesResistDifferencing: on many random snapshots, for every
// viewer kind, no line of any table has exactly one suppressed entry, no chain
// of line differences recovers a suppressed figure, and no linear combination
// of all the published equations does either.
func TestRandomTablesResistDifferencing(t *testing.T) {
	rng := rand.New(rand.NewSource(seed(20250331)))
	suppressed, figures := 0, 0
	for trial := range trials(400) {
		councils := 2 + rng.Intn(10)
		records, dims := randomSnapshot(rng, 2+rng.Intn(3), 2, 6, councils, 0.15+0.3*rng.Float64(), 1+rng.Intn(8))
		viewer := randomViewer(rng, councils)
		threshold := 3 + rng.Intn(5)
		p := mustProtect(t, records, dims, threshold, viewer)
		checkLines(t, p, records, dims)
		s := buildSystem(t, p, records, dims, dimNames(dims), allPairs(dims))
		if got := lineAttack(s); len(got) > 0 {
			t.Fatalf("trial %d (viewer %q, threshold %d): line differences recover %v", trial, viewer, threshold, names(s, got))
		}
		if got := linearAttack(s); len(got) > 0 {
			t.Fatalf("trial %d (viewer %q, threshold %d): linear combinations recover %v\n%s", trial, viewer, threshold, names(s, got), describe(t, p, dims))
		}
		for _, sup := range s.sup {
			figures++
			if sup {
				suppressed++
			}
		}
		if t.Failed() {
			t.Fatalf("trial %d (viewer %q, threshold %d)", trial, viewer, threshold)
		}
	}
	t.Logf("%d of %d figures suppressed", suppressed, figures)
}

// TestOverlappingQueriesCannotRecover: the attacks of two overlapping
// queries, taken one pair at a time: a two-way table with the one-way table of
// its row dimension, and A×B against A×C through the margins of A they share.
func TestOverlappingQueriesCannotRecover(t *testing.T) {
	rng := rand.New(rand.NewSource(seed(7)))
	for trial := range trials(200) {
		councils := 2 + rng.Intn(6)
		records, dims := randomSnapshot(rng, 3, 2, 5, councils, 0.3, 1+rng.Intn(6))
		viewer := randomViewer(rng, councils)
		p := mustProtect(t, records, dims, 0, viewer)
		a, b, c := dims[0].Name, dims[1].Name, dims[2].Name
		for _, q := range []struct {
			one   []string
			pairs [][2]string
		}{
			{[]string{a}, [][2]string{{a, b}}},
			{[]string{b}, [][2]string{{a, b}}},
			{nil, [][2]string{{a, b}, {a, c}}},
			{nil, [][2]string{{a, b}, {c, b}}},
		} {
			s := buildSystem(t, p, records, dims, q.one, q.pairs)
			if got := linearAttack(s); len(got) > 0 {
				t.Fatalf("trial %d, %v + %v: recovered %v\n%s", trial, q.one, q.pairs, names(s, got), describe(t, p, dims))
			}
		}
	}
}

// TestFilterOnlySelects: a filtered query shows exactly the figures of the
// unfiltered one for the rows and columns it selects, margins and total
// included, so comparing filtered and unfiltered queries gives nothing.
func TestFilterOnlySelects(t *testing.T) {
	rng := rand.New(rand.NewSource(seed(11)))
	for range trials(100) {
		councils := 2 + rng.Intn(6)
		records, dims := randomSnapshot(rng, 3, 2, 6, councils, 0.3, 6)
		p := mustProtect(t, records, dims, 0, randomViewer(rng, councils))
		a, b := dims[0], dims[2]
		keepRows := pick(rng, a.Values)
		keepCols := pick(rng, b.Values)
		full := mustTable2D(t, p, a.Name, b.Name, nil, nil)
		part := mustTable2D(t, p, a.Name, b.Name, keepRows, keepCols)
		if part.Total != full.Total {
			t.Fatal("a filter changed the total")
		}
		rowAt := indexOf(full.RowValues)
		colAt := indexOf(full.ColValues)
		for r, rv := range part.RowValues {
			if part.RowMargins[r] != full.RowMargins[rowAt[rv]] {
				t.Fatalf("row margin %s differs", rv)
			}
			for c, cv := range part.ColValues {
				if part.Cells[r][c] != full.Cells[rowAt[rv]][colAt[cv]] {
					t.Fatalf("cell %s,%s differs", rv, cv)
				}
			}
		}
		for c, cv := range part.ColValues {
			if part.ColMargins[c] != full.ColMargins[colAt[cv]] {
				t.Fatalf("column margin %s differs", cv)
			}
		}
		if len(part.RowValues) != len(dedupe(keepRows)) || len(part.ColValues) != len(dedupe(keepCols)) {
			t.Fatalf("selected %v × %v for %v × %v", part.RowValues, part.ColValues, keepRows, keepCols)
		}
		one := mustTable1D(t, p, a.Name)
		oneF := mustTable1D(t, p, a.Name, keepRows...)
		if oneF.Total != one.Total {
			t.Fatal("a filter changed the one-way total")
		}
		for i, v := range oneF.Values {
			if oneF.Cells[i] != one.Cells[rowAt[v]] {
				t.Fatalf("one-way %s differs", v)
			}
		}
	}
}

func pick(rng *rand.Rand, values []string) []string {
	var out []string
	for _, v := range values {
		if rng.Intn(2) == 0 {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		out = append(out, values[rng.Intn(len(values))])
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	if rng.Intn(4) == 0 {
		out = append(out, out[0]) // asked twice, shown once
	}
	return out
}

func dedupe(values []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func indexOf(values []string) map[string]int {
	m := map[string]int{}
	for i, v := range values {
		m[v] = i
	}
	return m
}

func TestTransposedTableIsTheSame(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	records, dims := randomSnapshot(rng, 3, 3, 5, 5, 0.3, 6)
	p := mustProtect(t, records, dims, 0, "")
	ab := mustTable2D(t, p, dims[0].Name, dims[1].Name, nil, nil)
	ba := mustTable2D(t, p, dims[1].Name, dims[0].Name, nil, nil)
	for r := range ab.RowValues {
		for c := range ab.ColValues {
			x, y := ab.Cells[r][c], ba.Cells[c][r]
			if x.Count != y.Count || x.Suppressed != y.Suppressed || x.Own != y.Own {
				t.Fatalf("%d,%d: %+v vs %+v", r, c, x, y)
			}
		}
	}
}

// TestSuppressionIsDeterministic: the same snapshot, with records in any
// order, is protected the same way.
func TestSuppressionIsDeterministic(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	records, dims := randomSnapshot(rng, 4, 2, 5, 6, 0.3, 6)
	p := mustProtect(t, records, dims, 0, "301")
	shuffled := append([]Record(nil), records...)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	q := mustProtect(t, shuffled, dims, 0, "301")
	for _, a := range dims {
		if !reflect.DeepEqual(mustTable1D(t, p, a.Name), mustTable1D(t, q, a.Name)) {
			t.Fatalf("%s differs", a.Name)
		}
		for _, b := range dims {
			if a.Name != b.Name && !reflect.DeepEqual(mustTable2D(t, p, a.Name, b.Name, nil, nil), mustTable2D(t, q, a.Name, b.Name, nil, nil)) {
				t.Fatalf("%s×%s differs", a.Name, b.Name)
			}
		}
	}
}

// TestBruteForceNoSuppressedFigureIsDetermined searches, on small random
// snapshots (3 dimensions of 2–3 values, two-way cells of at most 12), every
// non-negative integer assignment consistent with everything one viewer is
// shown: all one-way tables, all two-way tables, their shared margins and
// total, and, for a council, the lower bound of its own figures. Each
// suppressed figure must have at least two possible values.
func TestBruteForceNoSuppressedFigureIsDetermined(t *testing.T) {
	rng := rand.New(rand.NewSource(seed(1)))
	done, withSuppression := 0, 0
	for done < trials(1000) {
		councils := 1 + rng.Intn(3)
		// A two-way cell sums at most 3 records per council: ≤ 12.
		records, dims := randomSnapshot(rng, 3, 2, 3, councils, 0.5, 4/councils)
		viewer := randomViewer(rng, councils)
		threshold := 3 + rng.Intn(3)
		p := mustProtect(t, records, dims, threshold, viewer)
		s := buildSystem(t, p, records, dims, dimNames(dims), allPairs(dims))
		if s.truth[0] == 0 {
			continue
		}
		done++
		suppressed := false
		for _, sup := range s.sup {
			suppressed = suppressed || sup
		}
		if suppressed {
			withSuppression++
		}
		// Every figure is at most the total; when the total is suppressed
		// the search goes up to twice the true total.
		cap := s.truth[0]
		if s.sup[0] {
			cap = 2*s.truth[0] + 2
		}
		got, exhausted := pinned(s, cap)
		if exhausted {
			t.Fatalf("trial %d: search budget exhausted", done)
		}
		if len(got) > 0 {
			t.Fatalf("trial %d (viewer %q, threshold %d): determined %v\n%s", done, viewer, threshold, names(s, got), describe(t, p, dims))
		}
	}
	if withSuppression < done/2 {
		t.Fatalf("only %d of %d trials had suppression: the test data are too easy", withSuppression, done)
	}
}

// describe prints every table of p, for failure messages.
func describe(t *testing.T, p *Protected, dims []Dimension) string {
	var b strings.Builder
	for _, d := range dims {
		tab := mustTable1D(t, p, d.Name)
		b.WriteString(d.Name + ": ")
		for i, c := range tab.Cells {
			b.WriteString(tab.Values[i] + "=" + cellText(c) + " ")
		}
		b.WriteString("total=" + cellText(tab.Total) + "\n")
	}
	for _, pr := range allPairs(dims) {
		tab := mustTable2D(t, p, pr[0], pr[1], nil, nil)
		b.WriteString(pr[0] + " × " + pr[1] + "\n")
		for r := range tab.RowValues {
			b.WriteString("  " + tab.RowValues[r] + ": ")
			for c := range tab.ColValues {
				b.WriteString(cellText(tab.Cells[r][c]) + " ")
			}
			b.WriteString("| " + cellText(tab.RowMargins[r]) + "\n")
		}
		b.WriteString("  ")
		for c := range tab.ColValues {
			b.WriteString(cellText(tab.ColMargins[c]) + " ")
		}
		b.WriteString("| " + cellText(tab.Total) + "\n")
	}
	return b.String()
}

func cellText(c Cell) string {
	s := "x"
	if !c.Suppressed {
		s = strconv.Itoa(c.Count)
	}
	if c.Own > 0 {
		s += "(own " + strconv.Itoa(c.Own) + ")"
	}
	return s
}

func TestProtectRejectsBadInput(t *testing.T) {
	age := Dimension{Name: "age", Values: []string{"young", "old"}}
	for name, tc := range map[string]struct {
		records []Record
		dims    []Dimension
	}{
		"no dimensions":        {nil, nil},
		"dimension twice":      {nil, []Dimension{age, age}},
		"value twice":          {nil, []Dimension{{Name: "age", Values: []string{"a", "a"}}}},
		"unnamed dimension":    {nil, []Dimension{{Values: []string{"a"}}}},
		"missing value":        {[]Record{rec("352", 1, "placement", "secure")}, []Dimension{placement, age}},
		"unknown value":        {[]Record{rec("352", 1, "placement", "prison")}, []Dimension{placement}},
		"negative count":       {[]Record{rec("352", -1, "placement", "secure")}, []Dimension{placement}},
		"negative in 2nd dims": {[]Record{rec("352", -2, "placement", "secure", "age", "old")}, []Dimension{placement, age}},
	} {
		if _, err := Protect(tc.records, tc.dims, 0, ""); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	p := mustProtect(t, nil, []Dimension{placement, age}, 0, "")
	if _, err := p.Table1D("area"); err == nil {
		t.Error("unknown dimension: no error")
	}
	if _, err := p.Table1D("age", "ancient"); err == nil {
		t.Error("unknown filter value: no error")
	}
	if _, err := p.Table2D("age", "age", nil, nil); err == nil {
		t.Error("a dimension by itself: no error")
	}
	if _, err := p.Table2D("age", "placement", nil, []string{"prison"}); err == nil {
		t.Error("unknown column filter: no error")
	}
}

func TestValuesFromRecordsWhenNoCodeList(t *testing.T) {
	records := []Record{rec("352", 7, "age", "old"), rec("350", 9, "age", "young"), rec("350", 0, "age", "baby")}
	p := mustProtect(t, records, []Dimension{{Name: "age"}}, 0, "")
	tab := mustTable1D(t, p, "age")
	if want := []string{"baby", "old", "young"}; !reflect.DeepEqual(tab.Values, want) {
		t.Fatalf("values %v, want %v", tab.Values, want)
	}
	if got := shownLine(tab.Cells, tab.Total); !reflect.DeepEqual(got, []any{0, 7, 9, 16}) {
		t.Fatalf("shown %v", got)
	}
}
