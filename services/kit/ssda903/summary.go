package ssda903

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// Summary is a plain-text table of the return for a person to check before
// it is submitted: totals along each dimension and the year's transitions.
// Like the Return, it holds counts only.
func (r *Return) Summary() string {
	codes := embeddedCodes()
	o := orderFor(codes)
	var b strings.Builder
	fmt.Fprintf(&b, "SSDA903 needs return for LA %s, as at %s\n", r.LA, r.AsAt)
	fmt.Fprintf(&b, "Counts only: no child-level rows, identifiers, dates of birth or postcodes.\n\n")
	fmt.Fprintf(&b, "Children looked after on %s: %d\n", r.AsAt, r.Children)

	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	section := func(title string, m map[string]int, sorter func(a, b string) int, label func(string) string) {
		fmt.Fprintf(w, "\n%s\t%8s\t%6s\n", title, "children", "%")
		keys := slices.SortedFunc(maps.Keys(m), sorter)
		for _, k := range keys {
			name := k
			if l := label(k); l != "" {
				name += "  " + l
			}
			pct := 0.0
			if r.Children > 0 {
				pct = 100 * float64(m[k]) / float64(r.Children)
			}
			fmt.Fprintf(w, "  %s\t%8d\t%6.1f\n", name, m[k], pct)
		}
	}
	none := func(string) string { return "" }
	codeLabel := func(list string) func(string) string {
		return func(c string) string {
			code, ok := codes.lookup(list, c)
			if !ok {
				return ""
			}
			return shorten(code.Label, 48)
		}
	}
	list := func(l []string) func(a, b string) int { return func(a, b string) int { return byList(l, a, b) } }
	code := func(l string) func(a, b string) int { return func(a, b string) int { return o.code(l, a, b) } }

	section("Placement group", r.Totals.PlacementGroup, o.group, none)
	section("Age band", r.Totals.AgeBand, list(ageBands), none)
	section("Need (CIN)", r.Totals.Need, code("CIN"), codeLabel("CIN"))
	section("Legal status (LS)", r.Totals.LegalStatus, code("LS"), codeLabel("LS"))
	section("Own area (approximated by distance)", r.Totals.Area, list(areas), none)
	section("Distance from home (miles)", r.Totals.DistanceBand, list(distanceBands), none)

	t := r.Transitions
	fmt.Fprintf(w, "\nYear after %s up to %s\t%8s\t%6s\t%6s\n", t.From, t.To, "entered", "left", "stayed")
	groups := map[string]bool{}
	for _, m := range []map[string]int{t.Entries, t.Exits, t.Stayed} {
		for g := range m {
			groups[g] = true
		}
	}
	for _, g := range slices.SortedFunc(maps.Keys(groups), o.group) {
		fmt.Fprintf(w, "  %s\t%8d\t%6d\t%6d\n", g, t.Entries[g], t.Exits[g], t.Stayed[g])
	}
	if len(t.Moves) > 0 {
		fmt.Fprintf(w, "\nMoves between placement groups\t%8s\n", "moves")
		for _, m := range t.Moves {
			fmt.Fprintf(w, "  %s -> %s\t%8d\n", m.From, m.To, m.Count)
		}
	}
	_ = w.Flush()
	fmt.Fprintf(&b, "\n%d cells (placement group x age band x need x legal status x area x distance).\n", len(r.Cells))
	return b.String()
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
