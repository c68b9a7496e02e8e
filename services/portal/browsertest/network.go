package browsertest

import (
	"context"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Sent is one request the browser sent, with its body: what left the
// browser, for a test that must prove something did not.
type Sent struct {
	Method, URL string
	// Body is the request body as sent (a form's fields, URL-encoded); ""
	// for none.
	Body string
}

// Watch records every request the browser sends from now on; the function
// it returns stops the recording and gives the requests in order. Bodies
// are recorded in full, however long: a body the browser would not show
// fails the test rather than pass unseen.
func (b *Browser) Watch() (stop func() []Sent) {
	b.t.Helper()
	// Chromium leaves long bodies out of its events unless told otherwise.
	limit := int64(64 << 20)
	run(b, "watch the network", func(ctx context.Context, t *chromedp.Target) (cdp.Empty, error) {
		return cdp.Call(ctx, t, network.Enable, network.EnableParams{MaxPostDataSize: &limit})
	})
	var (
		mu   sync.Mutex
		sent []Sent
		lost []string
	)
	ctx, cancel := context.WithCancel(b.ctx)
	if err := chromedp.Listen(ctx, func(ev any) {
		e, ok := ev.(*network.EventRequestWillBeSent)
		if !ok || e.Request == nil {
			return
		}
		var body strings.Builder
		for _, p := range e.Request.PostDataEntries {
			body.Write(p.Bytes)
		}
		mu.Lock()
		defer mu.Unlock()
		if e.Request.HasPostData && body.Len() == 0 {
			lost = append(lost, e.Request.URL)
		}
		sent = append(sent, Sent{Method: e.Request.Method, URL: e.Request.URL, Body: body.String()})
	}); err != nil {
		cancel()
		b.t.Fatalf("watch the network: %v", err)
	}
	return func() []Sent {
		b.t.Helper()
		cancel()
		mu.Lock()
		defer mu.Unlock()
		if len(lost) > 0 {
			b.t.Fatalf("the browser sent bodies it did not show to %v", lost)
		}
		return append([]Sent(nil), sent...)
	}
}

// Upload chooses local files in the file input matching sel, as a person
// choosing them does (the page reads them; nothing is sent until a form
// that holds them is submitted).
func (b *Browser) Upload(sel string, paths ...string) {
	b.t.Helper()
	b.do("choose files in "+sel, chromedp.SetUploadFiles(chromedp.CSS(sel), paths))
}
