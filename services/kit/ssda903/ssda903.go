package ssda903

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Options says whose extract it is and the date to count on.
type Options struct {
	LA   string    // DfE three-digit LA code, e.g. "352"
	AsAt time.Time // the date counted on; only its calendar date is used
	// EpisodesName and HeaderName name the files in a Report; they default
	// to "episodes.csv" and "header.csv".
	EpisodesName, HeaderName string
	// Codes optionally replaces the embedded codes.csv (same columns:
	// list,code,label,group,valid_from_year,valid_to_year), so a council
	// can correct a grouping or add a new year's codes without a new build.
	Codes io.Reader
}

// Return is a council's anonymised needs return: counts only.
type Return struct {
	LA       string `json:"la"`
	AsAt     string `json:"asAt"`     // YYYY-MM-DD
	Children int    `json:"children"` // looked after on AsAt
	// Cells has one entry per combination present (Count > 0), sorted by
	// placement group, age band, need, legal status, area and distance band.
	Cells       []Cell      `json:"cells"`
	Totals      Totals      `json:"totals"`
	Transitions Transitions `json:"transitions"`
}

// Cell counts the children looked after on the as-at date who share every
// dimension.
type Cell struct {
	PlacementGroup string `json:"placementGroup"` // group of the PLACE code, e.g. "fostering"
	AgeBand        string `json:"ageBand"`        // "under 1", "1-4", "5-9", "10-15", "16+"
	Need           string `json:"need"`           // CIN code, N1–N8
	LegalStatus    string `json:"legalStatus"`    // LS code, e.g. "C2"
	Area           string `json:"area"`           // "inside", "outside" or "unknown"
	DistanceBand   string `json:"distanceBand"`   // "0-5", "5-10", "10-20", "20-50", "50+" or "unknown"
	Count          int    `json:"count"`
}

// Totals are the cells summed along each dimension; each map sums to
// Children.
type Totals struct {
	PlacementGroup map[string]int `json:"placementGroup"`
	AgeBand        map[string]int `json:"ageBand"`
	Need           map[string]int `json:"need"`
	LegalStatus    map[string]int `json:"legalStatus"`
	Area           map[string]int `json:"area"`
	DistanceBand   map[string]int `json:"distanceBand"`
}

// Transitions counts flows between placement groups in the year (From, To].
// Maps are keyed by placement group.
type Transitions struct {
	From    string         `json:"from"` // YYYY-MM-DD, excluded
	To      string         `json:"to"`   // YYYY-MM-DD, included: the as-at date
	Entries map[string]int `json:"entries"`
	Exits   map[string]int `json:"exits"`
	Moves   []Move         `json:"moves"` // sorted by From then To
	Stayed  map[string]int `json:"stayed"`
}

// Move counts changes of placement group within a period of care.
type Move struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Count int    `json:"count"`
}

// Dimension values, in display order.
var (
	ageBands      = []string{"under 1", "1-4", "5-9", "10-15", "16+"}
	areas         = []string{"inside", "outside", "unknown"}
	distanceBands = []string{"0-5", "5-10", "10-20", "20-50", "50+", "unknown"}
)

// outsideMiles is the distance beyond which a placement counts as outside
// the council's area.
const outsideMiles = 20

var (
	episodeRequired = []string{"CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC", "HOME_POST", "PL_POST"}
	episodeOptional = []string{"REASON_PLACE_CHANGE", "URN"} // known, not used
	headerRequired  = []string{"CHILD", "DOB"}
)

type child struct {
	dob  time.Time
	line int
}

type episode struct {
	line                int
	child               string
	decom, dec          time.Time
	open                bool
	rne, ls, cin, place string
	rec                 string
	homePost, placePost string
	group               string
}

// Read parses the episodes and header files and computes the return as at
// opts.AsAt. Malformed input gives a *Report (and no Return) listing every
// problem; bad options give a plain error.
func Read(episodes, header io.Reader, opts Options) (*Return, error) {
	if len(opts.LA) != 3 || strings.IndexFunc(opts.LA, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return nil, fmt.Errorf("ssda903: LA %q is not a three-digit DfE LA code", opts.LA)
	}
	if opts.AsAt.IsZero() {
		return nil, errors.New("ssda903: no as-at date")
	}
	if episodes == nil || header == nil {
		return nil, errors.New("ssda903: both the episodes and the header file are needed")
	}
	asAt := time.Date(opts.AsAt.Year(), opts.AsAt.Month(), opts.AsAt.Day(), 0, 0, 0, 0, time.UTC)
	epName := cmp.Or(opts.EpisodesName, "episodes.csv")
	hdName := cmp.Or(opts.HeaderName, "header.csv")

	var ps problems
	codes := embeddedCodes()
	if opts.Codes != nil {
		codes = parseCodes("codes.csv", opts.Codes, &ps)
		if !ps.empty() {
			return nil, ps.report()
		}
	}

	children, hd := readHeader(hdName, header, &ps)
	eps, firstLine, ep := readEpisodes(epName, episodes, codes, asAt, &ps)
	headerOK := hd.has("CHILD")
	if swapped(ep, hd) {
		// Said first: every other problem follows from it.
		ps.lead = &Problem{File: epName, Line: 1, Problem: fmt.Sprintf(
			"the files are the wrong way round: %s is a header file (SEX, DOB, ...) and %s an episodes file (DECOM, RNE, LS, ...); swap them", epName, hdName)}
	}

	// Checks across the two files.
	if headerOK {
		for id, line := range firstLine {
			if _, ok := children[id]; !ok {
				ps.add(epName, line, "CHILD", "this child is not in %s", hdName)
			}
		}
		for _, e := range eps {
			if c, ok := children[e.child]; ok && e.decom.Before(c.dob) {
				ps.add(epName, e.line, "DECOM", "%q is before the child's date of birth (%s line %d)", showDate(e.decom), hdName, c.line)
			}
		}
	}
	if !ps.empty() {
		return nil, ps.report()
	}
	return compute(opts.LA, asAt, children, eps, codes), nil
}

