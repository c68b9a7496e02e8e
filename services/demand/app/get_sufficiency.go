package app

import (
	"cmp"
	"context"
	"slices"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// GetSufficiency sets live demand (open referrals, by the child's home
// postcode area) against supply (free and registered places at settings of
// providers admitted to the category, by the setting's postcode area), per
// DPS category and area, with the gap. Demand counts children, so it is
// protected; supply counts places and is published as providers state it.
func (s *Service) GetSufficiency(ctx context.Context, p auth.Principal, consortium string, minPosition uint64) (*demandv1.Sufficiency, error) {
	out := &demandv1.Sufficiency{Consortium: consortium}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		c, viewer, err := m.reader(p, consortium, false)
		if err != nil {
			return err
		}
		threshold, _ := m.policy(c.slug)
		out.Threshold = uint32(threshold)
		out.Rows, err = m.sufficiency(c, viewer, threshold)
		return err
	})
	out.Position = pos
	return out, err
}

type catArea struct{ category, area string }

func (m *ReadModel) sufficiency(c *consortiumRM, viewer string, threshold int) ([]*demandv1.SufficiencyRow, error) {
	return m.liveCache.sufficiency(liveKey{c.slug, viewer, m.live}, func() ([]*demandv1.SufficiencyRow, error) {
		return m.computeSufficiency(c, viewer, threshold)
	})
}

func (m *ReadModel) computeSufficiency(c *consortiumRM, viewer string, threshold int) ([]*demandv1.SufficiencyRow, error) {
	rows := map[catArea]*demandv1.SufficiencyRow{}
	row := func(k catArea) *demandv1.SufficiencyRow {
		r := rows[k]
		if r == nil {
			r = &demandv1.SufficiencyRow{CategoryId: k.category, Area: k.area, Demand: &demandv1.TableCell{Values: []string{k.category, k.area}}}
			rows[k] = r
		}
		return r
	}
	// Demand: one record per council per category and area.
	counts := map[[3]string]int{}
	for _, r := range m.referrals {
		if r.open && r.consortium == c.slug {
			counts[[3]string{r.council, r.category, r.area}]++
		}
	}
	var records []record
	for k, n := range counts {
		records = append(records, record{council: k[0], values: map[string]string{"category": k[1], "area": k[2]}, count: n})
	}
	protected, err := protectTable(records, []string{"category", "area"}, threshold, viewer)
	if err != nil {
		return nil, err
	}
	for _, cell := range protected.GetCells() {
		if cell.GetCount() == 0 && !cell.GetSuppressed() {
			continue // a published zero: no row unless supply makes one
		}
		r := row(catArea{cell.GetValues()[0], cell.GetValues()[1]})
		r.Demand = cell
	}
	// Supply: settings of admitted providers whose type serves the category.
	for _, id := range c.dps {
		d := m.dps[id]
		for _, cat := range d.categories {
			admitted := d.admitted[cat.GetId()]
			for _, s := range m.settings {
				if s.removed || !slices.Contains(cat.GetSettingTypes(), s.settingType) || !admitted[s.provider] {
					continue
				}
				r := row(catArea{cat.GetId(), s.area})
				r.FreePlaces += s.free()
				r.RegisteredPlaces += s.registered
			}
		}
	}
	out := make([]*demandv1.SufficiencyRow, 0, len(rows))
	for _, r := range rows {
		if r.GetDemand().GetSuppressed() {
			r.GapSuppressed = true
		} else {
			r.Gap = int32(r.GetFreePlaces()) - int32(r.GetDemand().GetCount())
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *demandv1.SufficiencyRow) int {
		return cmp.Or(cmp.Compare(a.GetCategoryId(), b.GetCategoryId()), cmp.Compare(a.GetArea(), b.GetArea()))
	})
	return out, nil
}
