package server_test

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
)

// checkProtected checks every figure of a consortium table as a reader sees
// it: a suppressed figure shows 0 and a reason; a published one is the true
// pooled count, and is 0 or at least the threshold; every true count under
// the threshold is suppressed; and, for a council reader, so is every figure
// in which the other councils' share is under the threshold (own is its own
// figures, nil for a reader without any).
func checkProtected(t *testing.T, what string, tb *demandv1.Table, truth, own map[string]int, threshold int) (suppressed int) {
	t.Helper()
	every(tb, func(k string, c *demandv1.TableCell) {
		n := truth[k]
		if c.GetSuppressed() {
			suppressed++
			if c.GetCount() != 0 || c.GetReason() == "" {
				t.Errorf("%s: suppressed %q shows count %d, reason %q", what, k, c.GetCount(), c.GetReason())
			}
			if strings.Contains(c.GetReason(), "primary") || strings.Contains(c.GetReason(), "secondary") {
				t.Errorf("%s: %q's reason tells primary from secondary suppression: %q", what, k, c.GetReason())
			}
			return
		}
		if int(c.GetCount()) != n {
			t.Errorf("%s: %q published as %d, the returns count %d", what, k, c.GetCount(), n)
		}
		if c.GetCount() > 0 && int(c.GetCount()) < threshold {
			t.Errorf("%s: %q published a count of %d, under the threshold %d", what, k, c.GetCount(), threshold)
		}
		if others := n - own[k]; own != nil && others > 0 && others < threshold {
			t.Errorf("%s: %q published with the other councils' share %d, under the threshold", what, k, others)
		}
	})
	return suppressed
}

// demand asks c for the table by dims as at asAt.
func (h *harness) demandOf(c demandv1.DemandServiceClient, asAt string, dims []string, filters map[string]string) *demandv1.DemandTable {
	h.t.Helper()
	return must(c.GetDemand(h.Ctx, &demandv1.GetDemandRequest{Consortium: consortium, AsAt: asAt, Dimensions: dims, Filters: filters, MinPosition: h.pos()})).OK(h.t)
}

func tableString(tb *demandv1.Table) string {
	var b strings.Builder
	every(tb, func(k string, c *demandv1.TableCell) {
		if c.GetSuppressed() {
			fmt.Fprintf(&b, "%s=* ", k)
		} else if c.GetCount() > 0 {
			fmt.Fprintf(&b, "%s=%d ", k, c.GetCount())
		}
	})
	return b.String()
}

// A council sees its own figures in full and everyone else's only through
// the protected consortium table; a member that submitted nothing sees only
// that table, with every small figure suppressed.
func TestOwnFiguresInFullOthersSuppressed(t *testing.T) {
	h := newHarness(t)
	h.dps()
	subs := pooled()
	h.submit(subs)

	groupings := [][]string{}
	for _, d := range dimensions {
		groupings = append(groupings, []string{d})
	}
	groupings = append(groupings, pairs()...)

	// Manchester: its 2 children in secure exactly in its own table, and
	// suppressed in the consortium's, which holds nobody else's.
	manchester := h.demandOf(h.analyst("352"), thisYear, []string{"placement_group"}, nil)
	var ownSecure, pooledSecure *demandv1.TableCell
	for _, c := range manchester.GetOwnTable().GetCells() {
		if c.GetValues()[0] == "secure" {
			ownSecure = c
		}
	}
	for _, c := range manchester.GetConsortiumTable().GetCells() {
		if c.GetValues()[0] == "secure" {
			pooledSecure = c
		}
	}
	if ownSecure.GetCount() != 2 || ownSecure.GetSuppressed() {
		t.Errorf("352's own secure figure is %v, want 2 in full", ownSecure)
	}
	if !pooledSecure.GetSuppressed() || pooledSecure.GetCount() != 0 {
		t.Errorf("the consortium's secure figure is %v, want suppressed", pooledSecure)
	}

	for _, la := range []string{"352", "353", "354"} {
		c := h.viewer(la)
		for _, dims := range groupings {
			got := h.demandOf(c, thisYear, dims, nil)
			what := fmt.Sprintf("%s's view by %v", la, dims)
			if got.GetCouncils() != 2 || got.GetAsAt() != thisYear || got.GetThreshold() != threshold {
				t.Fatalf("%s: %d councils as at %s, threshold %d", what, got.GetCouncils(), got.GetAsAt(), got.GetThreshold())
			}
			tr := truth(subs, thisYear, dims)
			var own map[string]int
			if la != "354" {
				own = truth(subs, thisYear, dims, la)
			}
			checkProtected(t, what, got.GetConsortiumTable(), tr, own, threshold)
			// Its own table is its own returns, in full; 354 has none.
			ownTable := got.GetOwnTable()
			if la == "354" {
				if len(ownTable.GetCells()) != 0 || ownTable.GetTotal().GetCount() != 0 {
					t.Errorf("%s: 354 has own figures %v", what, ownTable)
				}
				continue
			}
			seen := 0
			every(ownTable, func(k string, c *demandv1.TableCell) {
				if c.GetSuppressed() || int(c.GetCount()) != own[k] {
					t.Errorf("%s: own %q = %v, want %d in full", what, k, c, own[k])
				}
				if c.GetCount() > 0 {
					seen++
				}
			})
			if want := len(own); seen != want {
				t.Errorf("%s: own table shows %d non-zero figures, the returns have %d", what, seen, want)
			}
		}
	}
}

