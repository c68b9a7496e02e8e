package app

import (
	"context"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// GetDemand answers the member councils' needs returns as at a date,
// grouped by one or two dimensions: the consortium table protected, and the
// caller council's own figures in full.
func (s *Service) GetDemand(ctx context.Context, p auth.Principal, consortium, asAt string, dimensions []string, filters map[string]string, minPosition uint64) (*demandv1.DemandTable, error) {
	for d, v := range filters {
		if !containsString(dimensions, d) {
			return nil, domainerr.Field("filters", "filter on %q, which is not one of the grouped dimensions", d)
		}
		if !knownValue(d, v) {
			return nil, domainerr.Field("filters", "%q is not a value of %s", v, d)
		}
	}
	var out *demandv1.DemandTable
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		c, viewer, err := m.reader(p, consortium, false)
		if err != nil {
			return err
		}
		out, err = m.demandTable(c, viewer, asAt, dimensions, filters)
		return err
	})
	if out != nil {
		out.Position = pos
	}
	return out, err
}

// demandTable builds one as-at date's answer. Call with the lock held.
func (m *ReadModel) demandTable(c *consortiumRM, viewer, asAt string, dims []string, filters map[string]string) (*demandv1.DemandTable, error) {
	threshold, _ := m.policy(c.slug)
	out := &demandv1.DemandTable{Consortium: c.slug, Threshold: uint32(threshold)}
	date := m.latestDate(c, asAt)
	if date == "" {
		out.AsAt = asAt
		return out, nil
	}
	out.AsAt = date
	for la := range c.members {
		if len(m.cells[la][date]) > 0 {
			out.Councils++
		}
	}
	t, err := m.needsTable(c, date, dims, filters, threshold, viewer)
	if err != nil {
		return nil, err
	}
	out.ConsortiumTable = t
	if viewer != "" {
		out.OwnTable = filterTable(ownTable(m.cells[viewer][date], dims, viewer), filters)
	}
	return out, nil
}

// knownValue says whether v is in the code list of the needs dimension d.
func knownValue(d, v string) bool {
	for _, dim := range needsDimensions() {
		if dim.Name == d {
			return containsString(dim.Values, v)
		}
	}
	return false
}

func containsString(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
