package geo

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

// The embedded file must parse, or the first Lookup in production panics.
func TestEmbeddedTableParses(t *testing.T) {
	tab, err := parse(outcodesCSV)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.sorted) != 2848 || len(tab.byCode) != 2848 {
		t.Fatalf("parsed %d rows, %d codes; want 2848", len(tab.sorted), len(tab.byCode))
	}
}

func TestParseRejectsCorruptFiles(t *testing.T) {
	const head = "outcode,latitude,longitude,country\n"
	for name, data := range map[string]string{
		"empty":         "",
		"wrong header":  "code,lat,lon,country\nM1,53.4,-2.2,England\n",
		"header only":   head,
		"short row":     head + "M1,53.4,-2.2\n",
		"bad latitude":  head + "M1,north,-2.2,England\n",
		"out of range":  head + "M1,95,-2.2,England\n",
		"bad longitude": head + "M1,53.4,,England\n",
		"no country":    head + "M1,53.4,-2.2,\n",
		"lower case":    head + "m1,53.4,-2.2,England\n",
		"duplicate":     head + "M1,53.4,-2.2,England\nM1,53.5,-2.3,England\n",
	} {
		if _, err := parse([]byte(data)); err == nil {
			t.Errorf("%s: parsed without error", name)
		}
	}
}

func TestLookupFindsKnownOutcodes(t *testing.T) {
	for _, code := range []string{"M14", "M1", "SK1", "WA1", "BB1", "L1", "EC1A", "BT1", "IM1", "GY1", "JE2"} {
		o, ok := Lookup(code)
		if !ok {
			t.Errorf("Lookup(%q) not found", code)
			continue
		}
		if o.Code != code || o.Country == "" || o.Lat == 0 {
			t.Errorf("Lookup(%q) = %+v", code, o)
		}
		if !Known(code) {
			t.Errorf("Known(%q) = false", code)
		}
	}
	if o, _ := Lookup("M14"); o != (Outcode{"M14", 53.4477, -2.22437, "England"}) {
		t.Errorf("Lookup(M14) = %+v", o)
	}
	for _, code := range []string{"ZZ9", "", "M", "not an outcode"} {
		if _, ok := Lookup(code); ok || Known(code) {
			t.Errorf("Lookup(%q) found something", code)
		}
	}
}

func TestNormalise(t *testing.T) {
	for in, want := range map[string]string{
		"m14 ":       "M14",
		"  M1":       "M1",
		"sk1":        "SK1",
		"ec1a":       "EC1A",
		"M14 5AB":    "M14",
		"m14 5ab":    "M14",
		"M145AB":     "M14",
		"M1 1AE":     "M1",
		"M11AE":      "M1",
		"SW1A 1AA":   "SW1A",
		"sw1a1aa":    "SW1A",
		" EC1A\t1BB": "EC1A",
		"":           "",
	} {
		if got := Normalise(in); got != want {
			t.Errorf("Normalise(%q) = %q, want %q", in, got, want)
		}
	}
	if o, ok := Lookup("m14 5ab"); !ok || o.Code != "M14" {
		t.Errorf("Lookup of a lower-case full postcode = %+v, %v", o, ok)
	}
}

// chordMiles computes the great-circle distance a different way from the
// haversine (via the straight chord between unit vectors), so the two only
// agree if both are right.
func chordMiles(lat1, lon1, lat2, lon2 float64) float64 {
	vec := func(lat, lon float64) [3]float64 {
		φ, λ := lat*math.Pi/180, lon*math.Pi/180
		return [3]float64{math.Cos(φ) * math.Cos(λ), math.Cos(φ) * math.Sin(λ), math.Sin(φ)}
	}
	a, b := vec(lat1, lon1), vec(lat2, lon2)
	chord := math.Sqrt(math.Pow(a[0]-b[0], 2) + math.Pow(a[1]-b[1], 2) + math.Pow(a[2]-b[2], 2))
	return 2 * math.Asin(chord/2) * 3958.8
}

