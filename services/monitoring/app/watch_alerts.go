package app

import (
	"context"
	"errors"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// WatchAlerts sends the caller's alerts after after_position, then each new
// one as it is recorded, until ctx ends. A watcher that falls more than
// watchBuffer alerts behind is cut off with UNAVAILABLE; it reconnects with
// the position of the last alert it got.
func (s *Service) WatchAlerts(ctx context.Context, p auth.Principal, consortium string, afterPosition uint64, send func(*monitoringv1.Alert) error) error {
	m := s.model
	m.mu.Lock()
	w, err := m.viewer(p, consortium)
	if err != nil {
		m.mu.Unlock()
		return err
	}
	w.ch = make(chan *monitoringv1.Alert, watchBuffer)
	backlog := m.backlog(w, afterPosition, 0, false)
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
