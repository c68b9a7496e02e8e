package app

import (
	"context"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ListAlerts is the caller's alert inbox: a council's alerts about settings
// where it has children placed, a provider's about itself, a lead's about
// its consortium — oldest first after after_position.
func (s *Service) ListAlerts(ctx context.Context, p auth.Principal, consortium string, afterPosition uint64, limit uint32, unacknowledgedOnly bool, minPosition uint64) (*monitoringv1.ListAlertsResponse, error) {
	out := &monitoringv1.ListAlertsResponse{}
	n := int(limit)
	if n == 0 {
		n = 200
	}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		w, err := m.viewer(p, consortium)
		if err != nil {
			return err
		}
		out.Alerts = m.backlog(w, afterPosition, n, unacknowledgedOnly)
		return nil
	})
	out.Position = pos
	return out, err
}
