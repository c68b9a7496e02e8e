// Command wasm is the needs page's SSDA903 counter: the kit's ssda903
// package compiled to WebAssembly (GOOS=js GOARCH=wasm, built by `make
// assets` into assets/static/needs.wasm), so a council's child-level
// extract is read and counted in the analyst's browser and only the counts
// are sent — what `carecoop import-903` does on the analyst's machine.
package main

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/carecoop/carecoop/services/kit/ssda903"
)

// result is what the page gets back: either the problems of the extract,
// or the summary to check and the counts to send.
type result struct {
	// Problems are the kit's report, one problem a line, as import-903
	// prints them ("episodes.csv:12: DECOM: ..."); none when it counted.
	Problems []string `json:"problems,omitempty"`
	// Error is anything else that stopped the count (a bad date).
	Error string `json:"error,omitempty"`
	// Summary is the kit's plain-text summary of the return.
	Summary  string `json:"summary,omitempty"`
	LA       string `json:"la,omitempty"`
	AsAt     string `json:"asAt,omitempty"`
	Children int    `json:"children"`
	Cells    int    `json:"cells"`
	// Counts is the return as JSON (an ssda903.Return: counts only), the
	// one value the page posts.
	Counts string `json:"counts,omitempty"`
}

// count reads the two files' text and counts the children looked after on
// asAt (YYYY-MM-DD) for council la.
func count(episodes, header, la, asAt, episodesName, headerName string) result {
	date, err := time.Parse(time.DateOnly, asAt)
	if err != nil {
		return result{Error: "The date to count on is not a real date."}
	}
	ret, err := ssda903.Read(strings.NewReader(episodes), strings.NewReader(header),
		ssda903.Options{LA: la, AsAt: date, EpisodesName: episodesName, HeaderName: headerName})
	if err != nil {
		var rep *ssda903.Report
		if errors.As(err, &rep) {
			return result{Problems: strings.Split(rep.Error(), "\n")}
		}
		return result{Error: err.Error()}
	}
	counts, err := json.Marshal(ret)
	if err != nil {
		return result{Error: err.Error()}
	}
	return result{Summary: ret.Summary(), LA: ret.LA, AsAt: ret.AsAt, Children: ret.Children, Cells: len(ret.Cells), Counts: string(counts)}
}
