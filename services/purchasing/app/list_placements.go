package app

import (
	"context"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ListPlacements lists awarded placements (the call-offs): a council its own,
// a provider its own, a consortium those through its DPSs.
func (s *Service) ListPlacements(ctx context.Context, p auth.Principal, dpsID string, minPosition uint64) (*purchasingv1.ListPlacementsResponse, error) {
	out := &purchasingv1.ListPlacementsResponse{}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		for _, pl := range m.placements {
			if dpsID != "" && pl.GetDpsId() != dpsID {
				continue
			}
			r := m.referrals[pl.GetReferralId()]
			if provider(p) != "" && provider(p) != pl.GetProviderId() || provider(p) == "" && !m.canSeeReferral(p, r) {
				continue
			}
			c := clone(pl)
			c.ProviderName = m.providerName(pl.GetProviderId())
			out.Placements = append(out.Placements, c)
		}
		return nil
	})
	out.Position = pos
	return out, err
}
