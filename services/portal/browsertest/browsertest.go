// Package browsertest drives the portal in a real headless Chromium (Debian's
// chromium package) with chromedp, and checks every page it visits with
// axe-core for WCAG 2.2 A and AA violations.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/carecoop/carecoop/services/portal/assets"
)

// Browser is one headless Chromium with its own empty profile.
type Browser struct {
	t   testing.TB
	ctx context.Context
	// Base is the portal's URL, e.g. http://127.0.0.1:8080.
	Base string
	// Checked lists the pages axe has checked.
	Checked []string
}

// Path of the browser: $CHROMIUM, else chromium on PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no chromium on PATH (apt-get install -y chromium; .ci/run installs it)")
}

// New starts a browser for the test; it is closed when the test ends.
func New(t testing.TB, base string) *Browser {
	t.Helper()
	path, err := chromiumPath()
	if err != nil {
		t.Fatal(err)
	}
	// The flags this sandbox needs: no network beyond loopback, no GPU, run
	// as root, a new empty profile each time.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return &Browser{t: t, ctx: ctx, Base: strings.TrimSuffix(base, "/")}
}

// do runs chromedp steps with a deadline, failing the test on error.
func (b *Browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// run runs one chromedp action that returns a value.
func run[T any](b *Browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// Visit opens a path of the portal and checks the page with axe.
func (b *Browser) Visit(path string) {
	b.t.Helper()
	b.do("visit "+path, chromedp.Navigate(b.Base+path), chromedp.WaitReady(chromedp.CSS("body")))
	b.Axe()
}

// Text is the visible text of the first element matching a CSS selector.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	return run(b, "read "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

// Location is the current URL's path and query.
func (b *Browser) Location() string {
	b.t.Helper()
	return run(b, "location", chromedp.Evaluate[string](`location.pathname + location.search`))
}

// Contains fails the test unless the page's main content shows every want.
func (b *Browser) Contains(want ...string) {
	b.t.Helper()
	main := b.Text("main")
	for _, w := range want {
		if !strings.Contains(main, w) {
			b.t.Fatalf("%s does not show %q; it shows:\n%s", b.Location(), w, main)
		}
	}
}

// Click clicks something that changes the page in place (a radio, a link
// within the page) and checks the page with axe. For a click that loads a
// page, use Follow: it waits for the new page, where Click would race it.
func (b *Browser) Click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	b.Axe()
}

// Fill is Enter: it replaces the field's value.
func (b *Browser) Fill(sel, value string) {
	b.t.Helper()
	b.Enter(sel, value)
}

// Screenshot is a PNG of the whole page.
func (b *Browser) Screenshot() []byte {
	b.t.Helper()
	return run(b, "screenshot", chromedp.FullScreenshot(100)) // quality 100 gives a PNG; below, a JPEG
}

// axeResult is what the tests read of axe.run's answer.
type axeResult struct {
	Violations []struct {
		ID    string `json:"id"`
		Help  string `json:"help"`
		Nodes []struct {
			Target []any `json:"target"`
		} `json:"nodes"`
	} `json:"violations"`
}

// Axe checks the current page against WCAG 2.2 A and AA (and the
// earlier levels they include); any violation fails the test.
func (b *Browser) Axe() {
	b.t.Helper()
	src, err := assets.Static.ReadFile("static/axe.min.js")
	if err != nil {
		b.t.Fatal(err)
	}
	run(b, "load axe", chromedp.Evaluate[bool](string(src)+";true"))
	const check = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]}}).then(r => JSON.stringify(r))`
	raw := run(b, "axe", chromedp.Evaluate[string](check, chromedp.EvalAwaitPromise))
	var res axeResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		b.t.Fatalf("axe: %v", err)
	}
	loc := b.Location()
	b.Checked = append(b.Checked, loc)
	for _, v := range res.Violations {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target...))
		}
		b.t.Errorf("%s: accessibility: %s (%s) at %s", loc, v.Help, v.ID, strings.Join(where, ", "))
	}
}
