package app

import (
	"context"
	"fmt"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// GetReferral returns a referral as the caller may see it
// (viewReferralFor). A referral the model keeps in summary (closed more
// than closedHeld ago) is read whole from its stream: who may see it is
// decided first, from the summary, so the store is read only for them.
func (s *Service) GetReferral(ctx context.Context, p auth.Principal, referralID string, minPosition uint64) (*purchasingv1.ReferralView, error) {
	var (
		out     *purchasingv1.ReferralView
		version uint64
	)
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		r := m.referrals[referralID]
		if r == nil || !m.canSeeReferral(p, r) {
			return notFound("referral", referralID)
		}
		if r.archived {
			version = r.version
			return nil
		}
		out = m.viewReferralFor(p, r)
		return nil
	})
	if err != nil || out != nil {
		return out, err
	}
	events, err := s.readStreamAt(ctx, referralStream(referralID), version)
	if err != nil {
		return nil, err
	}
	s.model.mu.RLock()
	defer s.model.mu.RUnlock()
	t, r := s.model.wholeReferral(referralID, events, pos)
	if r == nil {
		return nil, fmt.Errorf("referral %s: its stream up to position %d does not create it", referralID, pos)
	}
	return t.viewReferralFor(p, r), nil
}
