package app

import (
	"context"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// GetDemandSeries answers one dimension for every as-at date with returns:
// each date is its own protected snapshot (stocks are never summed across
// dates, so no range of dates can isolate one).
func (s *Service) GetDemandSeries(ctx context.Context, p auth.Principal, consortium, dimension string, minPosition uint64) (*demandv1.DemandSeries, error) {
	out := &demandv1.DemandSeries{Consortium: consortium, Dimension: dimension}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		c, viewer, err := m.reader(p, consortium, false)
		if err != nil {
			return err
		}
		for _, d := range m.dates {
			if m.latestDate(c, d) == d {
				t, err := m.demandTable(c, viewer, d, []string{dimension}, nil)
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
