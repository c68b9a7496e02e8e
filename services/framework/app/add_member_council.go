package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/framework/domain"
)

// AddMemberCouncil adds a council to a framework's members.
func (s *Service) AddMemberCouncil(ctx context.Context, r Request, frameworkID string, laCode, reason string) (Result, error) {
	return s.run(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.AddMemberCouncil{Actor: a, Now: now, LACode: laCode, Reason: reason}
	})
}
