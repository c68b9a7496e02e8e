package app

import (
	"context"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// GetRiskPolicy returns a consortium's early-warning policy (the default
// until it sets one); every party to the consortium may read it, providers
// included, since they are assessed by it.
func (s *Service) GetRiskPolicy(ctx context.Context, p auth.Principal, consortium string, minPosition uint64) (*monitoringv1.RiskPolicy, error) {
	out := &monitoringv1.RiskPolicy{Consortium: consortium}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		c := m.consortia[consortium]
		visible := c != nil && (p.OrgKind() == auth.OrgPlatform || lead(p) == c.slug || c.members[council(p)] || c.providers[provider(p)])
		if !visible {
			return domainerr.Missing("consortium", "there is no consortium %q that you may see", consortium)
		}
		pol := m.policy(c.slug)
		out.Indicators, out.SuspendOnRed, out.ReturnDueWorkingDays, out.IsDefault = pol.GetIndicators(), pol.GetSuspendOnRed(), pol.GetReturnDueWorkingDays(), c.policy == nil
		return nil
	})
	out.Position = pos
	return out, err
}
