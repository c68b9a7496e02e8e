package ssda903_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/carecoop/carecoop/services/kit/ssda903"
)

func TestEmbeddedCodes(t *testing.T) {
	got := map[string][]string{}
	for _, c := range ssda903.Codes() {
		got[c.List] = append(got[c.List], c.Code)
		if c.Label == "" {
			t.Errorf("%s %s has no label", c.List, c.Code)
		}
		if c.List == "PLACE" {
			if c.Group != groupOf[c.Code] {
				t.Errorf("PLACE %s is in group %q, want %q", c.Code, c.Group, groupOf[c.Code])
			}
			wantFrom := 0
			if c.Code == "K3" || strings.HasPrefix(c.Code, "Z1") && c.Code != "Z1" {
				wantFrom = 2025
			}
			if c.ValidFrom != wantFrom || c.ValidTo != 0 {
				t.Errorf("PLACE %s valid %d–%d, want from %d", c.Code, c.ValidFrom, c.ValidTo, wantFrom)
			}
		} else if c.Group != "" {
			t.Errorf("%s %s has a placement group", c.List, c.Code)
		}
	}
	want := map[string][]string{
		"PLACE":          slices.Collect(maps.Keys(groupOf)),
		"LS":             strings.Fields("C1 C2 D1 E1 V2 V3 V4 J1 J2 J3 L1 L2 L3"),
		"CIN":            strings.Fields("N1 N2 N3 N4 N5 N6 N7 N8"),
		"RNE":            strings.Fields("S L P T B U"),
		"PLACE_PROVIDER": strings.Fields("PR0 PR1 PR2 PR3 PR4 PR5"),
	}
	for list, codes := range want {
		slices.Sort(codes)
		g := slices.Sorted(slices.Values(got[list]))
		if !slices.Equal(g, codes) {
			t.Errorf("%s codes = %v, want %v", list, g, codes)
		}
	}
	for _, rec := range []string{"X1", "E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E41", "E45", "E46", "E47", "E48", "E4A", "E4B", "E5", "E6", "E7", "E8", "E9"} {
		if !slices.Contains(got["REC"], rec) {
			t.Errorf("REC %s is missing", rec)
		}
	}
}

func TestCodeValidYears(t *testing.T) {
	hdr := lines(headerHead, "1,1,01/01/2010,,,,", "2,1,01/01/2010,,,,")
	// K3 and Z11 are new in 2025-26: fine on episodes running into it.
	r := mustRead(t, lines(episodesHead,
		"1,01/05/2025,S,C2,N1,K3,PR4,,,,,,",
		"2,01/01/2025,S,C2,N1,Z11,PR4,,,,,,", // starts in 2024-25, still open in 2025-26
	), hdr, "2026-03-31")
	if want := map[string]int{"residential": 1, "other": 1}; !maps.Equal(r.Totals.PlacementGroup, want) {
		t.Errorf("groups = %v, want %v", r.Totals.PlacementGroup, want)
	}
	// An episode wholly before 2025-26 cannot use them.
	rep := mustReport(t, lines(episodesHead,
		"1,01/05/2024,S,C2,N1,K3,PR4,31/03/2025,E8,,,,",
		"2,01/01/2025,S,C2,N1,z14,PR4,,,,,,",
	), hdr, "2025-03-31")
	want := []string{
		`episodes.csv:2: PLACE: "K3" is a PLACE code only from 2025-26, and this episode ends before then`,
		`episodes.csv:3: PLACE: "Z14" is a PLACE code only from 2025-26, and this episode ends before then`,
	}
	if got := problemStrings(rep); !slices.Equal(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}

func TestReplacementCodesFile(t *testing.T) {
	// A council gives U4 a group of its own and withdraws U6 after 2016-17,
	// without a new build.
	codes := lines("list,code,label,group,valid_from_year,valid_to_year")
	for _, c := range ssda903.Codes() {
		group, to := c.Group, ""
		switch c.Code {
		case "U4":
			group = "foster-long-term"
		case "U6":
			to = "2016"
		}
		if c.ValidTo != 0 {
			t.Fatal("fixture assumes no embedded end years")
		}
		from := ""
		if c.ValidFrom != 0 {
			from = "2025"
		}
		codes += strings.Join([]string{c.List, c.Code, `"` + c.Label + `"`, group, from, to}, ",") + "\n"
	}
	read := func(asAt string) (*ssda903.Return, error) {
		return ssda903.Read(strings.NewReader(cleanEpisodes), strings.NewReader(cleanHeader),
			ssda903.Options{LA: "352", AsAt: date(asAt), Codes: strings.NewReader(codes)})
	}
	r, err := read("2017-03-31")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int{"foster-long-term": 1, "fostering": 1}; !maps.Equal(r.Totals.PlacementGroup, want) {
		t.Errorf("groups = %v, want %v", r.Totals.PlacementGroup, want)
	}
	// Child 2's U6 episode above starts in 2016-17, so it was accepted; one
	// starting in 2017-18 is not.
	_, err = ssda903.Read(strings.NewReader(lines(episodesHead, "1,01/04/2017,S,C2,N1,U6,PR1,,,,,,")), strings.NewReader(cleanHeader),
		ssda903.Options{LA: "352", AsAt: date("2018-03-31"), Codes: strings.NewReader(codes)})
	if err == nil || err.Error() != `episodes.csv:2: PLACE: "U6" is a PLACE code only up to 2016-17, and this episode starts after then` {
		t.Errorf("err = %v", err)
	}
}

func TestBadReplacementCodesFile(t *testing.T) {
	codes := lines(
		"list,code,label,group,valid_from_year,valid_to_year",
		"PLACE,U4,Foster,,,",
		"PLACE,K2,Home,residential,2025-26,",
		"PLACE,K2,Home again,residential,,",
		"NEED,N1,Abuse,,,",
		"LS,C2,Full care order,,2020,2019",
		"LS,C1,Interim care order,,,",
		"ls,c1,Interim care order again,,,",
	)
	_, err := ssda903.Read(strings.NewReader(cleanEpisodes), strings.NewReader(cleanHeader),
		ssda903.Options{LA: "352", AsAt: date("2017-03-31"), Codes: strings.NewReader(codes)})
	want := strings.Join([]string{
		`codes.csv:2: GROUP: is empty; every PLACE code needs a placement group`,
		`codes.csv:3: VALID_FROM_YEAR: "2025-26" is not a year such as 2025 (for 2025-26)`,
		`codes.csv:5: LIST: "NEED" is not one of PLACE, LS, CIN, RNE, PLACE_PROVIDER, REC`,
		`codes.csv:6: VALID_TO_YEAR: 2019 is before VALID_FROM_YEAR 2020`,
		`codes.csv:8: CODE: LS C1 appears twice`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("err =\n%v\nwant\n%s", err, want)
	}
	// A file that is well-formed but lacks whole lists is refused too.
	_, err = ssda903.Read(strings.NewReader(cleanEpisodes), strings.NewReader(cleanHeader),
		ssda903.Options{LA: "352", AsAt: date("2017-03-31"), Codes: strings.NewReader(lines("list,code,label,group,valid_from_year,valid_to_year", "PLACE,U4,Foster,fostering,,"))})
	if err == nil || !strings.Contains(err.Error(), "codes.csv:1: LIST: has no LS codes") {
		t.Errorf("err = %v", err)
	}
}
