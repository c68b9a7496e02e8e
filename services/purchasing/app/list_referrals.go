package app

import (
	"context"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ListReferrals lists the referrals the caller may see, newest first: a
// council its own, a provider those sent to it, a consortium those through
// its DPSs.
func (s *Service) ListReferrals(ctx context.Context, p auth.Principal, status purchasingv1.ReferralStatus, dpsID string, minPosition uint64) (*purchasingv1.ListReferralsResponse, error) {
	out := &purchasingv1.ListReferralsResponse{}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		for i := len(m.referralOrder) - 1; i >= 0; i-- {
			r := m.referrals[m.referralOrder[i]]
			if !m.canSeeReferral(p, r) || (status != 0 && r.status != status) || (dpsID != "" && r.dpsID != dpsID) {
				continue
			}
			out.Referrals = append(out.Referrals, m.viewReferralFor(p, r))
		}
		return nil
	})
	out.Position = pos
	return out, err
}
