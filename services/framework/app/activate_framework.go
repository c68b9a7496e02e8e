package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/framework/domain"
)

// ActivateFramework puts an awarded framework into use.
func (s *Service) ActivateFramework(ctx context.Context, r Request, frameworkID string, reason string) (Result, error) {
	return s.run(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.ActivateFramework{Actor: a, Now: now, Reason: reason}
	})
}
