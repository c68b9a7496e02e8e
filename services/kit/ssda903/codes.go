package ssda903

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// codes.csv holds the 903 code lists this package checks and the placement
// group of every PLACE code. It is data: correcting a label or a grouping,
// or adding the codes of a new collection year, is an edit to that file (or
// a replacement passed as Options.Codes), not to the Go code.
//
//go:embed codes.csv
var codesCSV []byte

// Code is one row of a code list.
type Code struct {
	List  string // PLACE, LS, CIN, RNE, PLACE_PROVIDER or REC
	Code  string // e.g. "U4"
	Label string
	Group string // placement group; PLACE codes only, e.g. "fostering"
	// ValidFrom and ValidTo bound the collection years in which the code may
	// be used; a collection year is named by the year it starts in, so 2025
	// is 2025–26 (1 April 2025 to 31 March 2026). Zero means no bound.
	ValidFrom, ValidTo int
}

// codeLists are the lists a codes file must provide.
var codeLists = []string{"PLACE", "LS", "CIN", "RNE", "PLACE_PROVIDER", "REC"}

var codeColumns = []string{"LIST", "CODE", "LABEL", "GROUP", "VALID_FROM_YEAR", "VALID_TO_YEAR"}

type codeTable struct {
	all    []Code
	byList map[string]map[string]Code
	rank   map[string]int // list+"\x00"+code → position in the file, for ordering output
	groups []string       // placement groups in order of first appearance
}

func (t *codeTable) lookup(list, code string) (Code, bool) {
	c, ok := t.byList[list][code]
	return c, ok
}

var embeddedCodes = sync.OnceValue(func() *codeTable {
	var ps problems
	t := parseCodes("codes.csv", bytes.NewReader(codesCSV), &ps)
	if !ps.empty() {
		// The file ships inside the binary: a problem is a build defect
		// that TestEmbeddedCodes catches first.
		panic("ssda903: embedded codes.csv is invalid:\n" + ps.report().Error())
	}
	return t
})

// Codes returns the embedded code lists in file order. The slice is the
// caller's own.
func Codes() []Code {
	return slices.Clone(embeddedCodes().all)
}

func parseCodes(file string, r io.Reader, ps *problems) *codeTable {
	before := len(ps.list)
	tab := readTable(file, r, codeColumns, nil, ps)
	t := &codeTable{byList: map[string]map[string]Code{}, rank: map[string]int{}}
	wanted := map[string]bool{}
	for _, l := range codeLists {
		wanted[l] = true
	}
	for _, rw := range tab.rows {
		c := Code{
			List:  strings.ToUpper(tab.get(rw, "LIST")),
			Code:  strings.ToUpper(tab.get(rw, "CODE")),
			Label: tab.get(rw, "LABEL"),
			Group: strings.ToLower(tab.get(rw, "GROUP")),
		}
		ok := true
		if !wanted[c.List] {
			ps.add(file, rw.line, "LIST", "%q is not one of %s", tab.get(rw, "LIST"), strings.Join(codeLists, ", "))
			ok = false
		}
		if c.Code == "" {
			ps.add(file, rw.line, "CODE", "is empty")
			ok = false
		}
		if c.List == "PLACE" && c.Group == "" {
			ps.add(file, rw.line, "GROUP", "is empty; every PLACE code needs a placement group")
			ok = false
		}
		for _, y := range []struct {
			col string
			dst *int
		}{{"VALID_FROM_YEAR", &c.ValidFrom}, {"VALID_TO_YEAR", &c.ValidTo}} {
			v := tab.get(rw, y.col)
			if v == "" {
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 1900 || n > 2199 {
				ps.add(file, rw.line, y.col, "%q is not a year such as 2025 (for 2025-26)", v)
				ok = false
				continue
			}
			*y.dst = n
		}
		if c.ValidFrom != 0 && c.ValidTo != 0 && c.ValidTo < c.ValidFrom {
			ps.add(file, rw.line, "VALID_TO_YEAR", "%d is before VALID_FROM_YEAR %d", c.ValidTo, c.ValidFrom)
			ok = false
		}
		if _, dup := t.byList[c.List][c.Code]; dup && ok {
			ps.add(file, rw.line, "CODE", "%s %s appears twice", c.List, c.Code)
			ok = false
		}
		if !ok {
			continue
		}
		if t.byList[c.List] == nil {
			t.byList[c.List] = map[string]Code{}
		}
		t.byList[c.List][c.Code] = c
		t.rank[c.List+"\x00"+c.Code] = len(t.all)
		t.all = append(t.all, c)
		if c.Group != "" && !slices.Contains(t.groups, c.Group) {
			t.groups = append(t.groups, c.Group)
		}
	}
	if len(ps.list) == before {
		for _, l := range codeLists {
			if len(t.byList[l]) == 0 {
				ps.add(file, 1, "LIST", "has no %s codes", l)
			}
		}
	}
	return t
}

// collectionYear names the 903 collection year (1 April to 31 March) that
// contains d by the year it starts in.
func collectionYear(d time.Time) int {
	if d.Month() >= time.April {
		return d.Year()
	}
	return d.Year() - 1
}

func yearName(y int) string { return fmt.Sprintf("%d-%02d", y, (y+1)%100) }

// validity checks that code c may be used on an episode running from start
// to end (both inclusive): the episode must overlap the collection years in
// which the code is valid. It returns a plain-words problem, or "".
func (c Code) validity(start, end time.Time) string {
	if c.ValidFrom != 0 && collectionYear(end) < c.ValidFrom {
		return fmt.Sprintf("%q is a %s code only from %s, and this episode ends before then", c.Code, c.List, yearName(c.ValidFrom))
	}
	if c.ValidTo != 0 && collectionYear(start) > c.ValidTo {
		return fmt.Sprintf("%q is a %s code only up to %s, and this episode starts after then", c.Code, c.List, yearName(c.ValidTo))
	}
	return ""
}
