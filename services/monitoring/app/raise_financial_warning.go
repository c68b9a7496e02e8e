package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// RaiseFinancialWarning records a provider's warning of financial
// difficulty; every consortium it works with re-assesses it.
func (s *Service) RaiseFinancialWarning(ctx context.Context, r Request, level uint32, summary string) (Result, error) {
	now := s.now()
	return handleRequest(ctx, s.providers, r, stream(ProviderAggregate, r.Principal.OrgID()), now, func(st domain.ProviderState) ([]proto.Message, error) {
		return domain.DecideRaiseWarning(st, domain.RaiseWarning{Actor: actorOf(r), Now: now, Level: level, Summary: summary})
	})
}
