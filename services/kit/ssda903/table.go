package ssda903

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// table is one CSV file read tolerantly: a UTF-8 byte-order mark is dropped,
// CRLF or LF line ends are both fine, column names match in any case and
// order with surrounding spaces, unknown columns are ignored, blank lines
// (including lines of only commas or spaces) are skipped and every value is
// trimmed. Problems go to ps; rows with the wrong number of values are
// reported and left out.
type table struct {
	file string
	cols map[string]int // upper-cased known column name → index
	// named is every column name of the first line, upper-cased, known or
	// not: enough to tell which kind of file this is.
	named map[string]bool
	rows  []row
}

type row struct {
	line   int
	fields []string
}

func readTable(file string, r io.Reader, required, optional []string, ps *problems) *table {
	t := &table{file: file, cols: map[string]int{}, named: map[string]bool{}}
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true

	known := map[string]bool{}
	for _, c := range required {
		known[c] = true
	}
	for _, c := range optional {
		known[c] = true
	}

	var width int
	headerSeen := false
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				ps.add(file, pe.Line, "", "%s", csvProblem(pe.Err))
				continue
			}
			ps.add(file, 1, "", "could not be read: %v", err)
			return t
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if !headerSeen {
			headerSeen = true
			width = len(rec)
			for i, name := range rec {
				name = strings.ToUpper(strings.TrimSpace(name))
				t.named[name] = true
				if !known[name] {
					continue
				}
				if j, dup := t.cols[name]; dup {
					ps.add(file, line, name, "the column appears twice (columns %d and %d)", j+1, i+1)
					continue
				}
				t.cols[name] = i
			}
			for _, c := range required {
				if _, ok := t.cols[c]; !ok {
					ps.add(file, line, c, "required column is missing")
				}
			}
			continue
		}
		if len(rec) != width {
			ps.add(file, line, "", "has %d values but the first line names %d columns", len(rec), width)
			continue
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		t.rows = append(t.rows, row{line: line, fields: rec})
	}
	if !headerSeen {
		ps.add(file, 1, "", "the file is empty: the first line should name the columns")
	}
	return t
}

// blank reports whether every value in rec is empty or white space.
func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

func csvProblem(err error) string {
	switch {
	case errors.Is(err, csv.ErrBareQuote):
		return `a value contains a stray double quote (")`
	case errors.Is(err, csv.ErrQuote):
		return `a quoted value is not closed properly (check the double quotes)`
	default:
		return "is not valid CSV: " + err.Error()
	}
}

// has reports whether the file has column c.
func (t *table) has(c string) bool {
	_, ok := t.cols[c]
	return ok
}

// get returns the trimmed value of column c in r, or "" if the file has no
// such column.
func (t *table) get(r row, c string) string {
	i, ok := t.cols[c]
	if !ok {
		return ""
	}
	return r.fields[i]
}

// date reads column c as a date. It reports a problem for a value that is
// not a date, and for an empty value when the column is required; ok is
// false in both cases and when the file lacks the column.
func (t *table) date(ps *problems, r row, c string, required bool) (d time.Time, ok bool) {
	if !t.has(c) {
		return time.Time{}, false
	}
	v := t.get(r, c)
	if v == "" {
		if required {
			ps.add(t.file, r.line, c, "is empty; a date is required")
		}
		return time.Time{}, false
	}
	d, ok = parseDate(v)
	if !ok {
		ps.add(t.file, r.line, c, "%q is not a date (dd/mm/yyyy)", v)
	}
	return d, ok
}

// code reads column c as a code from list, upper-cased. It reports unknown
// codes and, when required, empty values.
func (t *table) code(ps *problems, codes *codeTable, r row, c, list string, required bool) string {
	if !t.has(c) {
		return ""
	}
	v := strings.ToUpper(t.get(r, c))
	if v == "" {
		if required {
			ps.add(t.file, r.line, c, "is empty; a %s code is required", list)
		}
		return ""
	}
	if _, ok := codes.lookup(list, v); !ok {
		ps.add(t.file, r.line, c, "%q is not a known %s code", t.get(r, c), list)
		return ""
	}
	return v
}

// parseDate accepts dd/mm/yyyy (the 903 format), d/m/yyyy and yyyy-mm-dd.
// Years outside 1900–2199 are refused: they are typing errors.
func parseDate(s string) (time.Time, bool) {
	var y, m, d string
	if p := strings.Split(s, "/"); len(p) == 3 {
		d, m, y = p[0], p[1], p[2]
	} else if p := strings.Split(s, "-"); len(p) == 3 && len(p[0]) == 4 {
		y, m, d = p[0], p[1], p[2]
	} else {
		return time.Time{}, false
	}
	yi, ok1 := digits(y, 4, 4)
	mi, ok2 := digits(m, 1, 2)
	di, ok3 := digits(d, 1, 2)
	if !ok1 || !ok2 || !ok3 || yi < 1900 || yi > 2199 || mi < 1 || mi > 12 || di < 1 {
		return time.Time{}, false
	}
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if t.Day() != di || int(t.Month()) != mi {
		return time.Time{}, false // 31/02 and the like
	}
	return t, true
}

func digits(s string, minLen, maxLen int) (int, bool) {
	if len(s) < minLen || len(s) > maxLen {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func formatDate(t time.Time) string { return t.Format("2006-01-02") }

func showDate(t time.Time) string { return fmt.Sprintf("%02d/%02d/%04d", t.Day(), t.Month(), t.Year()) }
