package ssda903_test

import (
	"reflect"
	"strings"
	"testing"
)

// The clean fixture: as at 2017-03-31 children 1 and 2 are looked after,
// child 3 has left.
var (
	cleanEpisodes = lines(
		episodesHead,
		"1,01/04/2016,S,C2,N1,U4,PR1,,X1,,M14 5AB,M1 1AA,SC000001",
		"2,05/06/2016,S,V2,N2,K2,PR4,01/01/2017,X1,,M14 5AB,L1 8JQ,SC000002",
		"2,01/01/2017,P,V2,N2,U6,PR1,,X1,CARPL,M14 5AB,,SC000003",
		"3,10/10/2016,S,C1,N4,H5,PR4,20/02/2017,E8,,,,",
	)
	cleanHeader = lines(
		headerHead,
		"1,1,15/05/2010,WBRI,A123,,",
		"2,2,01/01/2001,WBRI,A124,,",
		"3,1,29/02/2016,WBRI,A125,,",
	)
)

func TestCleanFixture(t *testing.T) {
	r := mustRead(t, cleanEpisodes, cleanHeader, "2017-03-31")
	want := []string{
		"fostering|5-9|N1|C2|inside|0-5|1",
		"fostering|16+|N2|V2|unknown|unknown|1",
	}
	if got := cellStrings(r.Cells); !reflect.DeepEqual(got, want) {
		t.Errorf("cells:\n got %q\nwant %q", got, want)
	}
	if r.Children != 2 {
		t.Errorf("Children = %d, want 2", r.Children)
	}
}

