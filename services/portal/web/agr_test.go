package web_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// agrAwait waits for purchasing's reaction to the award: the agreement's
// first commit, read from the store. It returns the agreement id and the
// position to read it at.
func (s *stack) agrAwait(placement string) (string, uint64) {
	s.t.Helper()
	id := "agr-" + strings.TrimPrefix(placement, "pl-")
	ctx, cancel := context.WithTimeout(s.Ctx, 30*time.Second)
	defer cancel()
	found := errors.New("found")
	var at uint64
	err := s.Store.Subscribe(ctx, 0, []string{eventstore.AggregateFilter("purchasing", "agreement")}, func(commit []eventstore.RecordedEvent) error {
		for _, e := range commit {
			if e.StreamID.ID == id {
				at = e.Position
				return found
			}
		}
		return nil
	})
	if !errors.Is(err, found) {
		s.t.Fatalf("purchasing drew no agreement for placement %s: %v", placement, err)
	}
	return id, at
}

// agrHTTP is GET or POST path for the i-th demo person over plain HTTP (no
// JavaScript): the status and body.
func (s *stack) agrHTTP(i int, method, path string, form url.Values) (int, http.Header, string) {
	s.t.Helper()
	c := s.httpSignedIn(i)
	var res *http.Response
	var err error
	if method == http.MethodPost {
		res, err = c.PostForm(s.portal.URL+path, form)
	} else {
		res, err = c.Get(s.portal.URL + path)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(body)
}

// Issue 18, the placement agreement: Chloe Byrne awards Pennine's Heaton
// Norris House; an agreement is drawn. She opens it from the placement,
// reads its terms and accepts it; Priya Shah (Pennine's admin) opens it
// from her home page and accepts: it is locked. Priya proposes an uplift
// (a missing date refused on its field first); both accept it. Chloe reads
// the payments due and downloads them as CSV and the agreement as a PDF;
// Amara Okafor reads the consortium's spend. Erin Walsh (Oldham) and Sam
// Okoro (another provider) get "Page not found"; Rafi Khan (Pennine's
// responder) cannot accept.
func TestAgreementJourney(t *testing.T) {
	s := newStack(t)
	placement := s.plcPlace()
	id, at := s.agrAwait(placement)
	page := "/agreements/" + id

	// Chloe, from the placement's page.
	s.signIn("Chloe Byrne")
	s.Visit("/placements/" + placement + "?at=" + strconv.FormatUint(at, 10))
	s.Follow("#placement-agreement")
	if s.Location() != page {
		t.Fatalf("the placement's link led to %s", s.Location())
	}
	s.Contains("Placement agreement for Heaton Norris House", "Waiting for acceptance", "£5,200.00 a week from 5 December 2026",
		"A settled home with a place in a local school.", "Not accepted yet")
	s.Follow("#agreement-accept button")
	s.Contains("You accepted the agreement", "the council's commissioner, signed in as")
	if strings.Contains(s.Text("main"), "Accept the agreement") {
		t.Fatal("the council is offered to accept twice")
	}

	// Priya, from her home page.
	s.signIn("Priya Shah")
	s.Visit("/")
	s.Follow(`#areas a[href="/agreements"]`)
	s.Contains("Heaton Norris House", "Waiting for you")
	s.Follow(`#agreements a[href="` + page + `"]`)
	s.Follow("#agreement-accept button")
	s.Contains("You accepted the agreement", "Accepted by both", "The terms in force")

	// A change: the price from April, its date missing first.
	s.Follow("#agreement-vary")
	s.Fill("#new_weekly_price_pence", "5400")
	s.Fill("#reason", "Annual uplift agreed with the consortium")
	s.Follow(`form[action$="/variation"] button`)
	s.Contains("Enter the date the new price applies from")
	s.Fill("#price_from-day", "5")
	s.Fill("#price_from-month", "4")
	s.Fill("#price_from-year", "2027")
	s.Follow(`form[action$="/variation"] button`)
	s.Contains("You proposed a change", "Change waiting for acceptance", "Change 1: waiting for acceptance", "£5,400.00 a week from 5 April 2027")
	s.Follow("#agreement-accept button")

	s.signIn("Chloe Byrne")
	s.Visit(page)
	s.Contains("A change to the agreement is waiting for acceptance")
	s.Follow("#agreement-accept button")
	s.Contains("Accepted by both", "£5,400.00")

	// Payments due in the first weeks, and as CSV.
	s.Visit("/agreements")
	s.Follow(`a[href="/payments"]`)
	s.Visit("/payments?from=2026-11-30&to=2026-12-14")
	s.Contains("Pennine Pathways", "£1,485.71", "£5,200.00", "£11,885.71")
	code, hdr, body := s.agrHTTP(2, http.MethodGet, "/payments.csv?from=2026-11-30&to=2026-12-14", nil)
	if code != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") ||
		!strings.Contains(body, "2026-11-30,352,") || !strings.Contains(body, ",2,5200.00,1485.71,yes") {
		t.Fatalf("CSV: %d %s\n%s", code, hdr.Get("Content-Type"), body)
	}
	code, hdr, body = s.agrHTTP(2, http.MethodGet, page+"/pdf", nil)
	if code != http.StatusOK || hdr.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
		t.Fatalf("PDF: %d %s %q", code, hdr.Get("Content-Type"), body[:min(len(body), 20)])
	}

	// The lead: the consortium's spend.
	s.signIn("Amara Okafor")
	s.Visit("/spend?from=2026-11-30&to=2026-12-14")
	s.Contains("Pennine Pathways", "£11,885.71")

	// Nobody else: another council, another provider; a responder cannot accept.
	for _, i := range []int{8, 5} {
		if code, _, _ := s.agrHTTP(i, http.MethodGet, page, nil); code != http.StatusNotFound {
			t.Errorf("person %d opened the agreement: %d", i, code)
		}
		if code, _, _ := s.agrHTTP(i, http.MethodGet, page+"/pdf", nil); code != http.StatusNotFound {
			t.Errorf("person %d downloaded the agreement: %d", i, code)
		}
	}
	if code, _, _ := s.agrHTTP(10, http.MethodPost, page+"/accept", url.Values{"request_id": {"portal-agr-test-0001"}, "version": {"2"}}); code != http.StatusForbidden {
		t.Errorf("a responder's acceptance answered %d", code)
	}
	if code, _, body := s.agrHTTP(7, http.MethodGet, page, nil); code != http.StatusOK || strings.Contains(body, "Accept the agreement") {
		t.Errorf("a viewer reads the agreement: %d, with an accept button: %v", code, strings.Contains(body, "Accept the agreement"))
	}
}
