package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/notify/domain"
)

// MarkNotificationRead marks one of the caller's notifications read.
func (s *Service) MarkNotificationRead(ctx context.Context, r Request, id string) (Result, error) {
	if err := s.caughtUp(ctx); err != nil {
		return Result{}, err
	}
	m := s.model
	m.mu.RLock()
	me := m.me(r.Principal)
	n := m.notes[id]
	m.mu.RUnlock()
	if me == nil {
		return Result{}, notAContact()
	}
	theirs := n != nil && n.isFor(r.Principal.Organisation, me.GetPersonId())
	return handleRequest(ctx, s.people, r, stream(PersonAggregate, domain.PersonStreamID(r.Principal.Organisation, me.GetPersonId())), s.now(), func(st domain.PersonState) ([]proto.Message, error) {
		return domain.DecideMarkRead(st, domain.MarkRead{Organisation: r.Principal.Organisation, PersonID: me.GetPersonId(), NotificationID: id, Theirs: theirs})
	})
}
