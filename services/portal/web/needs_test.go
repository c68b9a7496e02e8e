package web_test

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/kit/ssda903"
	"github.com/carecoop/carecoop/services/portal/assets"
)

// The kit's own sample SSDA903 extract.
var needsSample = func() string {
	p, _ := filepath.Abs("../../kit/ssda903/testdata")
	return p
}()

// needsKitReturn is what the kit counts in the sample as at a date: what
// the page must show and send.
func needsKitReturn(t *testing.T, la, asAt string) *ssda903.Return {
	t.Helper()
	ep, err := os.Open(filepath.Join(needsSample, "episodes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	hd, err := os.Open(filepath.Join(needsSample, "header.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer hd.Close()
	d, _ := time.Parse(time.DateOnly, asAt)
	r, err := ssda903.Read(ep, hd, ssda903.Options{LA: la, AsAt: d})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// needsChildLevel is every child id, date of birth, episode date and
// postcode of the sample, and its lines: what must never leave the browser.
func needsChildLevel(t *testing.T) (values []string, lines []string) {
	t.Helper()
	for _, name := range []string{"episodes.csv", "header.csv"} {
		b, err := os.ReadFile(filepath.Join(needsSample, name))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows[1:] {
			lines = append(lines, strings.Join(row, ","))
			for i, v := range row {
				col := rows[0][i]
				if v != "" && (col == "CHILD" || col == "DOB" || col == "DECOM" || col == "DEC" || col == "UPN" || strings.HasSuffix(col, "POST")) {
					values = append(values, v)
				}
			}
		}
	}
	return values, lines
}

func needsPerson(t *testing.T, name string) int {
	t.Helper()
	for i, p := range stackPeople {
		if p.Name == name {
			return i
		}
	}
	t.Fatalf("no demo person %q", name)
	return -1
}

// Issue 13, needs data: the analyst of council 352 counts the kit's sample
// SSDA903 extract in the browser (the kit's reader in WebAssembly), first
// with a broken file (the kit's problem report, nothing sent), then the
// real files: the page shows the kit's own summary, and sending posts only
// the counts — no child id, date of birth, postcode or episode line leaves
// the browser. The return is listed as in use, demand holds the kit's count,
// and the analyst withdraws it with a reason after a confirmation page.
// Council 353's analyst cannot see or withdraw it; a commissioner may not
// send one.
func TestAnalystSendsNeedsCountedInTheBrowser(t *testing.T) {
	s := newStack(t)
	want := needsKitReturn(t, "352", "2018-03-31")

	s.signIn("Dev Patel")
	s.Contains("Needs data and demand", "The return as at 31 March 2026 is due", "not sent a needs return yet")
	s.Follow(`#navigation a[href="/needs"]`)
	s.Contains("Needs data", "not sent a needs return yet")
	s.Follow(`main a[href="/needs/new"]`)
	if s.Location() != "/needs/new" {
		t.Fatalf("the start button went to %s", s.Location())
	}
	// With JavaScript the page counts; the import-903 way stays below.
	if s.Eval(`String(document.getElementById("needs-nojs").hidden)`) != "true" {
		t.Fatal("the no-JavaScript warning shows in a browser that runs the page's script")
	}
	s.Contains("Count on your own computer", "--la 352 --as-at 2026-03-31")

	// Nothing chosen: the design system's errors, at the fields too.
	s.Click("#needs-count-button")
	wantIn(t, "the error summary", s.Text("#needs-errors"), "Choose the episodes file", "Choose the header file")
	s.Axe()

	// A broken episodes file: the kit's report, by file, line and column.
	broken := filepath.Join(t.TempDir(), "episodes-2018.csv")
	ep, err := os.ReadFile(filepath.Join(needsSample, "episodes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(broken, []byte(strings.Replace(string(ep), "15/02/2016", "31/02/2016", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	watch := s.Watch()
	s.Upload("#needs-episodes", broken)
	s.Upload("#needs-header", filepath.Join(needsSample, "header.csv"))
	s.Enter("#needs-as-at-day", "31")
	s.Enter("#needs-as-at-month", "3")
	s.Enter("#needs-as-at-year", "2018")
	s.Click("#needs-count-button")
	wantIn(t, "the problem report", s.Text("#needs-errors"), "The extract has problems", `episodes-2018.csv:2: DECOM: "31/02/2016" is not a date`)
	s.Axe()

	// The real files: the kit's summary, to check before sending.
	s.Upload("#needs-episodes", filepath.Join(needsSample, "episodes.csv"))
	s.Click("#needs-count-button")
	wantIn(t, "the check", s.Text("#needs-check-children"), strconv.Itoa(want.Children))
	s.Axe()
	wantIn(t, "the check", s.Text("#needs-check"), "Manchester", "31 March 2018", strconv.Itoa(len(want.Cells)))
	if got := s.Eval(`document.getElementById("needs-summary").textContent`); got != want.Summary() {
		t.Fatalf("the page's summary is not the kit's:\n%s\nwant:\n%s", got, want.Summary())
	}
	s.Follow("#needs-send button")
	sent := watch()
	s.Contains("Needs return as at 31 March 2018 sent: " + strconv.Itoa(want.Children) + " children counted")

	// What left the browser: the wasm fetched, and one form of counts.
	values, lines := needsChildLevel(t)
	posts := 0
	for _, r := range sent {
		for _, v := range values {
			if len(v) >= 5 && strings.Contains(r.URL, v) {
				t.Fatalf("%s %s names %q from the extract", r.Method, r.URL, v)
			}
		}
		if r.Body == "" {
			continue
		}
		posts++
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL, "/needs/new") {
			t.Fatalf("the browser sent a body to %s %s", r.Method, r.URL)
		}
		form, err := url.ParseQuery(r.Body)
		if err != nil || len(form) != 2 || len(form["request_id"]) != 1 || len(form["counts"]) != 1 {
			t.Fatalf("the post holds more than a request id and the counts: %v %q", err, r.Body)
		}
		counts := form.Get("counts")
		for _, l := range lines {
			if strings.Contains(counts, l) {
				t.Fatalf("the counts hold the extract's line %q", l)
			}
		}
		for _, v := range values {
			// An id shorter than 5 digits could be any count.
			if len(v) >= 5 && strings.Contains(counts, v) {
				t.Fatalf("the counts hold %q from the extract", v)
			}
		}
		dec := json.NewDecoder(strings.NewReader(counts))
		dec.DisallowUnknownFields()
		var got ssda903.Return
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("the counts are not a return of counts only: %v", err)
		}
		if got.Children != want.Children || len(got.Cells) != len(want.Cells) || got.LA != "352" || got.AsAt != "2018-03-31" {
			t.Fatalf("sent %d children in %d cells for %s as at %s, want %d in %d", got.Children, len(got.Cells), got.LA, got.AsAt, want.Children, len(want.Cells))
		}
	}
	if posts != 1 {
		t.Fatalf("the browser sent %d bodies, want the one form of counts", posts)
	}

	// Listed, in use; demand holds the kit's count, counted in the browser.
	row := s.rowText("#needs-returns", 1)
	wantIn(t, "the returns", row, "31 March 2018", "Submission 1", strconv.Itoa(want.Children), "In use", "you, counted in the browser")
	listed := servicetest.Must(s.demand(auth.CouncilOrg("352"), auth.CouncilAnalyst).ListNeedsReturns(s.Ctx, &demandv1.ListNeedsReturnsRequest{})).OK(t).GetReturns()
	if len(listed) != 1 || listed[0].GetChildren() != uint32(want.Children) || listed[0].GetSource() != "ssda903-browser" {
		t.Fatalf("demand holds %v", listed)
	}

	// Home: the 2018 return is listed; this year's is still due.
	s.Follow(`#navigation a[href="/"]`)
	s.Contains("The return as at 31 March 2026 is due")
	wantIn(t, "home", s.rowText("#needs-returns", 1), "31 March 2018", "In use")

	// Council 353's analyst sees none of it and cannot withdraw it.
	s.signIn("Fola Adeyemi")
	s.Follow(`#navigation a[href="/needs"]`)
	s.Contains("not sent a needs return yet")
	s.Visit("/needs/2018-03-31/1/withdraw")
	s.Contains("Page not found")

	// A commissioner reads the list but may not send or withdraw.
	s.signIn("Chloe Byrne")
	s.Visit("/needs")
	s.Contains("31 March 2018", "In use")
	if n := s.Eval(`String(document.querySelectorAll('main a[href="/needs/new"], main a[href$="/withdraw"]').length)`); n != "0" {
		t.Fatalf("a commissioner is offered %s ways to send or withdraw", n)
	}
	s.Visit("/needs/new")
	s.Contains("You cannot see this page")

	// A corrected return, sent with import-903 (here through gRPC), stands
	// in place of the first; the analyst withdraws it after a confirmation
	// page that asks why, and the first is in use again.
	analystAPI := s.demand(auth.CouncilOrg("352"), auth.CouncilAnalyst)
	second := servicetest.Must(analystAPI.SubmitNeedsReturn(s.Ctx, &demandv1.SubmitNeedsReturnRequest{RequestId: "import903-test-second", AsAt: "2018-03-31",
		Source: "ssda903-import", Cells: []*demandv1.NeedsCell{{PlacementGroup: "fostering", AgeBand: "5-9", Need: "N1", LegalStatus: "C2", Area: "inside", DistanceBand: "0-5", Count: 7}}})).OK(t)
	s.signIn("Dev Patel")
	s.Visit("/needs?at=" + strconv.FormatUint(second.GetPosition(), 10))
	wantIn(t, "the returns", s.rowText("#needs-returns", 1), "Submission 2", "7", "In use", "counted with carecoop import-903")
	wantIn(t, "the returns", s.rowText("#needs-returns", 2), "Submission 1", "Replaced")
	s.Follow(`#needs-returns a[href="/needs/2018-03-31/2/withdraw"]`)
	s.Contains("Withdraw the return as at 31 March 2018", "The demand figures will then use submission 1, sent 3 December 2026")
	s.Follow("main form button")
	s.Contains("There is a problem", "Say why you are withdrawing the return")
	s.Enter("#reason", "Sent with the wrong year's extract")
	s.Follow("main form button")
	s.Contains("Submission 2 of the return as at 31 March 2018 withdrawn")
	wantIn(t, "the returns", s.rowText("#needs-returns", 1), "Submission 2", "Withdrawn", "by you: Sent with the wrong year's extract")
	wantIn(t, "the returns", s.rowText("#needs-returns", 2), "Submission 1", "In use")
	listed = servicetest.Must(analystAPI.ListNeedsReturns(s.Ctx, &demandv1.ListNeedsReturnsRequest{})).OK(t).GetReturns()
	if len(listed) != 2 || !listed[0].GetWithdrawn() || listed[0].GetWithdrawalReason() != "Sent with the wrong year's extract" || !listed[1].GetCurrent() {
		t.Fatalf("demand holds %v", listed)
	}
}

// Without JavaScript the send page says how to count with carecoop
// import-903 for the analyst's own council; the portal takes only a
// strict return of counts, and only from an analyst; the counter is
// served as WebAssembly.
func TestAnalystNeedsWithoutJavaScript(t *testing.T) {
	s := startStack(t)
	dev := s.httpSignedIn(needsPerson(t, "Dev Patel"))
	page := s.httpGet(t, dev, "/needs/new")
	wantIn(t, "the send page", page, "Counting in the browser needs JavaScript",
		"carecoop import-903 --episodes episodes.csv --header header.csv \\\n    --la 352 --as-at 2026-03-31",
		`<form id="needs-count" data-la="352" novalidate hidden>`, `<script type="module" src="/static/needs.js">`)
	fola := s.httpSignedIn(needsPerson(t, "Fola Adeyemi"))
	wantIn(t, "council 353's send page", s.httpGet(t, fola, "/needs/new"), "--la 353 --as-at 2026-03-31")

	var at uint64 // the position the last post that worked sends the person to
	post := func(c *http.Client, counts string) (int, string) {
		t.Helper()
		res, err := c.PostForm(s.portal.URL+"/needs/new", url.Values{"request_id": {"portal-needs-test-1"}, "counts": {counts}})
		if err != nil {
			t.Fatal(err)
		}
		if loc, err := url.Parse(res.Header.Get("Location")); err == nil && loc.Query().Has("at") {
			at, _ = strconv.ParseUint(loc.Query().Get("at"), 10, 64)
		}
		return res.StatusCode, readAll(t, res)
	}
	ret := needsKitReturn(t, "352", "2018-03-31")
	good, _ := json.Marshal(ret)
	// Anything beside the counts (a child's row smuggled in) is refused.
	var loose map[string]any
	_ = json.Unmarshal(good, &loose)
	loose["episodes"] = []string{"566910,15/02/2016,L,C2,N3,T2,PR0,14/08/2017,X1,CLOSE,,,4244474"}
	smuggled, _ := json.Marshal(loose)
	for _, c := range []struct{ counts, want string }{
		{"", "Choose the episodes and header files and count them"},
		{string(smuggled), "The counts could not be read"},
		{strings.Replace(string(good), `"la":"352"`, `"la":"353"`, 1), "These counts are for another council"},
	} {
		code, body := post(dev, c.counts)
		if code != http.StatusUnprocessableEntity {
			t.Fatalf("posting %.60q: %d, want 422", c.counts, code)
		}
		wantIn(t, "the refusal", body, "There is a problem", c.want)
	}
	if code, _ := post(s.httpSignedIn(needsPerson(t, "Dana Reed")), string(good)); code != http.StatusForbidden {
		t.Fatalf("a viewer sending counts: %d, want 403", code)
	}
	if n := len(servicetest.Must(s.demand(auth.CouncilOrg("352"), auth.CouncilAnalyst).ListNeedsReturns(s.Ctx, &demandv1.ListNeedsReturnsRequest{})).OK(t).GetReturns()); n != 0 {
		t.Fatalf("refused posts recorded %d returns", n)
	}
	// The same form sent twice acts once; other counts sent from the same
	// page (other files chosen after going back) are a submission of their own.
	earlier, _ := json.Marshal(needsKitReturn(t, "352", "2017-03-31"))
	for _, counts := range []string{string(good), string(good), string(earlier)} {
		if code, body := post(dev, counts); code != http.StatusSeeOther {
			t.Fatalf("sending the kit's counts: %d, want 303\n%s", code, body)
		}
	}
	listed := servicetest.Must(s.demand(auth.CouncilOrg("352"), auth.CouncilAnalyst).ListNeedsReturns(s.Ctx, &demandv1.ListNeedsReturnsRequest{MinPosition: at})).OK(t).GetReturns()
	if at == 0 || len(listed) != 2 || listed[0].GetAsAt() != "2018-03-31" || listed[1].GetAsAt() != "2017-03-31" || listed[0].GetSubmission() != 1 {
		t.Fatalf("three posts of two returns recorded %v", listed)
	}

	// The counter: embedded, served as WebAssembly, allowed by the CSP.
	res, err := http.Get(s.portal.URL + "/static/needs.wasm")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	embedded, err := assets.Static.ReadFile("static/needs.wasm")
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/wasm" || string(body) != string(embedded) || !strings.HasPrefix(string(body), "\x00asm") {
		t.Fatalf("needs.wasm: %d %q, %d bytes", res.StatusCode, res.Header.Get("Content-Type"), len(body))
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval';") {
		t.Fatalf("CSP %q does not let the page run WebAssembly", csp)
	}
}
