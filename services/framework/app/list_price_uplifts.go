package app

import (
	"context"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// ListPriceUplifts returns a framework's uplift requests: all of them to its
// consortium, member councils and auditors, a provider's own to that provider.
func (s *Service) ListPriceUplifts(ctx context.Context, p auth.Principal, frameworkID string, minPosition uint64) ([]*frameworkv1.PriceUplift, uint64, error) {
	var out []*frameworkv1.PriceUplift
	pos, err := s.readFramework(ctx, p, frameworkID, minPosition, func(v *frameworkView) error {
		provider := p.OrgKind() == "provider"
		if !provider && !canSeeGovernance(p, v.fw) {
			return domainerr.Forbidden("price uplifts of %s are for its consortium, member councils and the providers concerned", frameworkID)
		}
		for _, u := range v.uplifts {
			if !provider || u.GetProviderId() == p.OrgID() {
				out = append(out, s.model.uplift(u))
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, pos, nil
}
