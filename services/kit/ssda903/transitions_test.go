package ssda903_test

import (
	"maps"
	"reflect"
	"testing"

	"github.com/carecoop/carecoop/services/kit/ssda903"
)

func TestTransitions(t *testing.T) {
	// The year is 31/03/2017 (excluded) to 31/03/2018 (included).
	eps := lines(episodesHead,
		// a: enters fostering, moves to residential, leaves home.
		"a,01/05/2017,S,C2,N1,U4,PR1,01/09/2017,X1,,,,",
		"a,01/09/2017,P,C2,N1,K2,PR4,01/02/2018,E4A,,,,",
		// b: fostered all year.
		"b,01/06/2016,S,C2,N1,U6,PR1,,,,,,",
		// c: residential at the start, fostering at the end.
		"c,01/06/2016,S,C2,N1,K2,PR4,10/10/2017,X1,,,,",
		"c,10/10/2017,P,C2,N1,U4,PR1,,,,,,",
		// d: enters on a temporary placement, then fostering.
		"d,01/01/2018,S,V2,N4,T1,PR3,05/01/2018,X1,,,,",
		"d,05/01/2018,P,V2,N4,U6,PR1,,,,,,",
		// e: leaves on the first day of the year, which is outside it.
		"e,01/01/2016,S,C2,N1,U4,PR1,31/03/2017,E13,,,,",
		// f: leaves supported accommodation on the last day of the year.
		"f,01/06/2016,S,V2,N8,H5,PR4,31/03/2018,E5,,,,",
		// g: leaves fostering and comes back into residential care: two
		// entries and an exit, no move.
		"g,01/05/2017,S,V2,N5,U4,PR1,01/06/2017,E4B,,,,",
		"g,01/09/2017,S,V2,N5,K2,PR4,,,,,,",
		// h: legal status changes, placement group stays the same.
		"h,01/06/2016,S,V2,N1,U4,PR1,01/07/2017,X1,,,,",
		"h,01/07/2017,L,C2,N1,U4,PR1,,,,,,",
	)
	var hdr []string
	hdr = append(hdr, headerHead)
	for _, id := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		hdr = append(hdr, id+",1,01/01/2005,,,,")
	}
	r := mustRead(t, eps, lines(hdr...), "2018-03-31")
	want := ssda903.Transitions{
		From:    "2017-03-31",
		To:      "2018-03-31",
		Entries: map[string]int{"fostering": 2, "temporary": 1, "residential": 1},
		Exits:   map[string]int{"residential": 1, "supported-16-plus": 1, "fostering": 1},
		Moves: []ssda903.Move{
			{From: "fostering", To: "residential", Count: 1},
			{From: "residential", To: "fostering", Count: 1},
			{From: "temporary", To: "fostering", Count: 1},
		},
		Stayed: map[string]int{"fostering": 2},
	}
	if !reflect.DeepEqual(r.Transitions, want) {
		t.Errorf("transitions:\n got %+v\nwant %+v", r.Transitions, want)
	}
	if r.Children != 5 {
		t.Errorf("Children = %d, want 5 (b, c, d, g, h)", r.Children)
	}
	if want := map[string]int{"fostering": 4, "residential": 1}; !maps.Equal(r.Totals.PlacementGroup, want) {
		t.Errorf("groups = %v, want %v", r.Totals.PlacementGroup, want)
	}
}

func TestTransitionsYearEndingOn29February(t *testing.T) {
	r := mustRead(t, lines(episodesHead, "a,28/02/2023,S,C2,N1,U4,PR1,,,,,,", "b,01/03/2023,S,C2,N1,K2,PR4,,,,,,"),
		lines(headerHead, "a,1,01/01/2010,,,,", "b,1,01/01/2010,,,,"), "2024-02-29")
	if r.Transitions.From != "2023-02-28" || r.Transitions.To != "2024-02-29" {
		t.Errorf("year = (%s, %s]", r.Transitions.From, r.Transitions.To)
	}
	// a started on the excluded first day: at the start, not an entry.
	if want := map[string]int{"residential": 1}; !maps.Equal(r.Transitions.Entries, want) {
		t.Errorf("entries = %v, want %v", r.Transitions.Entries, want)
	}
	if want := map[string]int{"fostering": 1}; !maps.Equal(r.Transitions.Stayed, want) {
		t.Errorf("stayed = %v, want %v", r.Transitions.Stayed, want)
	}
}

func TestTransitionsInTheSample(t *testing.T) {
	// Not hand-checked counts, but invariants: every number positive, and
	// stays cannot exceed children looked after at either end.
	start, end := readSample(t, "2017-03-31"), readSample(t, "2018-03-31")
	tr := end.Transitions
	if tr.From != "2017-03-31" || tr.To != "2018-03-31" {
		t.Fatalf("year = (%s, %s]", tr.From, tr.To)
	}
	stayed := 0
	for g, n := range tr.Stayed {
		stayed += n
		if n > start.Totals.PlacementGroup[g] || n > end.Totals.PlacementGroup[g] {
			t.Errorf("%d stayed in %s; %d there at the start, %d at the end", n, g, start.Totals.PlacementGroup[g], end.Totals.PlacementGroup[g])
		}
	}
	if stayed == 0 || len(tr.Entries) == 0 || len(tr.Exits) == 0 || len(tr.Moves) == 0 {
		t.Errorf("the sample's busiest year shows no flow: %+v", tr)
	}
	for _, m := range tr.Moves {
		if m.From == m.To || m.Count <= 0 {
			t.Errorf("bad move %+v", m)
		}
	}
}
