package browsertest

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Cookies are the browser's cookies for the portal, HttpOnly ones included
// (which no script on the page can read), so that a test can make a request
// as the signed-in person with Go's HTTP client: a download, which the
// browser would save rather than show.
func (b *Browser) Cookies() []*http.Cookie {
	b.t.Helper()
	res := run(b, "read cookies", func(ctx context.Context, t *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{b.Base + "/"}})
	})
	out := make([]*http.Cookie, 0, len(res.Cookies))
	for _, c := range res.Cookies {
		out = append(out, &http.Cookie{Name: c.Name, Value: c.Value, Path: c.Path, HttpOnly: c.HTTPOnly, Secure: c.Secure})
	}
	return out
}

// Select chooses the option with the given value in the select matching a
// CSS selector, as a person choosing from the list does.
func (b *Browser) Select(sel, value string) {
	b.t.Helper()
	b.do("select "+value+" in "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
}

// Enter replaces what the field matching a CSS selector holds with value,
// typed as keys. (chromedp's SetValue cannot clear a field: an empty value
// reaches the page as undefined.)
func (b *Browser) Enter(sel, value string) {
	b.t.Helper()
	quoted, _ := json.Marshal(sel)
	clear := `(el => { if (!el) { return false } el.value = ""; return true })(document.querySelector(` + string(quoted) + `))`
	if !run(b, "clear "+sel, chromedp.Evaluate[bool](clear)) {
		b.t.Fatalf("enter %s: no such field", sel)
	}
	b.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), value))
}

// Focused is the id of the element that has the focus ("" if none has).
func (b *Browser) Focused() string {
	b.t.Helper()
	return run(b, "focused element", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
}
