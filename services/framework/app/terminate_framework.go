package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/framework/domain"
)

// TerminateFramework ends a framework early.
func (s *Service) TerminateFramework(ctx context.Context, r Request, frameworkID string, reason string) (Result, error) {
	return s.run(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.TerminateFramework{Actor: a, Now: now, Reason: reason}
	})
}
