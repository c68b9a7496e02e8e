package app

import (
	"slices"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// watchBuffer is how many alerts a slow watcher may fall behind before it
// is cut off (it reconnects with after_position and loses nothing).
const watchBuffer = 256

// watcher is one WatchAlerts call. Its fields are fixed at creation; ch is
// written under the read model's lock.
type watcher struct {
	org        string // the viewer's organisation, whose acknowledgements it sees
	consortium string // a lead's or the platform's consortium
	council    string
	provider   string
	ch         chan *monitoringv1.Alert
	overflow   bool
}

// wants reports whether the viewer gets an alert: a council when it was
// told (a child placed there), a provider about itself, a lead about its
// consortium.
func (w *watcher) wants(a *monitoringv1.Alert, notified []string) bool {
	switch {
	case w.council != "":
		return slices.Contains(notified, w.council)
	case w.provider != "":
		return a.GetProviderId() == w.provider
	}
	return a.GetConsortium() == w.consortium
}

func (w *watcher) send(a *monitoringv1.Alert) {
	if w.overflow {
		return
	}
	select {
	case w.ch <- a:
	default:
		w.overflow = true
		close(w.ch)
	}
}

// viewer builds the watcher that describes what p may see.
func (m *ReadModel) viewer(p auth.Principal, slug string) (*watcher, error) {
	w := &watcher{org: p.Organisation, council: council(p), provider: provider(p)}
	if w.council == "" && w.provider == "" {
		c, err := m.consortiumFor(p, slug)
		if err != nil {
			return nil, err
		}
		w.consortium = c.slug
	}
	return w, nil
}

// backlog is the alerts w may see after a position, oldest first
// (without those its organisation acknowledged, if unacknowledged).
func (m *ReadModel) backlog(w *watcher, after uint64, limit int, unacknowledged bool) []*monitoringv1.Alert {
	var out []*monitoringv1.Alert
	for _, c := range m.consortia {
		for _, e := range c.alerts {
			if e.alert.GetPosition() > after && w.wants(e.alert, e.notified) && !(unacknowledged && m.acks[w.org][e.alert.GetAlertId()] != nil) {
				out = append(out, m.forViewer(e.alert, w))
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *monitoringv1.Alert) int {
		return int(a.GetPosition()) - int(b.GetPosition())
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}
