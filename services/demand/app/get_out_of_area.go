package app

import (
	"context"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// GetOutOfArea answers where children are placed: inside or outside their
// council's area and how far from home, from the needs returns as at a date,
// and the distance of placements awarded through purchasing. All protected.
func (s *Service) GetOutOfArea(ctx context.Context, p auth.Principal, consortium, asAt string, minPosition uint64) (*demandv1.OutOfArea, error) {
	out := &demandv1.OutOfArea{Consortium: consortium}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		c, viewer, err := m.reader(p, consortium, false)
		if err != nil {
			return err
		}
		return m.outOfArea(c, viewer, asAt, out)
	})
	out.Position = pos
	return out, err
}

func (m *ReadModel) outOfArea(c *consortiumRM, viewer, asAt string, out *demandv1.OutOfArea) error {
	threshold, _ := m.policy(c.slug)
	if date := m.latestDate(c, asAt); date != "" {
		out.AsAt = date
		var err error
		if out.ByArea, err = m.needsTable(c, date, []string{"area"}, nil, threshold, viewer); err != nil {
			return err
		}
		if out.ByDistance, err = m.needsTable(c, date, []string{"distance_band"}, nil, threshold, viewer); err != nil {
			return err
		}
		var inside, outside *demandv1.TableCell
		for _, cell := range out.ByArea.GetCells() {
			switch cell.GetValues()[0] {
			case "inside":
				inside = cell
			case "outside":
				outside = cell
			}
		}
		if inside != nil && outside != nil && !inside.GetSuppressed() && !outside.GetSuppressed() && inside.GetCount()+outside.GetCount() > 0 {
			out.OutsideShare = float64(outside.GetCount()) / float64(inside.GetCount()+outside.GetCount())
			out.OutsideSharePublished = true
		}
	}
	counts := map[[2]string]int{}
	for _, a := range m.awards {
		if a.consortium == c.slug {
			counts[[2]string{a.council, a.distanceBand}]++
		}
	}
	var records []record
	for k, n := range counts {
		records = append(records, record{council: k[0], values: map[string]string{"distance_band": k[1]}, count: n})
	}
	var err error
	out.AwardsByDistance, err = protectTable(records, []string{"distance_band"}, threshold, viewer)
	return err
}
