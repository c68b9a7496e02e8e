package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/framework/domain"
)

// RemoveMemberCouncil removes a council from a framework's members.
func (s *Service) RemoveMemberCouncil(ctx context.Context, r Request, frameworkID string, laCode, reason string) (Result, error) {
	return s.run(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.RemoveMemberCouncil{Actor: a, Now: now, LACode: laCode, Reason: reason}
	})
}
