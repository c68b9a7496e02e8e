package ssda903_test

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/carecoop/carecoop/services/kit/ssda903"
)

// fuzzHead is the first n lines of a test extract: small seeds, so the
// seed corpus runs in make test in milliseconds.
func fuzzHead(f *testing.F, path string, n int) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(data))
	for i := 0; i < n && sc.Scan(); i++ {
		out.Write(sc.Bytes())
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// FuzzSSDA903Read reads random episodes and header files (and sometimes a
// random code list): no panic; a refusal is a Report naming the problems;
// a return's cells are positive, one per combination, of the known
// dimension values,
// and sum to the children counted, as does every total; and reading
// is a function of the files.
func FuzzSSDA903Read(f *testing.F) {
	episodes, header := fuzzHead(f, "testdata/episodes.csv", 40), fuzzHead(f, "testdata/header.csv", 40)
	f.Add(episodes, header, uint16(400), []byte(nil))
	f.Add(episodes, header, uint16(800), []byte(nil))
	f.Add([]byte("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,HOME_POST,PL_POST\n1,01/04/2017,S,C2,N1,U1,PR1,,X1,AB1 2CD,AB1 3CD\n"),
		[]byte("CHILD,DOB\n1,29/02/2004\n"), uint16(365), []byte(nil))
	f.Add([]byte("CHILD,DECOM\n"), []byte("CHILD,DOB\n"), uint16(0), []byte("list,code,label,group,valid_from_year,valid_to_year\nPLACE,U1,Foster,fostering,,\n"))
	f.Fuzz(func(t *testing.T, episodes, header []byte, day uint16, codes []byte) {
		opts := ssda903.Options{LA: "352", AsAt: time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(day%1500))}
		read := func() (*ssda903.Return, error) {
			if len(codes) > 0 {
				opts.Codes = bytes.NewReader(codes)
			}
			return ssda903.Read(bytes.NewReader(episodes), bytes.NewReader(header), opts)
		}
		r, err := read()
		again, errAgain := read()
		if !reflect.DeepEqual(r, again) || (err == nil) != (errAgain == nil) || (err != nil && err.Error() != errAgain.Error()) {
			t.Fatalf("read twice: %v, %v then %v, %v", r, err, again, errAgain)
		}
		if err != nil {
			var rep *ssda903.Report
			if !errors.As(err, &rep) || strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("refused with %T %q, not a report of the problems", err, err)
			}
			if r != nil {
				t.Fatal("a return and an error")
			}
			return
		}
		if r.LA != "352" || r.AsAt != opts.AsAt.Format(time.DateOnly) || r.Children < 0 {
			t.Fatalf("return for %s on %s of %d children", r.LA, r.AsAt, r.Children)
		}
		sum, seen := 0, map[string]bool{}
		for _, c := range r.Cells {
			if c.Count <= 0 {
				t.Fatalf("cell %+v: count not positive", c)
			}
			if !slices.Contains([]string{"under 1", "1-4", "5-9", "10-15", "16+"}, c.AgeBand) ||
				!slices.Contains([]string{"inside", "outside", "unknown"}, c.Area) ||
				!slices.Contains([]string{"0-5", "5-10", "10-20", "20-50", "50+", "unknown"}, c.DistanceBand) {
				t.Fatalf("cell %+v: a dimension value the return does not have", c)
			}
			if seen[fuzzCellKey(c)] {
				t.Fatalf("two cells for %+v", c)
			}
			seen[fuzzCellKey(c)] = true
			sum += c.Count
		}
		if sum != r.Children {
			t.Fatalf("cells sum to %d, children %d", sum, r.Children)
		}
		for name, m := range map[string]map[string]int{"placement group": r.Totals.PlacementGroup, "age band": r.Totals.AgeBand, "need": r.Totals.Need,
			"legal status": r.Totals.LegalStatus, "area": r.Totals.Area, "distance band": r.Totals.DistanceBand} {
			total := 0
			for _, n := range m {
				total += n
			}
			if total != r.Children {
				t.Fatalf("totals by %s sum to %d, children %d", name, total, r.Children)
			}
		}
	})
}

// fuzzCellKey is a cell's dimensions, to find two cells for one combination.
func fuzzCellKey(c ssda903.Cell) string {
	return strings.Join([]string{c.PlacementGroup, c.AgeBand, c.Need, c.LegalStatus, c.Area, c.DistanceBand}, "\x00")
}
