package disclosure

import "sort"

// DefaultMinProviders is the fewest distinct providers whose prices a price
// benchmark may pool.
const DefaultMinProviders = 3

// Price is the weekly fee of one placement.
type Price struct {
	Provider    string
	WeeklyPence int64
}

// Stats is a price benchmark. It holds no minimum, maximum or single price.
type Stats struct {
	Placements    int // number of prices pooled
	Providers     int // number of distinct providers among them
	LowerQuartile int64
	Median        int64
	UpperQuartile int64
}

// PriceStats returns the quartiles of the weekly fees, in pence, and true, or
// false when they may not be published: fewer than threshold placements
// (0 means DefaultThreshold), fewer than minProviders distinct providers (0
// means DefaultMinProviders), or a negative price. Prices without a provider
// count as one provider between them.
//
// Quantiles use the linear interpolation between order statistics of
// Hyndman and Fan's type 7 (the default of R, NumPy and Excel's
// PERCENTILE.INC): with the n prices sorted x[0] ≤ … ≤ x[n-1], the p-quantile
// is x[j] + g·(x[j+1] − x[j]) where h = (n−1)·p, j = ⌊h⌋, g = h − j, rounded
// to the nearest penny, halves up.
//
// Limit: a quartile is a pooled figure but can equal one placement's price
// (e.g. the median of an odd number of prices); if one provider has most of
// the placements, the median is likely to be one of its prices.
func PriceStats(prices []Price, threshold, minProviders int) (Stats, bool) {
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	if minProviders <= 0 {
		minProviders = DefaultMinProviders
	}
	if len(prices) < threshold {
		return Stats{}, false
	}
	providers := map[string]bool{}
	x := make([]int64, len(prices))
	for i, pr := range prices {
		if pr.WeeklyPence < 0 {
			return Stats{}, false
		}
		providers[pr.Provider] = true
		x[i] = pr.WeeklyPence
	}
	if len(providers) < minProviders {
		return Stats{}, false
	}
	sort.Slice(x, func(i, j int) bool { return x[i] < x[j] })
	return Stats{
		Placements:    len(x),
		Providers:     len(providers),
		LowerQuartile: quartile(x, 1),
		Median:        quartile(x, 2),
		UpperQuartile: quartile(x, 3),
	}, true
}

// quartile is the type 7 quantile at p = k/4 of sorted x, in exact integer
// arithmetic: h = (n−1)·k/4.
func quartile(x []int64, k int) int64 {
	h4 := (len(x) - 1) * k // 4·h
	j, g4 := h4/4, int64(h4%4)
	if g4 == 0 {
		return x[j]
	}
	// x[j] + g4·(x[j+1]−x[j])/4, rounded half up; all terms are non-negative.
	return (4*x[j] + g4*(x[j+1]-x[j]) + 2) / 4
}
