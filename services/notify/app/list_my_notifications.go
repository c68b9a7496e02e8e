package app

import (
	"context"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ListMyNotifications is the caller's notifications, newest first; a
// caller who is no contact of their organisation has none.
func (s *Service) ListMyNotifications(ctx context.Context, p auth.Principal, unreadOnly bool, limit uint32, minPosition uint64) (*notifyv1.ListNotificationsResponse, error) {
	out := &notifyv1.ListNotificationsResponse{}
	n := int(limit)
	if n == 0 {
		n = 200
	}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		me := m.me(p)
		if me == nil {
			return nil
		}
		ids := m.byPerson[personKey(p.Organisation, me.GetPersonId())]
		for i := len(ids) - 1; i >= 0 && len(out.Notifications) < n; i-- {
			note := m.notes[ids[i]]
			if unreadOnly && note.read {
				continue
			}
			out.Notifications = append(out.Notifications, m.view(note))
		}
		return nil
	})
	out.Position = pos
	return out, err
}
