package app

import (
	"context"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// GetContract returns one contract as the caller may read it
// (viewContractFor).
func (s *Service) GetContract(ctx context.Context, p auth.Principal, contractID string, minPosition uint64) (*monitoringv1.Contract, error) {
	var out *monitoringv1.Contract
	_, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		c := m.contracts[contractID]
		if c == nil || !m.canSeeContract(p, c) {
			return domainerr.Missing("contract", "there is no contract %s that you may see", contractID)
		}
		out = m.viewContractFor(p, c)
		return nil
	})
	return out, err
}
