// Package geo knows the centroid of every UK postcode outcode (the part before
// the space, e.g. "M14") and the great-circle distance between two of them.
// Outcode precision is enough for "how far is this placement from home"
// without holding anyone's full address.
//
// The outcode table is derived from OS OpenData under the Open Government
// Licence v3.0 (see ATTRIBUTION.md).
// Contains OS data © Crown copyright and database right
package geo

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
)

//go:embed uk-outcodes.csv
var outcodesCSV []byte

// ErrUnknownOutcode is wrapped by errors for outcodes not in the table.
var ErrUnknownOutcode = errors.New("unknown outcode")

// earthRadiusMiles is the mean Earth radius in statute miles.
const earthRadiusMiles = 3958.8

// Outcode is one outcode's centroid. Country is one of England, Wales,
// Scotland, Northern Ireland, Isle of Man, Guernsey or Jersey.
type Outcode struct {
	Code     string
	Lat, Lon float64
	Country  string
}

type table struct {
	byCode map[string]Outcode
	sorted []Outcode
}

// load parses the embedded file once, on first use, so importers that never
// ask pay nothing. The file ships with the binary, so a parse error is a
// build defect, not a runtime condition: panic (TestEmbeddedTableParses
// catches it first).
var load = sync.OnceValue(func() *table {
	t, err := parse(outcodesCSV)
	if err != nil {
		panic("geo: embedded uk-outcodes.csv is corrupt: " + err.Error())
	}
	return t
})

func parse(data []byte) (*table, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 4
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if strings.Join(head, ",") != "outcode,latitude,longitude,country" {
		return nil, fmt.Errorf("unexpected header %q", head)
	}
	t := &table{byCode: make(map[string]Outcode, 3000)}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := r.FieldPos(0)
		o := Outcode{Code: rec[0], Country: rec[3]}
		if o.Code == "" || Normalise(o.Code) != o.Code {
			return nil, fmt.Errorf("line %d: bad outcode %q", line, o.Code)
		}
		if o.Country == "" {
			return nil, fmt.Errorf("line %d: %s has no country", line, o.Code)
		}
		if o.Lat, err = strconv.ParseFloat(rec[1], 64); err != nil || o.Lat < -90 || o.Lat > 90 {
			return nil, fmt.Errorf("line %d: %s: bad latitude %q", line, o.Code, rec[1])
		}
		if o.Lon, err = strconv.ParseFloat(rec[2], 64); err != nil || o.Lon < -180 || o.Lon > 180 {
			return nil, fmt.Errorf("line %d: %s: bad longitude %q", line, o.Code, rec[2])
		}
		if _, dup := t.byCode[o.Code]; dup {
			return nil, fmt.Errorf("line %d: duplicate outcode %s", line, o.Code)
		}
		t.byCode[o.Code] = o
		t.sorted = append(t.sorted, o)
	}
	if len(t.sorted) == 0 {
		return nil, errors.New("no outcodes")
	}
	slices.SortFunc(t.sorted, func(a, b Outcode) int { return strings.Compare(a.Code, b.Code) })
	return t, nil
}

// Normalise turns user input into an outcode: it drops all white space and
// upper-cases ("m14 " → "M14"). A full postcode ("M14 5AB" or "M145AB")
// yields its outcode: an outcode is at most 4 characters, so anything of 5
// or more is a postcode whose last 3 characters are the inward code.
func Normalise(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, s)
	if r := []rune(s); len(r) >= 5 {
		s = string(r[:len(r)-3])
	}
	return s
}

// Lookup returns the outcode for code (or a postcode containing it), after
// Normalise.
func Lookup(code string) (Outcode, bool) {
	o, ok := load().byCode[Normalise(code)]
	return o, ok
}

// Known reports whether Lookup would find code.
func Known(code string) bool {
	_, ok := Lookup(code)
	return ok
}

// All returns every outcode sorted by code. The slice is the caller's own.
func All() []Outcode {
	return slices.Clone(load().sorted)
}

// InCountry returns the outcodes in country (case-insensitive, e.g.
// "England"), sorted by code; nil if there are none.
func InCountry(country string) []Outcode {
	var out []Outcode
	for _, o := range load().sorted {
		if strings.EqualFold(o.Country, country) {
			out = append(out, o)
		}
	}
	return out
}

// DistanceMiles is the great-circle (haversine) distance between two
// centroids in statute miles: straight-line, not by road.
func DistanceMiles(a, b Outcode) float64 {
	const rad = math.Pi / 180
	φ1, φ2 := a.Lat*rad, b.Lat*rad
	dφ, dλ := (b.Lat-a.Lat)*rad, (b.Lon-a.Lon)*rad
	h := math.Pow(math.Sin(dφ/2), 2) + math.Cos(φ1)*math.Cos(φ2)*math.Pow(math.Sin(dλ/2), 2)
	// min guards asin against rounding just above 1 for antipodal points.
	return 2 * earthRadiusMiles * math.Asin(math.Sqrt(min(h, 1)))
}

// Between is DistanceMiles for two outcodes (or postcodes) given as text. Its
// error wraps ErrUnknownOutcode and names the first unknown one.
func Between(a, b string) (float64, error) {
	oa, ok := Lookup(a)
	if !ok {
		return 0, fmt.Errorf("%w %q", ErrUnknownOutcode, Normalise(a))
	}
	ob, ok := Lookup(b)
	if !ok {
		return 0, fmt.Errorf("%w %q", ErrUnknownOutcode, Normalise(b))
	}
	return DistanceMiles(oa, ob), nil
}