// line counts the suppressed entries of a line of figures.
func line(cells ...*demandv1.TableCell) int {
	n := 0
	for _, c := range cells {
		if c.GetSuppressed() {
			n++
		}
	}
	return n
}

// sameFigure says whether two cells publish the same thing.
func sameFigure(a, b *demandv1.TableCell) bool {
	return a.GetCount() == b.GetCount() && a.GetSuppressed() == b.GetSuppressed()
}

// No suppressed figure can be recovered through the API: not from the lines
// of a two-way table and its margins, not by comparing overlapping queries,
// not through filters, not through the series of dates.
func TestDifferencingAttacks(t *testing.T) {
	h := newHarness(t)
	h.dps()
	subs := pooled()
	h.submit(subs)

	readers := map[string]demandv1.DemandServiceClient{"354": h.viewer("354"), "352": h.analyst("352"), "lead": h.dlead()}
	for name, c := range readers {
		oneWay := map[string]*demandv1.Table{}
		for _, d := range dimensions {
			tb := h.demandOf(c, thisYear, []string{d}, nil).GetConsortiumTable()
			oneWay[d] = tb
			// (a) A one-way line (its cells and the total) never has exactly
			// one suppressed entry.
			if n := line(append(tb.GetCells(), tb.GetTotal())...); n == 1 {
				t.Errorf("%s by %s: one suppressed entry in the line: %s", name, d, tableString(tb))
			}
		}
		total := oneWay["placement_group"].GetTotal()
		suppressedSomewhere := false
		for _, p := range pairs() {
			for _, dims := range [][]string{p, {p[1], p[0]}} {
				what := fmt.Sprintf("%s by %v", name, dims)
				tb := h.demandOf(c, thisYear, dims, nil).GetConsortiumTable()
				rows, cols := oneWay[dims[0]], oneWay[dims[1]]
				nr, nc := len(rows.GetCells()), len(cols.GetCells())
				if len(tb.GetCells()) != nr*nc || len(tb.GetMargins()) != nr {
					t.Fatalf("%s: %d cells and %d margins for %d × %d values", what, len(tb.GetCells()), len(tb.GetMargins()), nr, nc)
				}
				// (b) The grand total and the margins are the one-way
				// tables' figures, published or suppressed alike.
				if !sameFigure(tb.GetTotal(), total) {
					t.Errorf("%s: total %v, the one-way tables' %v", what, tb.GetTotal(), total)
				}
				for i, m := range tb.GetMargins() {
					if m.GetValues()[0] != rows.GetCells()[i].GetValues()[0] || !sameFigure(m, rows.GetCells()[i]) {
						t.Errorf("%s: margin %v, the one-way cell %v", what, m, rows.GetCells()[i])
					}
				}
				cell := func(i, j int) *demandv1.TableCell { return tb.GetCells()[i*nc+j] }
				// (a) Every row line (the row's cells and its margin) and
				// every column line (the column's cells and the one-way
				// cell of the column) has no suppressed entry or at least
				// two; a line with none adds up.
				for i := range nr {
					ln := []*demandv1.TableCell{tb.GetMargins()[i]}
					sum := uint32(0)
					for j := range nc {
						ln = append(ln, cell(i, j))
						sum += cell(i, j).GetCount()
						if cell(i, j).GetValues()[0] != rows.GetCells()[i].GetValues()[0] || cell(i, j).GetValues()[1] != cols.GetCells()[j].GetValues()[0] {
							t.Fatalf("%s: cell (%d, %d) is %v", what, i, j, cell(i, j).GetValues())
						}
					}
					switch n := line(ln...); {
					case n == 1:
						t.Errorf("%s: row %s has one suppressed entry: %s", what, rows.GetCells()[i].GetValues()[0], tableString(tb))
					case n == 0 && sum != tb.GetMargins()[i].GetCount():
						t.Errorf("%s: row %s adds up to %d, its margin is %d", what, rows.GetCells()[i].GetValues()[0], sum, tb.GetMargins()[i].GetCount())
					case n > 0:
						suppressedSomewhere = true
					}
				}
				for j := range nc {
					ln := []*demandv1.TableCell{cols.GetCells()[j]}
					sum := uint32(0)
					for i := range nr {
						ln = append(ln, cell(i, j))
						sum += cell(i, j).GetCount()
					}
					switch n := line(ln...); {
					case n == 1:
						t.Errorf("%s: column %s has one suppressed entry: %s", what, cols.GetCells()[j].GetValues()[0], tableString(tb))
					case n == 0 && sum != cols.GetCells()[j].GetCount():
						t.Errorf("%s: column %s adds up to %d, the one-way figure is %d", what, cols.GetCells()[j].GetValues()[0], sum, cols.GetCells()[j].GetCount())
					}
				}
			}
		}
		if !suppressedSomewhere {
			t.Errorf("%s: nothing suppressed in any two-way table; the data do not exercise disclosure control", name)
		}

		// (b) Overlapping queries: placement_group alone, by age band and by
		// need publish the same placement group figures, and the same pair
		// asked either way round the same cells.
		byGroup := h.demandOf(c, thisYear, []string{"placement_group"}, nil).GetConsortiumTable()
		for _, other := range []string{"age_band", "need"} {
			tb := h.demandOf(c, thisYear, []string{"placement_group", other}, nil).GetConsortiumTable()
			tr := h.demandOf(c, thisYear, []string{other, "placement_group"}, nil).GetConsortiumTable()
			for i, m := range tb.GetMargins() {
				if !proto.Equal(m, byGroup.GetCells()[i]) {
					t.Errorf("%s: placement_group × %s margin %v, placement_group alone %v", name, other, m, byGroup.GetCells()[i])
				}
			}
			transposed := map[string]*demandv1.TableCell{}
			for _, c := range tr.GetCells() {
				transposed[c.GetValues()[1]+"|"+c.GetValues()[0]] = c
			}
			for _, c := range tb.GetCells() {
				o := transposed[strings.Join(c.GetValues(), "|")]
				if o == nil || !sameFigure(c, o) {
					t.Errorf("%s: %v is %v by placement_group × %s and %v the other way round", name, c.GetValues(), c, other, o)
				}
			}
		}

		// (c) Filters select figures, they never change them.
		whole := h.demandOf(c, thisYear, []string{"placement_group", "age_band"}, nil).GetConsortiumTable()
		for _, f := range []map[string]string{
			{"placement_group": "residential"},
			{"placement_group": "secure"},
			{"age_band": "16+"},
			{"placement_group": "fostering", "age_band": "under 1"},
		} {
			got := h.demandOf(c, thisYear, []string{"placement_group", "age_band"}, f)
			tb := got.GetConsortiumTable()
			var want []*demandv1.TableCell
			for _, c := range whole.GetCells() {
				if (f["placement_group"] == "" || c.GetValues()[0] == f["placement_group"]) && (f["age_band"] == "" || c.GetValues()[1] == f["age_band"]) {
					want = append(want, c)
				}
			}
			if len(tb.GetCells()) != len(want) {
				t.Errorf("%s filtered by %v: %d cells, want %d", name, f, len(tb.GetCells()), len(want))
				continue
			}
			for i := range want {
				if !proto.Equal(tb.GetCells()[i], want[i]) {
					t.Errorf("%s filtered by %v: %v, unfiltered %v", name, f, tb.GetCells()[i], want[i])
				}
			}
			for _, m := range tb.GetMargins() {
				for _, wm := range whole.GetMargins() {
					if wm.GetValues()[0] == m.GetValues()[0] && !proto.Equal(m, wm) {
						t.Errorf("%s filtered by %v: margin %v, unfiltered %v", name, f, m, wm)
					}
				}
			}
			if !proto.Equal(tb.GetTotal(), whole.GetTotal()) {
				t.Errorf("%s filtered by %v: total %v, unfiltered %v", name, f, tb.GetTotal(), whole.GetTotal())
			}
		}
		one := h.demandOf(c, thisYear, []string{"need"}, map[string]string{"need": "N3"}).GetConsortiumTable()
		for _, w := range h.demandOf(c, thisYear, []string{"need"}, nil).GetConsortiumTable().GetCells() {
			if w.GetValues()[0] == "N3" && (len(one.GetCells()) != 1 || !proto.Equal(one.GetCells()[0], w)) {
				t.Errorf("%s: need N3 filtered %v, unfiltered %v", name, one.GetCells(), w)
			}
		}

		// (d) Each date of the series is that date's table.
		for _, d := range dimensions {
			series := must(c.GetDemandSeries(h.Ctx, &demandv1.GetDemandSeriesRequest{Consortium: consortium, Dimension: d, MinPosition: h.pos()})).OK(t)
			if len(series.GetPoints()) != 2 || series.GetPoints()[0].GetAsAt() != lastYear || series.GetPoints()[1].GetAsAt() != thisYear {
				t.Fatalf("%s: series by %s has %d points", name, d, len(series.GetPoints()))
			}
			for _, p := range series.GetPoints() {
				want := h.demandOf(c, p.GetAsAt(), []string{d}, nil)
				want.Position = p.GetPosition()
				if !proto.Equal(p, want) {
					t.Errorf("%s: series point %s by %s differs from GetDemand:\n%v\n%v", name, p.GetAsAt(), d, p, want)
				}
			}
		}
	}
}

