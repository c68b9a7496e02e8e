package app

import (
	"context"
	"sort"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// ListContracts lists the contracts the caller may see: a lead its
// consortium's, a council its placements and the frameworks it may call
// off, a provider its own, the platform any; filtered as asked.
func (s *Service) ListContracts(ctx context.Context, p auth.Principal, q *monitoringv1.ListContractsRequest) (*monitoringv1.ListContractsResponse, error) {
	out := &monitoringv1.ListContractsResponse{}
	pos, err := s.read(ctx, q.GetMinPosition(), func(m *ReadModel) error {
		for _, c := range m.contracts {
			switch {
			case !m.canSeeContract(p, c),
				q.GetConsortium() != "" && c.c.GetConsortium() != q.GetConsortium(),
				q.GetProviderId() != "" && c.c.GetProviderId() != q.GetProviderId(),
				q.GetSettingUrn() != "" && c.c.GetSettingUrn() != q.GetSettingUrn(),
				q.GetLiveOnly() && c.ended != nil:
				continue
			}
			out.Contracts = append(out.Contracts, m.viewContractFor(p, c))
		}
		sort.Slice(out.Contracts, func(i, j int) bool {
			a, b := out.Contracts[i], out.Contracts[j]
			if a.GetStartDate() != b.GetStartDate() {
				return a.GetStartDate() > b.GetStartDate()
			}
			return a.GetContractId() < b.GetContractId()
		})
		return nil
	})
	out.Position = pos
	return out, err
}

// GetContract returns one contract as the caller may read it
// (viewContractFor).
func (s *Service) GetContract(ctx context.Context, p auth.Principal, q *monitoringv1.GetContractRequest) (*monitoringv1.Contract, error) {
	var out *monitoringv1.Contract
	_, err := s.read(ctx, q.GetMinPosition(), func(m *ReadModel) error {
		c := m.contracts[q.GetContractId()]
		if c == nil || !m.canSeeContract(p, c) {
			return domainerr.Missing("contract", "there is no contract %s that you may see", q.GetContractId())
		}
		out = m.viewContractFor(p, c)
		return nil
	})
	return out, err
}
