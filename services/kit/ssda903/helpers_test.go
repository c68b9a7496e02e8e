package ssda903_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carecoop/carecoop/services/kit/ssda903"
)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// readStrings runs Read over inline fixtures.
func readStrings(t *testing.T, episodes, header, asAt string) (*ssda903.Return, error) {
	t.Helper()
	return ssda903.Read(strings.NewReader(episodes), strings.NewReader(header), ssda903.Options{LA: "352", AsAt: date(asAt)})
}

// mustRead is readStrings for fixtures that must be accepted.
func mustRead(t *testing.T, episodes, header, asAt string) *ssda903.Return {
	t.Helper()
	r, err := readStrings(t, episodes, header, asAt)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return r
}

// mustReport is readStrings for fixtures that must be refused.
func mustReport(t *testing.T, episodes, header, asAt string) *ssda903.Report {
	t.Helper()
	r, err := readStrings(t, episodes, header, asAt)
	if err == nil {
		t.Fatalf("Read accepted the input: %+v", r)
	}
	if r != nil {
		t.Errorf("Read returned a Return alongside its error")
	}
	rep, ok := err.(*ssda903.Report)
	if !ok {
		t.Fatalf("error is %T (%v), want *ssda903.Report", err, err)
	}
	return rep
}

// lines joins fixture lines with LF and a final newline.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

const episodesHead = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"

const headerHead = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"

// cellStrings renders cells as "group|age|need|ls|area|distance|count".
func cellStrings(cells []ssda903.Cell) []string {
	var out []string
	for _, c := range cells {
		out = append(out, strings.Join([]string{c.PlacementGroup, c.AgeBand, c.Need, c.LegalStatus, c.Area, c.DistanceBand, strconv.Itoa(c.Count)}, "|"))
	}
	return out
}

// problemStrings renders a report's problems as Error prints them.
func problemStrings(rep *ssda903.Report) []string {
	var out []string
	for _, p := range rep.Problems {
		out = append(out, p.String())
	}
	return out
}
