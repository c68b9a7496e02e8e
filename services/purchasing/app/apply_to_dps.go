package app

import (
	"context"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// ApplyToDps is a provider's request to participate in categories of a DPS;
// the profile it registered once is what the consortium reads.
func (s *Service) ApplyToDps(ctx context.Context, r Request, dpsID, providerID string, categories []string, answers []*purchasingv1.CriterionAnswer) (Result, error) {
	facts, err := s.providerFacts(ctx, providerID, s.now())
	if err != nil {
		return Result{}, err
	}
	return s.onDps(ctx, r, dpsID, func(a domain.Actor, now time.Time) domain.DpsCommand {
		return domain.ApplyToDps{Actor: a, Now: now, ProviderID: providerID, Provider: facts, CategoryIDs: categories, Answers: answers}
	})
}
