package web

import (
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/carecoop/carecoop/services/portal/view"
)

// An auditor's list of a consortium's referral logs is shown a page at a
// time: the page the query asks for (clamped to the pages there are), and
// links to the pages either side that keep the consortium and the other
// lists' pages but drop a command's position.
func TestA13cLogListsArePaged(t *testing.T) {
	rows := make([]view.A13cLogRow, 2*a13cPerPage+5)
	for i := range rows {
		rows[i].Title = "referral " + strconv.Itoa(i+1)
	}
	for _, c := range []struct {
		query      string
		first, n   int
		prev, next string
	}{
		{"consortium=north-west", 1, a13cPerPage, "", "/decisions?consortium=north-west&referrals=2#referrals"},
		{"consortium=north-west&referrals=2&contracts=3&at=9", a13cPerPage + 1, a13cPerPage,
			"/decisions?consortium=north-west&contracts=3&referrals=1#referrals", "/decisions?consortium=north-west&contracts=3&referrals=3#referrals"},
		{"consortium=north-west&referrals=3", 2*a13cPerPage + 1, 5, "/decisions?consortium=north-west&referrals=2#referrals", ""},
		{"consortium=north-west&referrals=99", 2*a13cPerPage + 1, 5, "/decisions?consortium=north-west&referrals=2#referrals", ""},
		{"consortium=north-west&referrals=nonsense", 1, a13cPerPage, "", "/decisions?consortium=north-west&referrals=2#referrals"},
	} {
		q := &rq{r: httptest.NewRequest("GET", "/decisions?"+c.query, nil)}
		l := a13cPaged(q, "referrals", rows)
		if l.Total != len(rows) || l.First != c.first || len(l.Rows) != c.n || l.Rows[0].Title != "referral "+strconv.Itoa(c.first) || l.Prev != c.prev || l.Next != c.next {
			t.Errorf("%s: rows %d to %d of %d, previous %q, next %q; want from %d, %d rows, %q, %q",
				c.query, l.First, l.First+len(l.Rows)-1, l.Total, l.Prev, l.Next, c.first, c.n, c.prev, c.next)
		}
	}
	if l := a13cPaged(&rq{r: httptest.NewRequest("GET", "/decisions?consortium=x", nil)}, "blocks", nil); l.Total != 0 || len(l.Rows) != 0 || l.Prev != "" || l.Next != "" {
		t.Errorf("no rows: %+v", l)
	}
}
