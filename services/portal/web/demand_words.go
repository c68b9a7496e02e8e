package web

import (
	"maps"
	"slices"
	"strings"
)

// demDimension is one of the needs returns' dimensions as a commissioner
// reads it: its name, and its values in their natural order with words.
type demDimension struct {
	key, name string
	// plural heads the chart's axis ("Placements").
	values []demValue
}

type demValue struct{ code, words string }

// demDimensions are GetDemand's dimensions, in the order the form offers
// them. Codes are the SSDA903 (children looked after) return's groupings.
var demDimensions = []demDimension{
	{key: "placement_group", name: "Placement", values: []demValue{
		{"fostering", "Fostering"}, {"residential", "Children's homes"}, {"secure", "Secure children's homes"},
		{"supported-16-plus", "Supported accommodation (16 and over)"}, {"send-school", "Residential special schools"},
		{"with-parents", "Placed with parents"}, {"adoption", "Placed for adoption"}, {"temporary", "Temporary placements"},
		{"other", "Other placements"}}},
	{key: "age_band", name: "Age", values: []demValue{
		{"under 1", "Under 1"}, {"1-4", "1 to 4"}, {"5-9", "5 to 9"}, {"10-15", "10 to 15"}, {"16+", "16 and over"}}},
	{key: "need", name: "Category of need", values: []demValue{
		{"N1", "Abuse or neglect"}, {"N2", "Child's disability"}, {"N3", "Parental illness or disability"},
		{"N4", "Family in acute stress"}, {"N5", "Family dysfunction"}, {"N6", "Socially unacceptable behaviour"},
		{"N7", "Low income"}, {"N8", "Absent parenting"}}},
	{key: "legal_status", name: "Legal status", values: []demValue{
		{"C1", "Interim care order"}, {"C2", "Full care order"}, {"D1", "Freeing order"}, {"E1", "Placement order"},
		{"J1", "Remanded to local authority accommodation"}, {"J2", "Placed under PACE"}, {"J3", "Supervision order with residence requirement"},
		{"L1", "Police protection"}, {"L2", "Emergency protection order"}, {"L3", "Child assessment order"},
		{"V2", "Accommodated (section 20)"}, {"V3", "Short breaks (episodes)"}, {"V4", "Short breaks (agreements)"}}},
	{key: "area", name: "Where placed", values: []demValue{
		{"inside", "Inside the council's area"}, {"outside", "Outside the council's area"}, {"unknown", "Not known"}}},
	{key: "distance_band", name: "Distance from home", values: []demValue{
		{"0-5", "Under 5 miles"}, {"5-10", "5 to 10 miles"}, {"10-20", "10 to 20 miles"}, {"20-50", "20 to 50 miles"},
		{"50+", "50 miles or more"}, {"unknown", "Not known"}}},
}

// demDim is the dimension of a key, or nil.
func demDim(key string) *demDimension {
	for i := range demDimensions {
		if demDimensions[i].key == key {
			return &demDimensions[i]
		}
	}
	return nil
}

// words is a value of the dimension in words (the code itself when the
// portal does not know it, tidied).
func (d *demDimension) words(code string) string {
	for _, v := range d.values {
		if v.code == code {
			return v.words
		}
	}
	return demTidy(code)
}

// order sorts the codes seen into the dimension's natural order, unknown
// ones last in the order met.
func (d *demDimension) order(seen map[string]bool) []string {
	var out []string
	for _, v := range d.values {
		if seen[v.code] {
			out = append(out, v.code)
		}
	}
	for _, code := range slices.Sorted(maps.Keys(seen)) {
		if !slices.ContainsFunc(d.values, func(v demValue) bool { return v.code == code }) {
			out = append(out, code)
		}
	}
	return out
}

// demTidy is an unknown code as words: "fostering-standard" → "Fostering standard".
func demTidy(code string) string {
	return capitalise(strings.ReplaceAll(code, "-", " "))
}

// demCodeWords is any dimension's code in words, for text that names
// values without saying which dimension (the market position statement's
// tables, which the service writes with codes).
func demCodeWords(code string) (string, bool) {
	for _, d := range demDimensions {
		for _, v := range d.values {
			if v.code == code {
				return v.words, true
			}
		}
		if d.key == code {
			return d.name, true
		}
	}
	return "", false
}
