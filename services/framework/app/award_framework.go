package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/framework/domain"
)

// AwardFramework admits the named providers to lots, ranked by total score,
// and starts the standstill from the day the contract award notice was
// published (noticePublishedOn, YYYY-MM-DD; "" = today).
func (s *Service) AwardFramework(ctx context.Context, r Request, frameworkID string, lots []domain.LotAwardDecision, reason, noticePublishedOn string) (Result, error) {
	return s.run(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.AwardFramework{Actor: a, Now: now, Lots: lots, Reason: reason, NoticePublishedOn: noticePublishedOn}
	})
}
