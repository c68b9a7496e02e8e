package forecast

import (
	"fmt"
	"math"
)

// Defaults of Project.
const (
	DefaultSeed           uint64  = 903
	DefaultDraws                  = 200
	DefaultLowPercentile  float64 = 0.10
	DefaultHighPercentile float64 = 0.90
	DefaultHorizon                = 3
	maxHorizon                    = 10
)

type config struct {
	trend       bool
	yearWeights map[int]float64
	recentYears int
	seed        uint64
	draws       int
	low, high   float64
	horizon     int
	err         error
}

// Option changes how Fit and Project estimate and project.
type Option func(*config)

func (c *config) fail(format string, args ...any) {
	if c.err == nil {
		c.err = fmt.Errorf("%w: "+format, append([]any{ErrOption}, args...)...)
	}
}

func configure(opts []Option) (config, error) {
	c := config{seed: DefaultSeed, draws: DefaultDraws, low: DefaultLowPercentile, high: DefaultHighPercentile, horizon: DefaultHorizon}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	return c, c.err
}

// WithTrend projects entries along a least-squares linear trend over the
// years given (weighted like the rest of the estimate), floored at zero,
// instead of at the mean number of entries per year.
func WithTrend() Option { return func(c *config) { c.trend = true } }

// WithYearWeights weights each return by the calendar year of its To date.
// A year missing from the map gets weight 0 and is left out of the
// estimates (its stock at the latest year still counts as the starting
// point). Without it, every year weighs the same.
func WithYearWeights(w map[int]float64) Option {
	return func(c *config) {
		cp := make(map[int]float64, len(w))
		for y, v := range w {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				c.fail("the weight of year %d is %v; weights must be finite and not negative", y, v)
				return
			}
			cp[y] = v
		}
		c.yearWeights = cp
	}
}

// WithRecentYears estimates from the n most recent years only.
func WithRecentYears(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail("recent years must be at least 1, not %d", n)
			return
		}
		c.recentYears = n
	}
}

// WithSeed seeds the bootstrap; the same seed and input give the same
// intervals.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = seed } }

// WithDraws sets the number of bootstrap draws; 0 turns the bootstrap off
// (the intervals are then the central estimate).
func WithDraws(n int) Option {
	return func(c *config) {
		if n < 0 {
			c.fail("the number of bootstrap draws cannot be negative (%d)", n)
			return
		}
		c.draws = n
	}
}

// WithPercentiles sets the bounds of the interval, as fractions
// (0.1 and 0.9 are the 10th and 90th percentiles).
func WithPercentiles(low, high float64) Option {
	return func(c *config) {
		if !(low >= 0 && low < high && high <= 1) {
			c.fail("percentiles must satisfy 0 <= low < high <= 1, not %v and %v", low, high)
			return
		}
		c.low, c.high = low, high
	}
}

// WithHorizon sets how many years ahead to project (default 3, at most 10).
func WithHorizon(years int) Option {
	return func(c *config) {
		if years < 1 || years > maxHorizon {
			c.fail("the horizon must be between 1 and %d years, not %d", maxHorizon, years)
			return
		}
		c.horizon = years
	}
}
