package app

import (
	"cmp"
	"context"
	"slices"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// GetPriceBenchmarks answers weekly fee quartiles per DPS category, for the
// whole consortium ("all") and per postcode area of the setting, from
// placements awarded through purchasing. A row is published only with
// enough placements from enough providers; no single price is ever shown.
func (s *Service) GetPriceBenchmarks(ctx context.Context, p auth.Principal, consortium string, minPosition uint64) (*demandv1.PriceBenchmarks, error) {
	out := &demandv1.PriceBenchmarks{Consortium: consortium}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		c, _, err := m.reader(p, consortium, false)
		if err != nil {
			return err
		}
		out.Rows = m.prices(c)
		return nil
	})
	out.Position = pos
	return out, err
}

func (m *ReadModel) prices(c *consortiumRM) []*demandv1.PriceRow {
	return m.liveCache.priceRows(liveKey{c.slug, "", m.live}, func() []*demandv1.PriceRow { return m.computePrices(c) })
}

func (m *ReadModel) computePrices(c *consortiumRM) []*demandv1.PriceRow {
	threshold, minProviders := m.policy(c.slug)
	groups := map[catArea][]*award{}
	for _, a := range m.awards {
		if a.consortium != c.slug {
			continue
		}
		groups[catArea{a.category, "all"}] = append(groups[catArea{a.category, "all"}], a)
		groups[catArea{a.category, a.area}] = append(groups[catArea{a.category, a.area}], a)
	}
	var out []*demandv1.PriceRow
	for k, as := range groups {
		out = append(out, priceRow(k, as, threshold, minProviders))
	}
	slices.SortFunc(out, func(a, b *demandv1.PriceRow) int {
		return cmp.Or(cmp.Compare(a.GetCategoryId(), b.GetCategoryId()), cmp.Compare(a.GetArea(), b.GetArea()))
	})
	return out
}
