package app

import (
	"context"
	"time"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
)

// AmendFramework replaces the terms of a draft framework.
func (s *Service) AmendFramework(ctx context.Context, r Request, frameworkID string, terms *frameworkv1.FrameworkTerms, reason string) (Result, error) {
	return s.run(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.AmendFramework{Actor: a, Now: now, Terms: terms, Reason: reason}
	})
}