// swapped reports whether the file given as episodes has a header file's
// columns and the one given as header an episodes file's.
func swapped(ep, hd *table) bool {
	isHeader := func(t *table) bool { return t.named["DOB"] && t.named["SEX"] && !t.named["DECOM"] }
	isEpisodes := func(t *table) bool { return t.named["DECOM"] && t.named["RNE"] && t.named["LS"] && !t.named["DOB"] }
	return isHeader(ep) && isEpisodes(hd)
}

func readHeader(file string, r io.Reader, ps *problems) (map[string]child, *table) {
	t := readTable(file, r, headerRequired, nil, ps)
	children := map[string]child{}
	for _, rw := range t.rows {
		id := t.get(rw, "CHILD")
		dob, _ := t.date(ps, rw, "DOB", true)
		if !t.has("CHILD") {
			continue
		}
		if id == "" {
			ps.add(file, rw.line, "CHILD", "is empty; the child's identifier is required")
			continue
		}
		if prev, dup := children[id]; dup {
			ps.add(file, rw.line, "CHILD", "this child already appears on line %d", prev.line)
			continue
		}
		children[id] = child{dob: dob, line: rw.line}
	}
	return children, t
}

// readEpisodes returns the valid episodes and, for every child named, the
// first line naming it.
func readEpisodes(file string, r io.Reader, codes *codeTable, asAt time.Time, ps *problems) ([]*episode, map[string]int, *table) {
	t := readTable(file, r, episodeRequired, episodeOptional, ps)
	var eps []*episode
	firstLine := map[string]int{}
	for _, rw := range t.rows {
		before := len(ps.list)
		e := &episode{line: rw.line, child: t.get(rw, "CHILD")}
		if t.has("CHILD") && e.child == "" {
			ps.add(file, rw.line, "CHILD", "is empty; the child's identifier is required")
		}
		if e.child != "" {
			if _, seen := firstLine[e.child]; !seen {
				firstLine[e.child] = rw.line
			}
		}
		decom, decomOK := t.date(ps, rw, "DECOM", true)
		dec, decOK := t.date(ps, rw, "DEC", false)
		e.decom, e.dec = decom, dec
		e.open = t.get(rw, "DEC") == ""
		e.rne = t.code(ps, codes, rw, "RNE", "RNE", true)
		e.ls = t.code(ps, codes, rw, "LS", "LS", true)
		e.cin = t.code(ps, codes, rw, "CIN", "CIN", true)
		e.place = t.code(ps, codes, rw, "PLACE", "PLACE", true)
		provider := t.code(ps, codes, rw, "PLACE_PROVIDER", "PLACE_PROVIDER", false)
		e.rec = t.code(ps, codes, rw, "REC", "REC", false)
		e.homePost = t.get(rw, "HOME_POST")
		e.placePost = t.get(rw, "PL_POST")

		if decOK && t.has("REC") && e.rec == "" && t.get(rw, "REC") == "" {
			ps.add(file, rw.line, "REC", "is empty, but DEC says the episode ended; a reason ceased is required")
		}
		if decomOK && decOK && dec.Before(decom) {
			ps.add(file, rw.line, "DEC", "%q is before DECOM %q: the episode ends before it starts", t.get(rw, "DEC"), t.get(rw, "DECOM"))
		}
		// Codes valid only in some collection years.
		if decomOK && (decOK || e.open) {
			end := dec
			if e.open {
				end = decom
				if asAt.After(decom) {
					end = asAt
				}
			}
			for _, c := range []struct{ col, list, code string }{
				{"RNE", "RNE", e.rne}, {"LS", "LS", e.ls}, {"CIN", "CIN", e.cin}, {"PLACE", "PLACE", e.place},
				{"PLACE_PROVIDER", "PLACE_PROVIDER", provider}, {"REC", "REC", e.rec},
			} {
				if c.code == "" {
					continue
				}
				code, _ := codes.lookup(c.list, c.code)
				if msg := code.validity(decom, end); msg != "" {
					ps.add(file, rw.line, c.col, "%s", msg)
				}
			}
		}
		if len(ps.list) > before {
			continue
		}
		pc, _ := codes.lookup("PLACE", e.place)
		e.group = pc.Group
		eps = append(eps, e)
	}
	return eps, firstLine, t
}