func TestDistanceMiles(t *testing.T) {
	// M1 (53.47734, -2.23508) and L1 (53.40254, -2.97928), Manchester and
	// Liverpool city centres: about 31 miles apart as the crow flies.
	want := chordMiles(53.47734, -2.23508, 53.40254, -2.97928)
	if want < 30 || want > 32 {
		t.Fatalf("independent M1-L1 figure %.3f is not 30-32 miles", want)
	}
	got, err := Between("M1", "L1")
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(got-want) > 1e-6 {
		t.Errorf("Between(M1, L1) = %.6f, want %.6f", got, want)
	}
	back, _ := Between("l1", "m1 1ae")
	if back != got {
		t.Errorf("not symmetric: %v vs %v", got, back)
	}
	if d, _ := Between("M14", "m14 5ab"); d != 0 {
		t.Errorf("M14 to itself = %v", d)
	}

	// One degree of longitude on the equator is 2πR/360 miles.
	if d := DistanceMiles(Outcode{Lat: 0, Lon: 0}, Outcode{Lat: 0, Lon: 1}); math.Abs(d-2*math.Pi*3958.8/360) > 1e-9 {
		t.Errorf("1° on the equator = %v", d)
	}
	// Antipodes are half the circumference and must not produce NaN.
	if d := DistanceMiles(Outcode{Lat: 10, Lon: 20}, Outcode{Lat: -10, Lon: -160}); math.Abs(d-math.Pi*3958.8) > 1e-6 {
		t.Errorf("antipodes = %v", d)
	}

	// Agreement with the independent formula across a spread of real pairs.
	all := All()
	for i := 0; i+1 < len(all); i += 97 {
		a, b := all[i], all[len(all)-1-i]
		if got, want := DistanceMiles(a, b), chordMiles(a.Lat, a.Lon, b.Lat, b.Lon); math.Abs(got-want) > 1e-6 {
			t.Errorf("%s-%s: %v, want %v", a.Code, b.Code, got, want)
		}
	}
}

func TestBetweenNamesTheUnknownOutcode(t *testing.T) {
	for _, args := range [][2]string{{"ZZ9", "M1"}, {"M1", "zz9 9zz"}} {
		_, err := Between(args[0], args[1])
		if !errors.Is(err, ErrUnknownOutcode) {
			t.Fatalf("Between(%q, %q) error = %v", args[0], args[1], err)
		}
		if err.Error() != `unknown outcode "ZZ9"` {
			t.Errorf("error text = %q", err)
		}
	}
}

func TestAllAndInCountry(t *testing.T) {
	all := All()
	if len(all) != 2848 {
		t.Fatalf("All() has %d, want 2848", len(all))
	}
	if !slices.IsSortedFunc(all, func(a, b Outcode) int { return strings.Compare(a.Code, b.Code) }) {
		t.Error("All() is not sorted by code")
	}
	all[0].Code = "changed"
	if All()[0].Code == "changed" {
		t.Error("All() returned the shared slice")
	}

	want := map[string]int{
		"England": 2116, "Scotland": 440, "Wales": 190, "Northern Ireland": 80,
		"Isle of Man": 9, "Guernsey": 9, "Jersey": 4,
	}
	total := 0
	for country, n := range want {
		got := InCountry(country)
		if len(got) != n {
			t.Errorf("InCountry(%q) has %d, want %d", country, len(got), n)
		}
		for _, o := range got {
			if o.Country != country {
				t.Errorf("InCountry(%q) returned %+v", country, o)
			}
		}
		total += len(got)
	}
	if total != 2848 {
		t.Errorf("countries cover %d outcodes, want 2848", total)
	}
	if n := len(InCountry("england")); n != 2116 {
		t.Errorf("InCountry is case-sensitive: %d", n)
	}
	if got := InCountry("France"); got != nil {
		t.Errorf("InCountry(France) = %d outcodes", len(got))
	}
}
