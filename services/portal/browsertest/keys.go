package browsertest

import (
	"context"
	"time"

	"github.com/chromedp/chromedp"
)

// The steps of keyboard-only journeys, and of actions that load a page.

// markPage marks the current document, so the next one is told from it.
const markPage = `document.documentElement.dataset.browsertestPrevious = "1"; true`

// newPage holds once the marked document has been replaced and is loaded.
const newPage = `document.documentElement.dataset.browsertestPrevious === undefined && document.readyState === "complete"`

// loads runs steps that load a page (a link followed, a form sent), waits
// for that page and checks it with axe.
func (b *Browser) loads(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	run(b, "mark the page", chromedp.Evaluate[bool](markPage))
	b.do(what, steps...)
	// The poll runs in the page: while the old page is replaced its script
	// context goes away and the poll fails, so it starts again in the new.
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	for {
		loaded, err := chromedp.Run(ctx, chromedp.Poll[bool](newPage))
		if err == nil && loaded {
			break
		}
		if ctx.Err() != nil {
			b.t.Fatalf("%s: no page loaded: %v", what, err)
		}
	}
	b.Axe()
}

// Follow clicks the element matching sel (a link, or a form's button),
// waits for the page it loads and checks it with axe.
func (b *Browser) Follow(sel string) {
	b.t.Helper()
	b.loads("follow "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// Focus moves the keyboard focus to the element matching sel, without a
// click.
func (b *Browser) Focus(sel string) {
	b.t.Helper()
	b.do("focus "+sel, chromedp.Focus(chromedp.CSS(sel), chromedp.NodeVisible))
}

// Press sends keys to the focused element as key events: "\t" moves the
// focus on, " " toggles a checkbox, "\r" activates; other characters type.
func (b *Browser) Press(keys string) {
	b.t.Helper()
	b.do("press keys", chromedp.KeyEvent(keys))
}

// PressToLoad sends keys that load a page (Enter on a form's button), waits
// for the page and checks it with axe.
func (b *Browser) PressToLoad(keys string) {
	b.t.Helper()
	b.loads("press keys", chromedp.KeyEvent(keys))
}

// Eval evaluates a JavaScript expression in the page, awaiting it if it is
// a promise, and returns its value as a string.
func (b *Browser) Eval(expr string) string {
	b.t.Helper()
	return run(b, "evaluate", chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
}
