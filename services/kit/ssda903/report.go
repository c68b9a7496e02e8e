package ssda903

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong with an input file, located precisely enough
// for a person to find and fix it in the council's case-management export.
type Problem struct {
	File    string // the file's name as given in Options, e.g. "episodes.csv"
	Line    int    // 1-based line number; the column-name line is line 1
	Column  string // the column's name as the file's first line spells it (upper-cased); empty for whole-line problems
	Problem string // plain words, e.g. `"31/02/2017" is not a date (dd/mm/yyyy)`
}

// String formats the problem as "episodes.csv:12: DECOM: ...".
func (p Problem) String() string {
	if p.Column == "" {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Problem)
	}
	return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Column, p.Problem)
}

// Report is the error Read returns when the input is malformed. It lists
// every problem found, not only the first, so one round of corrections to
// the extract is usually enough. Its text never contains a child's
// identifier: problems point at lines instead.
type Report struct {
	Problems []Problem
}

// Error prints the problems one per line, sorted by file and line.
func (r *Report) Error() string {
	lines := make([]string, len(r.Problems))
	for i, p := range r.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects Problems while files are read.
type problems struct {
	list []Problem
	// lead, when set, explains the rest and is reported before them.
	lead *Problem
}

func (ps *problems) add(file string, line int, column, format string, args ...any) {
	ps.list = append(ps.list, Problem{File: file, Line: line, Column: column, Problem: fmt.Sprintf(format, args...)})
}

func (ps *problems) empty() bool { return len(ps.list) == 0 && ps.lead == nil }

// report sorts the problems by file, line and column and wraps them.
func (ps *problems) report() *Report {
	list := slices.Clone(ps.list)
	slices.SortStableFunc(list, func(a, b Problem) int {
		return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	if ps.lead != nil {
		list = append([]Problem{*ps.lead}, list...)
	}
	return &Report{Problems: list}
}
