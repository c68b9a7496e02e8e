package app

import (
	"context"
	"errors"
	"slices"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/demand/forecast"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// GetForecast projects children looked after per placement group 1–3 years
// ahead from the member councils' pooled transition counts (see
// docs/forecast.md). Group totals over all councils count many children, and
// the model sees no council's figures apart; projections are published as
// they come.
func (s *Service) GetForecast(ctx context.Context, p auth.Principal, consortium string, years uint32, minPosition uint64) (*demandv1.Forecast, error) {
	var out *demandv1.Forecast
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		c, _, err := m.reader(p, consortium, false)
		if err != nil {
			return err
		}
		out, err = m.forecast(c, int(years))
		return err
	})
	if out != nil {
		out.Position = pos
	}
	return out, err
}

// forecast fits and projects. Call with the lock held.
func (m *ReadModel) forecast(c *consortiumRM, years int) (*demandv1.Forecast, error) {
	var obs []forecast.Observation
	for la := range c.members {
		for date, r := range m.returns[la] {
			t := r.GetTransitions()
			if t == nil || t.GetFrom() == "" {
				continue
			}
			o := forecast.Observation{Council: la, From: t.GetFrom(), To: date, Entries: ints(t.GetEntries()), Exits: ints(t.GetExits()),
				Stayed: ints(t.GetStayed()), StockAtEnd: map[string]int{}}
			for _, mv := range t.GetMoves() {
				o.Moves = append(o.Moves, forecast.Move{From: mv.GetFrom(), To: mv.GetTo(), Count: int(mv.GetCount())})
			}
			for _, cell := range r.GetCells() {
				o.StockAtEnd[cell.GetPlacementGroup()] += int(cell.GetCount())
			}
			obs = append(obs, o)
		}
	}
	// Observations in a fixed order: the bootstrap is seeded, so answers repeat.
	slices.SortFunc(obs, func(a, b forecast.Observation) int {
		if a.To != b.To {
			if a.To < b.To {
				return -1
			}
			return 1
		}
		if a.Council < b.Council {
			return -1
		}
		if a.Council > b.Council {
			return 1
		}
		return 0
	})
	out := &demandv1.Forecast{Consortium: c.slug}
	if len(obs) == 0 {
		out.Notes = []string{"no member council has submitted transition counts yet: a forecast needs at least one year of them"}
		return out, nil
	}
	proj, err := forecast.Project(obs, forecast.WithSeed(2026))
	if err != nil {
		if errors.Is(err, forecast.ErrInvalid) || errors.Is(err, forecast.ErrInconsistentYears) || errors.Is(err, forecast.ErrNegativeCount) {
			return nil, domainerr.Rule("demand.forecast_inputs", "the pooled returns cannot be projected: %v", err)
		}
		return nil, err
	}
	out.FromAsAt, out.Method, out.Notes = proj.Baseline.AsAt, proj.Method, proj.Notes
	for i, y := range proj.Years {
		if i >= years {
			break
		}
		fy := &demandv1.ForecastYear{AsAt: y.AsAt}
		for _, g := range proj.Groups {
			iv := y.ByGroup[g]
			fy.Values = append(fy.Values, &demandv1.ForecastValue{PlacementGroup: g, Central: iv.Central, Low: iv.Low, High: iv.High})
		}
		out.Years = append(out.Years, fy)
	}
	return out, nil
}

func ints(m map[string]uint32) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = int(v)
	}
	return out
}
