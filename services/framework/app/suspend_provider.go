package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/framework/domain"
)

// SuspendProvider stops a provider from taking work on a lot (e.g. after an Inadequate Ofsted judgement).
func (s *Service) SuspendProvider(ctx context.Context, r Request, frameworkID string, lotID, providerID, reason string) (Result, error) {
	return s.run(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.SuspendProvider{Actor: a, Now: now, LotID: lotID, ProviderID: providerID, Reason: reason}
	})
}
