package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/carecoop/carecoop/services/kit/ssda903"
)

// The kit's own sample extract.
const sampleDir = "../../kit/ssda903/testdata/"

func readSample(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(sampleDir + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCountSendsOnlyCounts: the counts the page posts are the kit's return
// for the extract and hold no child's identifier, date of birth or postcode.
func TestCountSendsOnlyCounts(t *testing.T) {
	episodes, header := readSample(t, "episodes.csv"), readSample(t, "header.csv")
	res := count(episodes, header, "352", "2018-03-31", "episodes.csv", "header.csv")
	if res.Error != "" || len(res.Problems) > 0 {
		t.Fatalf("count: %q %q", res.Error, res.Problems)
	}
	want, err := ssda903.Read(strings.NewReader(episodes), strings.NewReader(header), ssda903.Options{LA: "352", AsAt: mustDate(t, "2018-03-31")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Children != want.Children || res.Cells != len(want.Cells) || res.Summary != want.Summary() || res.Children == 0 {
		t.Fatalf("count gave %d children in %d cells, the kit %d in %d", res.Children, res.Cells, want.Children, len(want.Cells))
	}
	var got ssda903.Return
	dec := json.NewDecoder(strings.NewReader(res.Counts))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("the counts are not a return: %v", err)
	}
	for _, s := range childLevel(t, episodes, header) {
		if strings.Contains(res.Counts, s) {
			t.Fatalf("the counts hold %q from the extract", s)
		}
	}
}

// TestCountReportsProblems: a broken extract gives the kit's report, line
// by line, and no counts.
func TestCountReportsProblems(t *testing.T) {
	episodes := strings.Replace(readSample(t, "episodes.csv"), "15/02/2016", "31/02/2016", 1)
	res := count(episodes, readSample(t, "header.csv"), "352", "2018-03-31", "my-episodes.csv", "header.csv")
	if res.Counts != "" || len(res.Problems) == 0 || !strings.HasPrefix(res.Problems[0], "my-episodes.csv:2: DECOM:") {
		t.Fatalf("problems %q, counts %d bytes", res.Problems, len(res.Counts))
	}
	if res := count("", "", "352", "31/03/2018", "e", "h"); res.Error == "" {
		t.Fatal("a bad date counted")
	}
}

// childLevel is every child id, date and postcode in the extract (the
// values that must never leave the browser).
func childLevel(t *testing.T, files ...string) []string {
	t.Helper()
	var out []string
	for _, f := range files {
		rows, err := csv.NewReader(strings.NewReader(f)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows[1:] {
			for i, v := range row {
				col := rows[0][i]
				// Short values (an outcode "M1") could be any number.
				if len(v) >= 5 && (col == "CHILD" || col == "DOB" || col == "DECOM" || col == "DEC" || strings.HasSuffix(col, "POST")) {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

func mustDate(t *testing.T, s string) (d time.Time) {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
