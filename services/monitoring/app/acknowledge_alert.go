package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// AcknowledgeAlert marks an alert of the caller's inbox as dealt with, for
// everyone in its organisation; acknowledging it again changes nothing.
func (s *Service) AcknowledgeAlert(ctx context.Context, r Request, alertID, note string) (Result, error) {
	m := s.model
	m.mu.RLock()
	e := m.alerts[alertID]
	// Councils, providers and leads have inboxes (the platform does not).
	w, err := m.viewer(r.Principal, "")
	inInbox := e != nil && err == nil && w.wants(e.alert, e.notified)
	m.mu.RUnlock()
	return handleRequest(ctx, s.inboxes, r, stream(InboxAggregate, domain.InboxID(r.Principal.Organisation)), s.now(), func(st domain.InboxState) ([]proto.Message, error) {
		return domain.DecideAcknowledge(st, domain.AcknowledgeAlert{Actor: actorOf(r), AlertID: alertID, InInbox: inInbox, Note: note})
	})
}
