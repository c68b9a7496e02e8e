package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// AdmitProvider admits an applicant to one category; an expired
// accreditation on its profile blocks it.
func (s *Service) AdmitProvider(ctx context.Context, r Request, dpsID, providerID, categoryID, reason string) (Result, error) {
	facts, err := s.providerFacts(ctx, providerID, s.now())
	if err != nil {
		return Result{}, err
	}
	return s.onDps(ctx, r, dpsID, func(a domain.Actor, now time.Time) domain.DpsCommand {
		return domain.AdmitProvider{Actor: a, Now: now, ProviderID: providerID, Provider: facts, CategoryID: categoryID, Reason: reason}
	})
}
