package web

import (
	"net/http/httptest"
	"testing"

	"github.com/carecoop/carecoop/services/portal/view"
)

// A list read by page tokens keeps the tokens of the pages walked in its
// address: "Next" adds the service's token for the rest, "Previous" drops
// the last, both keep the rest of the query and drop a command's position;
// an address edited into something that is not a trail of tokens shows
// the first page.
func TestTokenPagesWalkForwardAndBack(t *testing.T) {
	for _, c := range []struct {
		query, token string
		number       int
		next         string
		want         view.Pager
	}{
		{"", "", 1, "812", view.Pager{Next: "/inbox?from=812#closed-heading"}},
		{"from=812&at=41", "812", 2, "760", view.Pager{Prev: "/inbox#closed-heading", Next: "/inbox?from=812.760#closed-heading"}},
		{"from=812.760&x=y", "760", 3, "", view.Pager{Prev: "/inbox?from=812&x=y#closed-heading"}},
		{"from=812.-1", "", 1, "", view.Pager{}},
		{"from=812..760", "", 1, "", view.Pager{}},
		{"from=1234567890", "", 1, "", view.Pager{}},
	} {
		p := tokenPagesOf(&rq{r: httptest.NewRequest("GET", "/inbox?"+c.query, nil)}, "from", "closed-heading")
		if got := p.pager(c.next); p.token() != c.token || p.number() != c.number || got != c.want {
			t.Errorf("%q: page %d from %q, links %+v; want page %d from %q, %+v", c.query, p.number(), p.token(), got, c.number, c.token, c.want)
		}
	}
	p := tokenPagesOf(&rq{r: httptest.NewRequest("GET", "/referrals?from=9", nil)}, "from", "")
	if got := p.title("Referrals", p.pager("")); got != "Referrals (page 2)" {
		t.Errorf("page 2's title: %q", got)
	}
	if got := p.title("Referrals", view.Pager{}); got != "Referrals" {
		t.Errorf("a list on one page is titled %q", got)
	}
}
