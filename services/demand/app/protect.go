package app

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/disclosure"
	"github.com/carecoop/carecoop/services/kit/ssda903"
)

// needsDimensions are every dimension of a needs return with its code list.
// A consortium's snapshot is always protected over all of them, so that
// every table any query shows comes from one consistent protection.
// legalStatuses is the SSDA903 legal status code list (data in ssda903).
var legalStatuses = sync.OnceValue(func() []string {
	var legal []string
	for _, c := range ssda903.Codes() {
		if c.List == "LS" && !slices.Contains(legal, c.Code) {
			legal = append(legal, c.Code)
		}
	}
	return legal
})

var needsDimensions = sync.OnceValue(func() []disclosure.Dimension {
	legal := legalStatuses()
	return []disclosure.Dimension{
		{Name: "placement_group", Values: domain.PlacementGroups},
		{Name: "age_band", Values: []string{"under 1", "1-4", "5-9", "10-15", "16+"}},
		{Name: "need", Values: []string{"N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"}},
		{Name: "legal_status", Values: legal},
		{Name: "area", Values: []string{"inside", "outside", "unknown"}},
		{Name: "distance_band", Values: []string{"0-5", "5-10", "10-20", "20-50", "50+", "unknown"}},
	}
})

// suppressedReason is all a reader is told: primary and secondary
// suppression look the same, since telling them apart narrows the value.
func suppressedReason(threshold int) string {
	return fmt.Sprintf("suppressed: fewer than %d children, or could reveal such a cell", threshold)
}

// protectedCache keeps each viewer's protection of a consortium's snapshot
// until a return for that date changes: every query of that viewer is
// answered from it.
type protectedCache struct {
	mu sync.Mutex
	m  map[protectedKey]*disclosure.Protected
}

type protectedKey struct {
	consortium, date, viewer string
	threshold                int
	generation               uint64
}

func (c *protectedCache) get(k protectedKey, build func() (*disclosure.Protected, error)) (*disclosure.Protected, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.m[k]; p != nil {
		return p, nil
	}
	p, err := build()
	if err != nil {
		return nil, err
	}
	if c.m == nil || len(c.m) > 4096 {
		c.m = map[protectedKey]*disclosure.Protected{} // bounded: start again rather than grow
	}
	c.m[k] = p
	return p, nil
}

// needsTable is the protected consortium table of one or two dimensions of
// the needs returns as at date, filtered. Call with the read lock held.
func (m *ReadModel) needsTable(c *consortiumRM, date string, dims []string, filters map[string]string, threshold int, viewer string) (*demandv1.Table, error) {
	p, err := m.cache.get(protectedKey{c.slug, date, viewer, threshold, m.generation}, func() (*disclosure.Protected, error) {
		return disclosure.Protect(m.needsRecords(c, date, viewer), needsDimensions(), threshold, viewer)
	})
	if err != nil {
		return nil, err
	}
	return tableOf(p, dims, filters, threshold)
}

// needsRecords are the member councils' cells as at date, as Protect takes
// them for viewer: per combination of values, one record of the other
// councils' children pooled (Council "") and viewer's own records. Protect
// reads a record's council only to tell the viewer's own children from the
// others', so its tables are exactly those of one record per council per
// combination, from about 4,000 records instead of 54,000 at national scale.
// Call with the read lock held.
func (m *ReadModel) needsRecords(c *consortiumRM, date, viewer string) []disclosure.Record {
	pool := m.pooled.get(pooledKey{c.slug, date, m.generation}, func() *pooledCells { return m.poolCells(c, date) })
	var mine []record
	if c.members[viewer] {
		mine = m.cells[viewer][date]
	}
	own := make(map[int]int, len(mine))
	for _, r := range mine {
		own[r.combo] += r.count
	}
	out := make([]disclosure.Record, 0, len(pool.combos)+len(mine))
	for i, k := range pool.combos {
		n, isMine := own[k]
		if others := pool.counts[i] - n; others != 0 || !isMine {
			out = append(out, disclosure.Record{Values: m.comboValues[k], Count: others})
		}
	}
	for _, r := range mine {
		out = append(out, disclosure.Record{Council: viewer, Values: r.values, Count: r.count})
	}
	return out
}

// pooledCells are every member council's cells as at a date summed per
// combination, in order of first appearance over the councils by code.
type pooledCells struct {
	combos []int
	counts []int
}