// TestQuirksGiveTheSameReturn feeds the clean fixture through every export
// quirk the package tolerates; each must give exactly the clean Return.
func TestQuirksGiveTheSameReturn(t *testing.T) {
	want := mustRead(t, cleanEpisodes, cleanHeader, "2017-03-31")
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	cases := []struct {
		name             string
		episodes, header string
	}{
		{"utf-8 byte-order mark", "\ufeff" + cleanEpisodes, "\ufeff" + cleanHeader},
		{"CRLF line ends", crlf(cleanEpisodes), crlf(cleanHeader)},
		{"BOM and CRLF together", "\ufeff" + crlf(cleanEpisodes), "\ufeff" + crlf(cleanHeader)},
		{"no final newline", strings.TrimSuffix(cleanEpisodes, "\n"), strings.TrimSuffix(cleanHeader, "\n")},
		{"blank trailing lines", cleanEpisodes + "\n\n,,,,,,,,,,,,\n   \n", cleanHeader + "\r\n\r\n,,,,,,\n"},
		{"blank line in the middle", strings.Replace(cleanEpisodes, "\n2,05", "\n\n2,05", 1), cleanHeader},
		{
			"column names in another order, any case, with spaces, and extra columns",
			lines(
				" urn ,Notes, place,child,DeCom,rne,ls,cin,place_provider,dec,rec,reason_place_change,home_post,pl_post",
				"SC000001,x,U4,1,01/04/2016,S,C2,N1,PR1,,X1,,M14 5AB,M1 1AA",
				"SC000002,y,K2,2,05/06/2016,S,V2,N2,PR4,01/01/2017,X1,,M14 5AB,L1 8JQ",
				"SC000003,,U6,2,01/01/2017,P,V2,N2,PR1,,X1,CARPL,M14 5AB,",
				",z,H5,3,10/10/2016,S,C1,N4,PR4,20/02/2017,E8,,,",
			),
			lines(
				"DOB , Child,sex,EXTRA",
				"15/05/2010,1,1,a",
				"01/01/2001,2,2,b",
				"29/02/2016,3,1,c",
			),
		},
		{
			"values with surrounding spaces and lower-case codes",
			lines(
				episodesHead,
				" 1 , 01/04/2016 , s , c2 , n1 , u4 , pr1 , , x1 , , m14 5ab , m1 1aa ,SC000001",
				"2,05/06/2016,S,v2,N2,k2,Pr4,01/01/2017,X1,,M14 5AB,L1 8JQ,SC000002",
				"2,01/01/2017,p,V2,N2,U6,PR1,,x1,carpl,M14 5AB,,SC000003",
				"3 ,10/10/2016,S,C1,N4,h5,PR4,20/02/2017,e8,,,,",
			),
			strings.Replace(cleanHeader, "1,1,15/05/2010", " 1 ,1, 15/05/2010 ", 1),
		},
		{
			"dates as d/m/yyyy and yyyy-mm-dd",
			lines(
				episodesHead,
				"1,1/4/2016,S,C2,N1,U4,PR1,,X1,,M14 5AB,M1 1AA,SC000001",
				"2,2016-06-05,S,V2,N2,K2,PR4,2017-01-01,X1,,M14 5AB,L1 8JQ,SC000002",
				"2,1/1/2017,P,V2,N2,U6,PR1,,X1,CARPL,M14 5AB,,SC000003",
				"3,10/10/2016,S,C1,N4,H5,PR4,2017-02-20,E8,,,,",
			),
			lines(headerHead, "1,1,2010-05-15,WBRI,A123,,", "2,2,1/1/2001,WBRI,A124,,", "3,1,29/2/2016,WBRI,A125,,"),
		},
		{
			"open episodes with an empty reason ceased",
			strings.NewReplacer(",PR1,,X1,,M14", ",PR1,,,,M14", ",PR1,,X1,CARPL", ",PR1,,,CARPL").Replace(cleanEpisodes),
			cleanHeader,
		},
		{
			"quoted values",
			strings.Replace(cleanEpisodes, "1,01/04/2016,S,C2,N1,U4", `"1","01/04/2016","S", "C2",N1,"U4"`, 1),
			cleanHeader,
		},
		{
			"postcodes as outcodes, sectors or without a space",
			strings.NewReplacer("M14 5AB,M1 1AA", "M14,M1 1", "M14 5AB,L1 8JQ", "m145ab,l18jq").Replace(cleanEpisodes),
			cleanHeader,
		},
		{"header children not in episodes are ignored", cleanEpisodes, cleanHeader + "9,1,01/01/2005,WBRI,A129,,\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := mustRead(t, c.episodes, c.header, "2017-03-31")
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Return differs from the clean fixture's:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestOpenEpisodeIsStillLookedAfter(t *testing.T) {
	// Empty DEC means open, whatever REC says; DEC on the as-at date means
	// the child has left by then.
	eps := lines(episodesHead,
		"1,01/04/2016,S,C2,N1,U4,PR1,,,,,,",
		"2,01/04/2016,S,C2,N1,U4,PR1,,X1,,,,",
		"3,01/04/2016,S,C2,N1,U4,PR1,,E8,,,,",
		"4,01/04/2016,S,C2,N1,U4,PR1,31/03/2017,E8,,,,",
		"5,31/03/2017,S,C2,N1,U4,PR1,,,,,,",
		"6,01/04/2017,S,C2,N1,U4,PR1,,,,,,",
	)
	hdr := lines(headerHead, "1,1,01/01/2010,,,,", "2,1,01/01/2010,,,,", "3,1,01/01/2010,,,,",
		"4,1,01/01/2010,,,,", "5,1,01/01/2010,,,,", "6,1,01/01/2010,,,,")
	r := mustRead(t, eps, hdr, "2017-03-31")
	if r.Children != 4 {
		t.Errorf("Children = %d, want 4 (1, 2, 3 open; 4 left on the day; 5 started on the day; 6 later)", r.Children)
	}
}

func TestAgeBands(t *testing.T) {
	// Ages on 31/03/2017: 0 (born that day), 0 (birthday tomorrow),
	// 1, 4, 5, 9, 10, 15, 16 (16th birthday today), 17.
	dobs := []string{"31/03/2017", "01/04/2016", "31/03/2016", "01/04/2012", "31/03/2012", "01/04/2007",
		"31/03/2007", "01/04/2001", "31/03/2001", "15/06/1999"}
	eps := []string{episodesHead}
	hdr := []string{headerHead}
	for i, dob := range dobs {
		id := string(rune('a' + i))
		eps = append(eps, id+",31/03/2017,S,C2,N1,U4,PR1,,,,,,")
		hdr = append(hdr, id+",1,"+dob+",,,,")
	}
	r := mustRead(t, lines(eps...), lines(hdr...), "2017-03-31")
	want := map[string]int{"under 1": 2, "1-4": 2, "5-9": 2, "10-15": 2, "16+": 2}
	if !reflect.DeepEqual(r.Totals.AgeBand, want) {
		t.Errorf("age bands = %v, want %v", r.Totals.AgeBand, want)
	}
}

func TestAreaAndDistance(t *testing.T) {
	// Straight-line distances between outcode centroids: M14–M14 0,
	// M14–M1 about 2 miles, M14–SK8 about 5, M14–BL1 about 12, M14–L1
	// about 31, M14–WV10 about 60.
	eps := lines(episodesHead,
		"a,01/01/2017,S,C2,N1,U4,PR1,,,,M14 5AB,M14 7XY,",
		"b,01/01/2017,S,C2,N1,U4,PR1,,,,M14 5AB,M1 1AA,",
		"c,01/01/2017,S,C2,N1,U4,PR1,,,,M14 5AB,BL1 1AA,",
		"d,01/01/2017,S,C2,N1,U4,PR1,,,,M14 5AB,L1 8JQ,",
		"e,01/01/2017,S,C2,N1,U4,PR1,,,,M14 5AB,WV10 1AA,",
		"f,01/01/2017,S,C2,N1,U4,PR1,,,,M14 5AB,,",
		"g,01/01/2017,S,C2,N1,U4,PR1,,,,EG19 7TT,M1 1AA,",
	)
	hdr := lines(headerHead, "a,1,01/01/2010,,,,", "b,1,01/01/2010,,,,", "c,1,01/01/2010,,,,",
		"d,1,01/01/2010,,,,", "e,1,01/01/2010,,,,", "f,1,01/01/2010,,,,", "g,1,01/01/2010,,,,")
	r := mustRead(t, eps, hdr, "2017-03-31")
	wantBand := map[string]int{"0-5": 2, "10-20": 1, "20-50": 1, "50+": 1, "unknown": 2}
	wantArea := map[string]int{"inside": 3, "outside": 2, "unknown": 2}
	if !reflect.DeepEqual(r.Totals.DistanceBand, wantBand) {
		t.Errorf("distance bands = %v, want %v", r.Totals.DistanceBand, wantBand)
	}
	if !reflect.DeepEqual(r.Totals.Area, wantArea) {
		t.Errorf("areas = %v, want %v", r.Totals.Area, wantArea)
	}
}

func TestOverlappingEpisodesCountOnce(t *testing.T) {
	// A data-entry error leaves two open episodes: the child counts once,
	// in the later one.
	eps := lines(episodesHead,
		"1,01/04/2016,S,C2,N1,U4,PR1,,,,,,",
		"1,01/09/2016,P,C2,N1,K2,PR4,,,,,,",
		"2,01/04/2016,S,C2,N1,K2,PR4,,,,,,",
		"2,01/04/2016,P,C2,N1,U4,PR1,,,,,,",
	)
	hdr := lines(headerHead, "1,1,01/01/2010,,,,", "2,1,01/01/2010,,,,")
	r := mustRead(t, eps, hdr, "2017-03-31")
	want := map[string]int{"residential": 1, "fostering": 1}
	if r.Children != 2 || !reflect.DeepEqual(r.Totals.PlacementGroup, want) {
		t.Errorf("Children = %d, groups %v; want 2, %v", r.Children, r.Totals.PlacementGroup, want)
	}
}

func TestChildMissingFromHeaderIsAProblem(t *testing.T) {
	rep := mustReport(t, cleanEpisodes, lines(headerHead, "1,1,15/05/2010,WBRI,A123,,", "3,1,29/02/2016,WBRI,A125,,"), "2017-03-31")
	want := []string{"episodes.csv:3: CHILD: this child is not in header.csv"}
	if got := problemStrings(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}

func TestDuplicateChildInHeaderIsAProblem(t *testing.T) {
	rep := mustReport(t, cleanEpisodes, cleanHeader+"2,2,01/01/2001,WBRI,A124,,\n", "2017-03-31")
	want := []string{"header.csv:5: CHILD: this child already appears on line 3"}
	if got := problemStrings(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}

// Files given the wrong way round are said to be so, before the problems
// that follow from it; two episodes files are not.
func TestFilesTheWrongWayRound(t *testing.T) {
	episodes := lines("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,REC,DEC,HOME_POST,PL_POST",
		"1,01/04/2016,P,C2,N1,U1,PR1,,,M14,M14")
	header := lines("CHILD,SEX,DOB", "1,1,01/01/2010")
	rep := mustReport(t, header, episodes, "2017-03-31")
	got := problemStrings(rep)
	want := "episodes.csv:1: the files are the wrong way round: episodes.csv is a header file (SEX, DOB, ...) and header.csv an episodes file (DECOM, RNE, LS, ...); swap them"
	if len(got) < 2 || got[0] != want {
		t.Errorf("swapped files: the report begins %q, want %q", got, want)
	}
	for _, p := range problemStrings(mustReport(t, episodes, episodes, "2017-03-31")) {
		if strings.Contains(p, "wrong way round") {
			t.Errorf("two episodes files are called the wrong way round: %s", p)
		}
	}
}
