package web

import (
	"slices"
	"strconv"
	"strings"

	"github.com/carecoop/carecoop/services/portal/view"
)

// Lists shown a page at a time. A list the portal holds whole (a
// consortium's logs) pages by number; a list read from a service a page at
// a time follows the service's page tokens, which lead only forward.

// pageLink is the list's page whose query param is value ("" drops it):
// the rest of the query kept, a command's position dropped (another page
// is read afresh), at the list's anchor.
func pageLink(q *rq, param, value, anchor string) string {
	v := q.r.URL.Query()
	v.Del("at")
	v.Del(param)
	if value != "" {
		v.Set(param, value)
	}
	link := q.r.URL.Path
	if len(v) > 0 {
		link += "?" + v.Encode()
	}
	if anchor != "" {
		link += "#" + anchor
	}
	return link
}

// tokenPages is where a person stands in a list read by page tokens: the
// token that started each page they went through to reach this one (none
// on the first), kept in the address as "812.760". A token leads only to
// older entries, so the trail is what lets "Previous" be a link rather
// than a read of every newer entry again.
type tokenPages struct {
	q             *rq
	param, anchor string
	trail         []string
}

func tokenPagesOf(q *rq, param, anchor string) tokenPages {
	p := tokenPages{q: q, param: param, anchor: anchor}
	v := q.r.URL.Query().Get(param)
	if v == "" {
		return p
	}
	trail := strings.Split(v, ".")
	for _, t := range trail {
		// A token is a place in the service's order (at most 9 digits); an
		// address edited into something else starts from the first page.
		if len(t) == 0 || len(t) > 9 || strings.Trim(t, "0123456789") != "" {
			return p
		}
	}
	p.trail = trail
	return p
}

// token starts this page ("" for the first).
func (p tokenPages) token() string {
	if len(p.trail) == 0 {
		return ""
	}
	return p.trail[len(p.trail)-1]
}

// number is this page's, from 1.
func (p tokenPages) number() int { return len(p.trail) + 1 }

// title names the page in the browser's title as the design system asks
// of a list in pages: "Referrals (page 2)"; as it was when the list fits
// on one.
func (p tokenPages) title(title string, pager view.Pager) string {
	if pager == (view.Pager{}) {
		return title
	}
	return title + " (page " + strconv.Itoa(p.number()) + ")"
}

// pager links this page to the one before and, given the service's token
// for the rest ("" when none follow), the one after.
func (p tokenPages) pager(next string) view.Pager {
	var out view.Pager
	if n := len(p.trail); n > 0 {
		out.Prev = pageLink(p.q, p.param, strings.Join(p.trail[:n-1], "."), p.anchor)
	}
	if next != "" {
		out.Next = pageLink(p.q, p.param, strings.Join(append(slices.Clip(p.trail), next), "."), p.anchor)
	}
	return out
}
