package app

import (
	"context"
	"errors"
	"slices"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/monitoring/domain"
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

// ListAlerts is the caller's alert inbox: a council's alerts about settings
// where it has children placed, a provider's about itself, a lead's about
// its consortium — oldest first after after_position.
func (s *Service) ListAlerts(ctx context.Context, p auth.Principal, q *monitoringv1.ListAlertsRequest) (*monitoringv1.ListAlertsResponse, error) {
	out := &monitoringv1.ListAlertsResponse{}
	limit := int(q.GetLimit())
	if limit == 0 {
		limit = 200
	}
	pos, err := s.read(ctx, q.GetMinPosition(), func(m *ReadModel) error {
		w, err := m.viewer(p, q.GetConsortium())
		if err != nil {
			return err
		}
		out.Alerts = m.backlog(w, q.GetAfterPosition(), limit, q.GetUnacknowledgedOnly())
		return nil
	})
	out.Position = pos
	return out, err
}

// WatchAlerts sends the caller's alerts after after_position, then each new
// one as it is recorded, until ctx ends. A watcher that falls more than
// watchBuffer alerts behind is cut off with UNAVAILABLE; it reconnects with
// the position of the last alert it got.
func (s *Service) WatchAlerts(ctx context.Context, p auth.Principal, q *monitoringv1.WatchAlertsRequest, send func(*monitoringv1.Alert) error) error {
	m := s.model
	m.mu.Lock()
	w, err := m.viewer(p, q.GetConsortium())
	if err != nil {
		m.mu.Unlock()
		return err
	}
	w.ch = make(chan *monitoringv1.Alert, watchBuffer)
	backlog := m.backlog(w, q.GetAfterPosition(), 0, false)
	m.watchers[w] = struct{}{}
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.watchers, w)
		m.mu.Unlock()
	}()
	for _, a := range backlog {
		if err := send(a); err != nil {
			return err
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case a, ok := <-w.ch:
			if !ok {
				return ErrWatcherBehind
			}
			if err := send(a); err != nil {
				return err
			}
		}
	}
}

// ErrWatcherBehind ends a WatchAlerts that fell too far behind.
var ErrWatcherBehind = errors.New("alerts came faster than they were read: watch again from the last alert's position")

// AcknowledgeAlert marks an alert of the caller's inbox as dealt with, for
// everyone in its organisation; acknowledging it again changes nothing.
func (s *Service) AcknowledgeAlert(ctx context.Context, r Request, q *monitoringv1.AcknowledgeAlertRequest) (Result, error) {
	m := s.model
	m.mu.RLock()
	e := m.alerts[q.GetAlertId()]
	// Councils, providers and leads have inboxes (the platform does not).
	w, err := m.viewer(r.Principal, "")
	inInbox := e != nil && err == nil && w.wants(e.alert, e.notified)
	m.mu.RUnlock()
	return handle(ctx, s.inboxes, stream(InboxAggregate, domain.InboxID(r.Principal.Organisation)), r.Meta(s.now()), func(st domain.InboxState) ([]proto.Message, error) {
		return domain.DecideAcknowledge(st, domain.AcknowledgeAlert{Actor: actorOf(r), AlertID: q.GetAlertId(), InInbox: inInbox, Note: q.GetNote()})
	})
}