// A consortium's lead raises the threshold: every figure under it is
// suppressed from then on, and the lines still hold.
func TestThresholdPolicy(t *testing.T) {
	h := newHarness(t)
	h.dps()
	subs := pooled()
	h.submit(subs)
	before := h.demandOf(h.viewer("354"), thisYear, []string{"placement_group", "age_band"}, nil)
	must(h.dlead().SetDisclosurePolicy(h.Ctx, &demandv1.SetDisclosurePolicyRequest{RequestId: "policy-threshold-10", Threshold: 10, MinPriceProviders: 3,
		Reason: "Several small councils: agreed at the consortium board"})).OK(t)
	after := h.demandOf(h.viewer("354"), thisYear, []string{"placement_group", "age_band"}, nil)
	if before.GetThreshold() != 5 || after.GetThreshold() != 10 {
		t.Fatalf("threshold %d, then %d", before.GetThreshold(), after.GetThreshold())
	}
	tr := truth(subs, thisYear, []string{"placement_group", "age_band"})
	n5 := checkProtected(t, "threshold 5", before.GetConsortiumTable(), tr, nil, 5)
	n10 := checkProtected(t, "threshold 10", after.GetConsortiumTable(), tr, nil, 10)
	if n10 <= n5 {
		t.Errorf("threshold 10 suppresses %d figures, threshold 5 %d", n10, n5)
	}
	smallOnes := 0
	every(after.GetConsortiumTable(), func(k string, c *demandv1.TableCell) {
		if n := tr[k]; n >= 5 && n < 10 {
			smallOnes++
			if !c.GetSuppressed() {
				t.Errorf("%q (%d children) published under threshold 10", k, n)
			}
		}
	})
	if smallOnes == 0 {
		t.Error("no figure of 5 to 9 children: the test shows nothing")
	}
	for _, d := range dimensions {
		tb := h.demandOf(h.viewer("354"), thisYear, []string{d}, nil).GetConsortiumTable()
		checkProtected(t, "threshold 10 by "+d, tb, truth(subs, thisYear, []string{d}), nil, 10)
		if line(append(tb.GetCells(), tb.GetTotal())...) == 1 {
			t.Errorf("threshold 10 by %s: one suppressed entry: %s", d, tableString(tb))
		}
	}
}
