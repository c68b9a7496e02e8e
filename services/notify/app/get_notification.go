package app

import (
	"context"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// GetNotification is one of the caller's notifications (the platform
// admin's: any); anyone else's does not exist.
func (s *Service) GetNotification(ctx context.Context, p auth.Principal, id string, minPosition uint64) (*notifyv1.Notification, error) {
	var out *notifyv1.Notification
	_, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		n, err := m.visibleNote(p, id)
		if err != nil {
			return err
		}
		out = m.view(n)
		return nil
	})
	return out, err
}
