package app

import (
	"context"
	"strconv"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ListReferrals lists the referrals the caller may see, newest first, a
// page at a time: a council its own, a provider those sent to it, a
// consortium those through its DPSs. Lists carry no matches (an open
// referral's are hundreds; GetReferral gives them), so a page stays small
// whatever the history. The page token is the place in the order
// referrals were made where the next page starts, which no later referral
// moves.
func (s *Service) ListReferrals(ctx context.Context, p auth.Principal, status purchasingv1.ReferralStatus, dpsID string, pageSize uint32, pageToken string, minPosition uint64) (*purchasingv1.ListReferralsResponse, error) {
	from, pageSize, err := pageArgs(pageSize, pageToken, -1)
	if err != nil {
		return nil, err
	}
	out := &purchasingv1.ListReferralsResponse{}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		i := len(m.referralOrder) - 1
		if from >= 0 && from < i {
			i = from
		}
		for ; i >= 0; i-- {
			r := m.referrals[m.referralOrder[i]]
			if !m.canSeeReferral(p, r) || (status != 0 && r.status != status) || (dpsID != "" && r.dpsID != dpsID) {
				continue
			}
			if len(out.Referrals) == int(pageSize) {
				out.NextPageToken = strconv.Itoa(i)
				break
			}
			out.Referrals = append(out.Referrals, m.referralView(p, r, false))
		}
		return nil
	})
	out.Position = pos
	return out, err
}
