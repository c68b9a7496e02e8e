package ssda903

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/carecoop/carecoop/services/kit/geo"
)

func compute(la string, asAt time.Time, children map[string]child, eps []*episode, codes *codeTable) *Return {
	byChild := map[string][]*episode{}
	for _, e := range eps {
		byChild[e.child] = append(byChild[e.child], e)
	}
	ids := slices.Sorted(maps.Keys(byChild))
	for _, id := range ids {
		slices.SortStableFunc(byChild[id], func(a, b *episode) int {
			return cmp.Or(a.decom.Compare(b.decom), cmp.Compare(a.line, b.line))
		})
	}

	ret := &Return{
		LA:    la,
		AsAt:  formatDate(asAt),
		Cells: []Cell{},
		Totals: Totals{
			PlacementGroup: map[string]int{}, AgeBand: map[string]int{}, Need: map[string]int{},
			LegalStatus: map[string]int{}, Area: map[string]int{}, DistanceBand: map[string]int{},
		},
	}
	cells := map[Cell]int{}
	for _, id := range ids {
		e := current(byChild[id], asAt)
		if e == nil {
			continue
		}
		area, band := distance(e.homePost, e.placePost)
		c := Cell{
			PlacementGroup: e.group,
			AgeBand:        ageBand(children[id].dob, asAt),
			Need:           e.cin,
			LegalStatus:    e.ls,
			Area:           area,
			DistanceBand:   band,
		}
		cells[c]++
		ret.Children++
		ret.Totals.PlacementGroup[c.PlacementGroup]++
		ret.Totals.AgeBand[c.AgeBand]++
		ret.Totals.Need[c.Need]++
		ret.Totals.LegalStatus[c.LegalStatus]++
		ret.Totals.Area[c.Area]++
		ret.Totals.DistanceBand[c.DistanceBand]++
	}
	for c, n := range cells {
		c.Count = n
		ret.Cells = append(ret.Cells, c)
	}
	o := orderFor(codes)
	slices.SortFunc(ret.Cells, func(a, b Cell) int {
		return cmp.Or(
			o.group(a.PlacementGroup, b.PlacementGroup),
			byList(ageBands, a.AgeBand, b.AgeBand),
			o.code("CIN", a.Need, b.Need),
			o.code("LS", a.LegalStatus, b.LegalStatus),
			byList(areas, a.Area, b.Area),
			byList(distanceBands, a.DistanceBand, b.DistanceBand),
		)
	})
	ret.Transitions = transitions(asAt, ids, byChild, o)
	return ret
}

// current is the episode that says where a child is on d: of the episodes
// open on d, the one that started last (later line on a tie). list is
// sorted by start date, then line.
func current(list []*episode, d time.Time) *episode {
	var cur *episode
	for _, e := range list {
		if !e.decom.After(d) && (e.open || e.dec.After(d)) {
			cur = e
		}
	}
	return cur
}

func transitions(asAt time.Time, ids []string, byChild map[string][]*episode, o order) Transitions {
	from := yearBefore(asAt)
	tr := Transitions{
		From: formatDate(from), To: formatDate(asAt),
		Entries: map[string]int{}, Exits: map[string]int{}, Moves: []Move{}, Stayed: map[string]int{},
	}
	inYear := func(t time.Time) bool { return t.After(from) && !t.After(asAt) }
	moves := map[[2]string]int{}
	for _, id := range ids {
		list := byChild[id]
		for i, e := range list {
			if e.rne == "S" && inYear(e.decom) {
				tr.Entries[e.group]++
			}
			if !e.open && inYear(e.dec) && e.rec != "X1" {
				tr.Exits[e.group]++
			}
			if i == 0 || e.rne == "S" || !inYear(e.decom) {
				continue
			}
			prev := list[i-1]
			if (prev.open || prev.rec == "X1") && prev.group != e.group {
				moves[[2]string{prev.group, e.group}]++
			}
		}
		a, b := current(list, from), current(list, asAt)
		if a != nil && b != nil && a.group == b.group {
			tr.Stayed[a.group]++
		}
	}
	for k, n := range moves {
		tr.Moves = append(tr.Moves, Move{From: k[0], To: k[1], Count: n})
	}
	slices.SortFunc(tr.Moves, func(a, b Move) int {
		return cmp.Or(o.group(a.From, b.From), o.group(a.To, b.To))
	})
	return tr
}

// yearBefore is the same calendar date a year earlier; 29 February gives
// 28 February.
func yearBefore(d time.Time) time.Time {
	day := d.Day()
	if d.Month() == time.February && day == 29 {
		day = 28
	}
	return time.Date(d.Year()-1, d.Month(), day, 0, 0, 0, 0, time.UTC)
}

// ageBand is the DfE age band of a child born on dob, on d.
func ageBand(dob, d time.Time) string {
	age := d.Year() - dob.Year()
	if d.Month() < dob.Month() || (d.Month() == dob.Month() && d.Day() < dob.Day()) {
		age--
	}
	return AgeBand(uint32(max(age, 0)))
}

// AgeBand is the DfE age band of an age in completed years: "under 1",
// "1-4", "5-9", "10-15" or "16+".
func AgeBand(age uint32) string {
	switch {
	case age < 1:
		return "under 1"
	case age < 5:
		return "1-4"
	case age < 10:
		return "5-9"
	case age < 16:
		return "10-15"
	}
	return "16+"
}

// distance gives the area and distance band between a home and a placement
// postcode (see the package documentation).
func distance(home, placed string) (area, band string) {
	h, ok1 := outcode(home)
	p, ok2 := outcode(placed)
	if !ok1 || !ok2 {
		return "unknown", "unknown"
	}
	miles := geo.DistanceMiles(h, p)
	area = "inside"
	if miles > outsideMiles {
		area = "outside"
	}
	switch {
	case miles <= 5:
		band = "0-5"
	case miles <= 10:
		band = "5-10"
	case miles <= 20:
		band = "10-20"
	case miles <= 50:
		band = "20-50"
	default:
		band = "50+"
	}
	return area, band
}

// outcode finds the outcode of a full postcode, an outcode or a postcode
// sector ("M14 5"): with a space, the part before it; without, what
// geo.Normalise makes of it.
func outcode(postcode string) (geo.Outcode, bool) {
	s := strings.TrimSpace(postcode)
	if s == "" {
		return geo.Outcode{}, false
	}
	if i := strings.IndexFunc(s, unicode.IsSpace); i > 0 {
		s = s[:i]
	}
	return geo.Lookup(geo.Normalise(s))
}

// order sorts dimension values: placement groups and codes in codes-file
// order, anything unknown after them alphabetically.
type order struct {
	codes *codeTable
}

func orderFor(codes *codeTable) order { return order{codes: codes} }

func (o order) group(a, b string) int { return byList(o.codes.groups, a, b) }

func (o order) code(list, a, b string) int {
	ra, okA := o.codes.rank[list+"\x00"+a]
	rb, okB := o.codes.rank[list+"\x00"+b]
	switch {
	case okA && okB:
		return cmp.Compare(ra, rb)
	case okA:
		return -1
	case okB:
		return 1
	}
	return strings.Compare(a, b)
}

// byList orders a and b by their position in list, unknown values last and
// alphabetically.
func byList(list []string, a, b string) int {
	ia, ib := slices.Index(list, a), slices.Index(list, b)
	if ia < 0 {
		ia = len(list)
	}
	if ib < 0 {
		ib = len(list)
	}
	return cmp.Or(cmp.Compare(ia, ib), strings.Compare(a, b))
}
