package web

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/a-h/templ"
	"go.uber.org/zap"
)

// liveKeepAlive is how often a quiet stream sends a comment, so proxies and
// the browser keep the connection open.
const liveKeepAlive = 25 * time.Second

// liveNext waits for the next change of a live region and returns the
// region rendered again; ctx carries a fresh token of the person. done ends
// the stream (the thing shown is settled: nothing more will change).
type liveNext func(ctx context.Context) (region templ.Component, done bool, err error)

// live answers a page's data-live address with server-sent events: each
// region next returns is sent as an "update" event (static/init.js puts it
// in the page). It ends when the person leaves, when next says done, or on
// an error (the browser reconnects, which starts again from the page's
// current state).
func (q *rq) live(next liveNext) error {
	rc := http.NewResponseController(q.w)
	// A stream lives longer than the server's write timeout allows a page.
	if err := rc.SetWriteDeadline(time.Time{}); err != nil {
		return err
	}
	h := q.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	q.w.WriteHeader(http.StatusOK)
	if err := rc.Flush(); err != nil {
		return err
	}

	type result struct {
		region templ.Component
		done   bool
		err    error
	}
	ctx := q.r.Context()
	for {
		// Each wait gets a fresh token: a stream outlives one.
		tokCtx, err := q.s.withToken(ctx, q.sess)
		if err != nil {
			return nil
		}
		got := make(chan result, 1)
		go func() {
			region, done, err := next(tokCtx)
			got <- result{region, done, err}
		}()
		var res result
	wait:
		for {
			select {
			case <-ctx.Done():
				return nil
			case res = <-got:
				break wait
			case <-time.After(liveKeepAlive):
				if _, err := q.w.Write([]byte(": keep-alive\n\n")); err != nil {
					return nil
				}
				_ = rc.Flush()
			}
		}
		if res.err != nil {
			if ctx.Err() == nil {
				q.s.log.Warn("portal: live region", zap.String("path", q.r.URL.Path), zap.Error(res.err))
			}
			return nil
		}
		if res.region != nil {
			var buf bytes.Buffer
			if err := res.region.Render(ctx, &buf); err != nil {
				return nil
			}
			if err := writeEvent(q.w, "update", buf.String()); err != nil {
				return nil
			}
		}
		if res.done {
			_ = writeEvent(q.w, "end", "")
			_ = rc.Flush()
			return nil
		}
		_ = rc.Flush()
	}
}

// writeEvent writes one server-sent event; each line of data gets its own
// data field, as the format requires.
func writeEvent(w http.ResponseWriter, name, data string) error {
	var b strings.Builder
	b.WriteString("event: " + name + "\n")
	for _, line := range strings.Split(data, "\n") {
		b.WriteString("data: " + line + "\n")
	}
	b.WriteString("\n")
	_, err := w.Write([]byte(b.String()))
	return err
}
