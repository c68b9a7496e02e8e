package app

import (
	"context"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// DeclineReferral is a matched provider's "no", with a reason code.
func (s *Service) DeclineReferral(ctx context.Context, r Request, referralID string, reason purchasingv1.DeclineReason, note string) (Result, error) {
	res, _, err := s.onReferral(ctx, r, referralID, func(a domain.Actor, now time.Time) domain.ReferralCommand {
		return domain.DeclineReferral{Actor: a, Now: now, Reason: reason, Note: note}
	})
	return res, err
}
