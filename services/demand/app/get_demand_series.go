package app

import (
	"context"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// GetDemandSeries answers one dimension for every as-at date with returns:
// each date is its own protected snapshot (stocks are never summed across
// dates, so no range of dates can isolate one).
func (s *Service) GetDemandSeries(ctx context.Context, p auth.Principal, q *demandv1.GetDemandSeriesRequest) (*demandv1.DemandSeries, error) {
	out := &demandv1.DemandSeries{Consortium: q.GetConsortium(), Dimension: q.GetDimension()}
	pos, err := s.read(ctx, q.GetMinPosition(), func(m *ReadModel) error {
		c, viewer, err := m.reader(p, q.GetConsortium(), false)
		if err != nil {
			return err
		}
		for _, d := range m.dates {
			if m.latestDate(c, d) == d {
				t, err := m.demandTable(c, viewer, d, []string{q.GetDimension()}, nil)
				if err != nil {
					return err
				}
				out.Points = append(out.Points, t)
			}
		}
		return nil
	})
	out.Position = pos
	return out, err
}
