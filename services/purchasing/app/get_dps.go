package app

import (
	"context"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// GetDps returns a DPS with its membership. A DPS is a published notice:
// everyone sees its terms and admitted providers; its consortium and the
// platform also see applications, rejections, suspensions and removals, and a
// provider its own.
func (s *Service) GetDps(ctx context.Context, p auth.Principal, dpsID string, minPosition uint64) (*purchasingv1.DpsView, error) {
	var out *purchasingv1.DpsView
	_, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		d := m.dps[dpsID]
		if d == nil {
			return notFound("DPS", dpsID)
		}
		out = &purchasingv1.DpsView{DpsId: d.id, Consortium: d.consortium, Terms: clone(d.terms), Status: d.status, Version: d.version}
		for _, mem := range d.order {
			if d.members[mem.provider][mem.category] != mem {
				continue // superseded by a later application
			}
			if !runsDps(p, d) && provider(p) != mem.provider && mem.status != purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_ADMITTED {
				continue
			}
			out.Memberships = append(out.Memberships, &purchasingv1.Membership{ProviderId: mem.provider, ProviderName: m.providerName(mem.provider),
				CategoryId: mem.category, Status: mem.status, Since: mem.since})
		}
		return nil
	})
	return out, err
}
