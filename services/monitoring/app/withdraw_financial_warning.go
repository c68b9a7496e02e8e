package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// WithdrawFinancialWarning lifts the provider's warning.
func (s *Service) WithdrawFinancialWarning(ctx context.Context, r Request, reason string) (Result, error) {
	return handleRequest(ctx, s.providers, r, stream(ProviderAggregate, r.Principal.OrgID()), s.now(), func(st domain.ProviderState) ([]proto.Message, error) {
		return domain.DecideWithdrawWarning(st, domain.WithdrawWarning{Actor: actorOf(r), Reason: reason})
	})
}
