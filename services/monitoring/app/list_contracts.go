package app

import (
	"context"
	"sort"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ListContracts lists the contracts the caller may see: a lead its
// consortium's, a council its placements and the frameworks it may call
// off, a provider its own, the platform any; filtered as asked.
func (s *Service) ListContracts(ctx context.Context, p auth.Principal, consortium, providerID, settingURN string, liveOnly bool, minPosition uint64) (*monitoringv1.ListContractsResponse, error) {
	out := &monitoringv1.ListContractsResponse{}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		for _, c := range m.contracts {
			switch {
			case !m.canSeeContract(p, c),
				consortium != "" && c.consortium.String() != consortium,
				providerID != "" && c.provider.String() != providerID,
				settingURN != "" && c.setting.String() != settingURN,
				liveOnly && c.ended:
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
