package app

import (
	"context"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// WithdrawReferral closes an open referral and every open offer on it.
func (s *Service) WithdrawReferral(ctx context.Context, r Request, referralID string, reason purchasingv1.ReferralWithdrawalReason, note string) (Result, error) {
	res, _, err := s.onReferral(ctx, r, referralID, func(a domain.Actor, now time.Time) domain.ReferralCommand {
		return domain.WithdrawReferral{Actor: a, Now: now, Reason: reason, Note: note}
	})
	return res, err
}
