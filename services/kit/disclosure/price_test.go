package disclosure

import (
	"reflect"
	"testing"
)

func prices(provider string, pence ...int64) []Price {
	var out []Price
	for _, p := range pence {
		out = append(out, Price{Provider: provider, WeeklyPence: p})
	}
	return out
}

func TestPriceStatsNeedsEnoughPlacementsAndProviders(t *testing.T) {
	for name, tc := range map[string]struct {
		prices       []Price
		threshold    int
		minProviders int
		ok           bool
	}{
		"none":                       {nil, 0, 0, false},
		"four placements":            {append(prices("a", 1, 2), append(prices("b", 3), prices("c", 4)...)...), 0, 0, false},
		"five placements, three":     {append(prices("a", 1, 2, 3), append(prices("b", 4), prices("c", 5)...)...), 0, 0, true},
		"many placements, two":       {append(prices("a", 1, 2, 3, 4, 5, 6), prices("b", 7, 8, 9)...), 0, 0, false},
		"one provider":               {prices("a", 1, 2, 3, 4, 5, 6, 7, 8), 0, 0, false},
		"threshold 10, 9 placements": {append(prices("a", 1, 2, 3, 4, 5, 6, 7), append(prices("b", 8), prices("c", 9)...)...), 10, 0, false},
		"four providers asked":       {append(prices("a", 1, 2, 3), append(prices("b", 4), prices("c", 5)...)...), 0, 4, false},
		"unnamed count as one":       {append(prices("", 1, 2, 3), append(prices("", 4), prices("c", 5)...)...), 0, 0, false},
		"negative price":             {append(prices("a", 1, 2, -3), append(prices("b", 4), prices("c", 5)...)...), 0, 0, false},
	} {
		st, ok := PriceStats(tc.prices, tc.threshold, tc.minProviders)
		if ok != tc.ok {
			t.Errorf("%s: published %v, want %v", name, ok, tc.ok)
		}
		if !ok && st != (Stats{}) {
			t.Errorf("%s: unpublished stats leak %+v", name, st)
		}
	}
}

// Type 7 on known data (the values R's quantile(x, type = 7) and NumPy's
// default give).
func TestPriceStatsQuartilesType7(t *testing.T) {
	for _, tc := range []struct {
		pence []int64
		want  [3]int64
	}{
		// n = 5: h = 1, 2, 3 exactly: order statistics.
		{[]int64{500, 100, 300, 200, 400}, [3]int64{200, 300, 400}},
		// n = 6: h = 1.25, 2.5, 3.75.
		{[]int64{100, 200, 300, 400, 500, 600}, [3]int64{225, 350, 475}},
		// n = 8: h = 1.75, 3.5, 5.25; R: quantile(c(1,2,4,8,16,32,64,128)*100) = 350, 1200, 4000.
		{[]int64{12800, 100, 200, 400, 800, 1600, 3200, 6400}, [3]int64{350, 1200, 4000}},
		// Rounding to the penny, halves up: n = 6 of 1..6 pence → 2.25, 3.5, 4.75.
		{[]int64{1, 2, 3, 4, 5, 6}, [3]int64{2, 4, 5}},
		// Weekly fees around the CMA averages, n = 7: h = 1.5, 3, 4.5.
		{[]int64{82000, 95000, 383000, 410000, 450000, 610800, 1000000}, [3]int64{239000, 410000, 530400}},
	} {
		var ps []Price
		for i, p := range tc.pence {
			ps = append(ps, Price{Provider: string(rune('a' + i%3)), WeeklyPence: p})
		}
		st, ok := PriceStats(ps, 5, 3)
		if !ok {
			t.Fatalf("%v: not published", tc.pence)
		}
		if got := [3]int64{st.LowerQuartile, st.Median, st.UpperQuartile}; got != tc.want {
			t.Errorf("%v: quartiles %v, want %v", tc.pence, got, tc.want)
		}
		if st.Placements != len(tc.pence) || st.Providers != 3 {
			t.Errorf("%v: %+v", tc.pence, st)
		}
	}
}

// The benchmark never carries the cheapest or dearest price: Stats has no
// field for them, and with enough prices no quartile equals an extreme.
func TestPriceStatsNeverReturnsAnExtreme(t *testing.T) {
	if got := reflect.TypeOf(Stats{}).NumField(); got != 5 {
		t.Fatalf("Stats has %d fields: check that none is a single price", got)
	}
	ps := append(prices("a", 300000, 310000, 990000), append(prices("b", 320000, 330000), prices("c", 50000, 340000)...)...)
	st, ok := PriceStats(ps, 0, 0)
	if !ok {
		t.Fatal("not published")
	}
	for _, q := range []int64{st.LowerQuartile, st.Median, st.UpperQuartile} {
		if q == 50000 || q == 990000 {
			t.Fatalf("a quartile is an extreme price: %+v", st)
		}
	}
}
