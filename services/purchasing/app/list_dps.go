package app

import (
	"context"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ListDps lists DPSs, of one consortium or all.
func (s *Service) ListDps(ctx context.Context, _ auth.Principal, consortium string, minPosition uint64) (*purchasingv1.ListDpsResponse, error) {
	out := &purchasingv1.ListDpsResponse{}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		for _, id := range m.dpsOrder {
			d := m.dps[id]
			if consortium != "" && d.consortium != consortium {
				continue
			}
			sum := &purchasingv1.DpsSummary{DpsId: id, Consortium: d.consortium, Title: d.terms.GetTitle(), Status: d.status}
			for _, c := range d.terms.GetCategories() {
				sum.CategoryIds = append(sum.CategoryIds, c.GetId())
			}
			for _, cats := range d.members {
				for _, mem := range cats {
					if mem.status == purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_ADMITTED {
						sum.AdmittedProviders++
						break
					}
				}
			}
			out.Dps = append(out.Dps, sum)
		}
		return nil
	})
	out.Position = pos
	return out, err
}
