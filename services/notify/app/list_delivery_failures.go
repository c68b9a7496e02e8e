package app

import (
	"context"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ListDeliveryFailures is, for the platform admin, every notification the
// channel refused or kept failing on, newest first.
func (s *Service) ListDeliveryFailures(ctx context.Context, _ auth.Principal, limit uint32, minPosition uint64) (*notifyv1.ListNotificationsResponse, error) {
	out := &notifyv1.ListNotificationsResponse{}
	n := int(limit)
	if n == 0 {
		n = 200
	}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		for i := len(m.failures) - 1; i >= 0 && len(out.Notifications) < n; i-- {
			out.Notifications = append(out.Notifications, m.view(m.notes[m.failures[i]]))
		}
		return nil
	})
	out.Position = pos
	return out, err
}