func (m *ReadModel) poolCells(c *consortiumRM, date string) *pooledCells {
	p := &pooledCells{}
	at := map[int]int{} // combination → index in p
	for _, la := range slices.Sorted(maps.Keys(c.members)) {
		for _, r := range m.cells[la][date] {
			i, ok := at[r.combo]
			if !ok {
				i = len(p.combos)
				at[r.combo] = i
				p.combos = append(p.combos, r.combo)
				p.counts = append(p.counts, 0)
			}
			p.counts[i] += r.count
		}
	}
	return p
}

// pooledCache keeps a consortium's pooled cells per date until a return or
// the membership changes: every viewer's protection of that date starts
// from them.
type pooledCache struct {
	mu sync.Mutex
	m  map[pooledKey]*pooledCells
}

type pooledKey struct {
	consortium, date string
	generation       uint64
}

func (c *pooledCache) get(k pooledKey, build func() *pooledCells) *pooledCells {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.m[k]; p != nil {
		return p
	}
	if c.m == nil || len(c.m) > 256 {
		c.m = map[pooledKey]*pooledCells{} // bounded: start again rather than grow
	}
	p := build()
	c.m[k] = p
	return p
}

// protectTable protects a small snapshot of its own (live signals) over the
// given dimensions and returns its table. Call with the read lock held.
func protectTable(records []record, dims []string, threshold int, viewer string) (*demandv1.Table, error) {
	ds := make([]disclosure.Dimension, len(dims))
	for i, d := range dims {
		ds[i] = disclosure.Dimension{Name: d}
	}
	if len(records) == 0 {
		return &demandv1.Table{Dimensions: dims, Total: &demandv1.TableCell{}}, nil
	}
	p, err := disclosure.Protect(toRecords(records), ds, threshold, viewer)
	if err != nil {
		return nil, err
	}
	return tableOf(p, dims, nil, threshold)
}

func toRecords(rs []record) []disclosure.Record {
	out := make([]disclosure.Record, len(rs))
	for i, r := range rs {
		out[i] = disclosure.Record{Council: r.council, Values: r.values, Count: r.count}
	}
	return out
}

func tableOf(p *disclosure.Protected, dims []string, filters map[string]string, threshold int) (*demandv1.Table, error) {
	keep := func(d string) []string {
		if v, ok := filters[d]; ok {
			return []string{v}
		}
		return nil
	}
	cell := func(c disclosure.Cell, values ...string) *demandv1.TableCell {
		out := &demandv1.TableCell{Values: values, Count: uint32(c.Count), Suppressed: c.Suppressed}
		if c.Suppressed {
			out.Reason = suppressedReason(threshold)
		}
		return out
	}
	t := &demandv1.Table{Dimensions: dims}
	if len(dims) == 1 {
		one, err := p.Table1D(dims[0], keep(dims[0])...)
		if err != nil {
			return nil, err
		}
		for i, v := range one.Values {
			t.Cells = append(t.Cells, cell(one.Cells[i], v))
		}
		t.Total = cell(one.Total)
		return t, nil
	}
	two, err := p.Table2D(dims[0], dims[1], keep(dims[0]), keep(dims[1]))
	if err != nil {
		return nil, err
	}
	for i, rv := range two.RowValues {
		for j, cv := range two.ColValues {
			t.Cells = append(t.Cells, cell(two.Cells[i][j], rv, cv))
		}
		t.Margins = append(t.Margins, cell(two.RowMargins[i], rv))
	}
	t.Total = cell(two.Total)
	return t, nil
}

// priceRow is one category and area's fee statistics, if publishable.
func priceRow(k catArea, as []*award, threshold, minProviders int) *demandv1.PriceRow {
	prices := make([]disclosure.Price, len(as))
	for i, a := range as {
		prices[i] = disclosure.Price{Provider: a.provider, WeeklyPence: a.pence}
	}
	row := &demandv1.PriceRow{CategoryId: k.category, Area: k.area}
	st, ok := disclosure.PriceStats(prices, threshold, minProviders)
	if !ok {
		row.Reason = fmt.Sprintf("needs at least %d placements from at least %d providers", threshold, minProviders)
		return row
	}
	row.Published, row.Placements, row.Providers = true, uint32(st.Placements), uint32(st.Providers)
	row.LowerQuartilePence, row.MedianPence, row.UpperQuartilePence = st.LowerQuartile, st.Median, st.UpperQuartile
	return row
}
