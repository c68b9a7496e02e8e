package ssda903_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/carecoop/carecoop/services/kit/ssda903"
)

func TestMalformedFilesReportEveryProblem(t *testing.T) {
	eps := lines(episodesHead,
		"1,31/02/2017,S,C2,N1,U4,PR1,,,,,,",             // 2: impossible date
		"2,01/04/2016,S,C2,N1,Q9,PR1,,,,,,",             // 3: unknown placement code
		"3,01/04/2016,S,C2,N1,U4,PR1",                   // 4: too few values
		"4,01/04/2016,S,C2,N1,U4,PR1,01/03/2016,E8,,,,", // 5: ends before it starts
		"5,01/04/2016,X,C9,,U4,PR9,,,,,,",               // 6: four problems on one line
		"6,01/04/2016,S,C2,N1,U4,PR1,01/05/2016,,,,,",   // 7: ended with no reason
		"99,01/04/2016,S,C2,N1,U4,PR1,,,,,,",            // 8: not in the header
		"7,01/01/2009,S,C2,N1,U4,PR1,,,,,,",             // 9: before the child was born
		"8,01/04/2016,S,C2,N1,K3,PR4,,,,,,",             // 10: code from a later year
		"1,01/05/2017,S,C2,N1,U4,PR1,,,,,,",             // 11: fine
	)
	hdr := lines(headerHead,
		"1,1,01/01/2010,,,,",
		"2,1,01/01/2010,,,,",
		"3,1,01/01/2010,,,,",
		"4,1,01/01/2010,,,,",
		"5,1,01/01/2010,,,,",
		"6,1,01/01/2010,,,,",
		"7,1,01/01/2010,,,,",
		"8,1,2010-13-01,,,,", // 9: month 13
		"1,2,01/01/2011,,,,", // 10: duplicate
		",1,01/01/2011,,,,",  // 11: no identifier
	)
	rep := mustReport(t, eps, hdr, "2017-03-31")
	want := []string{
		`episodes.csv:2: DECOM: "31/02/2017" is not a date (dd/mm/yyyy)`,
		`episodes.csv:3: PLACE: "Q9" is not a known PLACE code`,
		`episodes.csv:4: has 7 values but the first line names 13 columns`,
		`episodes.csv:5: DEC: "01/03/2016" is before DECOM "01/04/2016": the episode ends before it starts`,
		`episodes.csv:6: RNE: "X" is not a known RNE code`,
		`episodes.csv:6: LS: "C9" is not a known LS code`,
		`episodes.csv:6: CIN: is empty; a CIN code is required`,
		`episodes.csv:6: PLACE_PROVIDER: "PR9" is not a known PLACE_PROVIDER code`,
		`episodes.csv:7: REC: is empty, but DEC says the episode ended; a reason ceased is required`,
		`episodes.csv:8: CHILD: this child is not in header.csv`,
		`episodes.csv:9: DECOM: "01/01/2009" is before the child's date of birth (header.csv line 8)`,
		`episodes.csv:10: PLACE: "K3" is a PLACE code only from 2025-26, and this episode ends before then`,
		`header.csv:9: DOB: "2010-13-01" is not a date (dd/mm/yyyy)`,
		`header.csv:10: CHILD: this child already appears on line 2`,
		`header.csv:11: CHILD: is empty; the child's identifier is required`,
	}
	if got := problemStrings(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	if rep.Error() != strings.Join(want, "\n") {
		t.Errorf("Error() =\n%s", rep.Error())
	}
	p := rep.Problems[0]
	if p.File != "episodes.csv" || p.Line != 2 || p.Column != "DECOM" || p.Problem != `"31/02/2017" is not a date (dd/mm/yyyy)` {
		t.Errorf("first problem's fields = %+v", p)
	}
	// The report names lines, never a child's identifier.
	if strings.Contains(rep.Error(), "99") {
		t.Errorf("report mentions a child's identifier:\n%s", rep.Error())
	}
}

func TestMissingColumnsAreReportedWithRowProblems(t *testing.T) {
	eps := lines(
		"CHILD,DECOM,RNE,LS,PLACE_PROVIDER,DEC,REC,HOME_POST,PL_POST",
		"1,01/04/2016,S,C2,PR1,,,,",
		"2,1/13/2016,S,C2,PR1,,,,",
	)
	hdr := lines("CHILD,SEX", "1,1", "2,1")
	rep := mustReport(t, eps, hdr, "2017-03-31")
	want := []string{
		`episodes.csv:1: CIN: required column is missing`,
		`episodes.csv:1: PLACE: required column is missing`,
		`episodes.csv:3: DECOM: "1/13/2016" is not a date (dd/mm/yyyy)`,
		`header.csv:1: DOB: required column is missing`,
	}
	if got := problemStrings(rep); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

func TestOtherMalformations(t *testing.T) {
	cases := []struct {
		name             string
		episodes, header string
		want             []string
	}{
		{
			"column named twice",
			lines(episodesHead+",decom", "1,01/04/2016,S,C2,N1,U4,PR1,,,,,,,01/04/2016"),
			cleanHeader,
			[]string{"episodes.csv:1: DECOM: the column appears twice (columns 2 and 14)"},
		},
		{
			"empty files",
			"", "\n\n",
			[]string{
				"episodes.csv:1: the file is empty: the first line should name the columns",
				"header.csv:1: the file is empty: the first line should name the columns",
			},
		},
		{
			"stray quote",
			lines(episodesHead, `1,01/04/2016,S,C2,N1,U4,PR1,,,,M14 "5AB,,`, "2,01/04/2016,S,C2,N1,U4,PR1,,,,,,"),
			lines(headerHead, "1,1,01/01/2010,,,,", "2,1,01/01/2010,,,,"),
			[]string{`episodes.csv:2: a value contains a stray double quote (")`},
		},
		{
			"too many values",
			lines(episodesHead, "1,01/04/2016,S,C2,N1,U4,PR1,,,,,,,extra"),
			cleanHeader,
			[]string{"episodes.csv:2: has 14 values but the first line names 13 columns"},
		},
		{
			"dates that are not dates",
			lines(episodesHead,
				"1,2016/04/01,S,C2,N1,U4,PR1,,,,,,",
				"1,01-04-2016,S,C2,N1,U4,PR1,,,,,,",
				"1,01/04/16,S,C2,N1,U4,PR1,,,,,,",
				"1,29/02/2017,S,C2,N1,U4,PR1,,,,,,",
				"1,,S,C2,N1,U4,PR1,not a date,X1,,,,",
			),
			cleanHeader,
			[]string{
				`episodes.csv:2: DECOM: "2016/04/01" is not a date (dd/mm/yyyy)`,
				`episodes.csv:3: DECOM: "01-04-2016" is not a date (dd/mm/yyyy)`,
				`episodes.csv:4: DECOM: "01/04/16" is not a date (dd/mm/yyyy)`,
				`episodes.csv:5: DECOM: "29/02/2017" is not a date (dd/mm/yyyy)`,
				`episodes.csv:6: DECOM: is empty; a date is required`,
				`episodes.csv:6: DEC: "not a date" is not a date (dd/mm/yyyy)`,
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep := mustReport(t, c.episodes, c.header, "2017-03-31")
			if got := problemStrings(rep); !reflect.DeepEqual(got, c.want) {
				t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(c.want, "\n     "))
			}
		})
	}
}

func TestReportUsesTheGivenFileNames(t *testing.T) {
	_, err := ssda903.Read(strings.NewReader(lines(episodesHead, "1,31/02/2017,S,C2,N1,U4,PR1,,,,,,")), strings.NewReader(cleanHeader),
		ssda903.Options{LA: "352", AsAt: date("2017-03-31"), EpisodesName: "903_2017_episodes.csv", HeaderName: "903_2017_header.csv"})
	var rep *ssda903.Report
	if !errors.As(err, &rep) {
		t.Fatalf("err = %v, want a *Report", err)
	}
	if want := `903_2017_episodes.csv:2: DECOM: "31/02/2017" is not a date (dd/mm/yyyy)`; rep.Error() != want {
		t.Errorf("Error() = %q, want %q", rep.Error(), want)
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []ssda903.Options{
		{LA: "35", AsAt: date("2017-03-31")},
		{LA: "3522", AsAt: date("2017-03-31")},
		{LA: "x52", AsAt: date("2017-03-31")},
		{LA: "352"},
	} {
		r, err := ssda903.Read(strings.NewReader(cleanEpisodes), strings.NewReader(cleanHeader), o)
		var rep *ssda903.Report
		if err == nil || r != nil || errors.As(err, &rep) {
			t.Errorf("Read(%+v) = %v, %v; want a plain error", o, r, err)
		}
	}
	// Only the calendar date of AsAt matters, in whatever zone it is given.
	ny := time.FixedZone("UTC-5", -5*60*60)
	a := mustRead(t, cleanEpisodes, cleanHeader, "2017-03-31")
	b, err := ssda903.Read(strings.NewReader(cleanEpisodes), strings.NewReader(cleanHeader),
		ssda903.Options{LA: "352", AsAt: time.Date(2017, 3, 31, 23, 59, 0, 0, ny)})
	if err != nil || !reflect.DeepEqual(a, b) {
		t.Errorf("AsAt late on 31 March in New York gives a different return (%v)", err)
	}
}
