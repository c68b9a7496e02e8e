package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/framework/domain"
)

// ExpireFramework ends a framework whose term has run out.
func (s *Service) ExpireFramework(ctx context.Context, r Request, frameworkID string) (Result, error) {
	return s.run(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.ExpireFramework{Actor: a, Now: now}
	})
}
