package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/framework/domain"
)

// ExtendFramework uses the framework's next extension option.
func (s *Service) ExtendFramework(ctx context.Context, r Request, frameworkID string, reason string) (Result, error) {
	return s.run(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.ExtendFramework{Actor: a, Now: now, Reason: reason}
	})
}
