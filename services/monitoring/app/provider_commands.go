package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// RaiseFinancialWarning records a provider's warning of financial
// difficulty; every consortium it works with re-assesses it.
func (s *Service) RaiseFinancialWarning(ctx context.Context, r Request, q *monitoringv1.RaiseFinancialWarningRequest) (Result, error) {
	now := s.now()
	return handle(ctx, s.providers, stream(ProviderAggregate, r.Principal.OrgID()), r.Meta(now), func(st domain.ProviderState) ([]proto.Message, error) {
		return domain.DecideRaiseWarning(st, domain.RaiseWarning{Actor: actorOf(r), Now: now, Level: q.GetLevel(), Summary: q.GetSummary()})
	})
}

// WithdrawFinancialWarning lifts the provider's warning.
func (s *Service) WithdrawFinancialWarning(ctx context.Context, r Request, q *monitoringv1.WithdrawFinancialWarningRequest) (Result, error) {
	return handle(ctx, s.providers, stream(ProviderAggregate, r.Principal.OrgID()), r.Meta(s.now()), func(st domain.ProviderState) ([]proto.Message, error) {
		return domain.DecideWithdrawWarning(st, domain.WithdrawWarning{Actor: actorOf(r), Reason: q.GetReason()})
	})
}

// SetRiskPolicy records the consortium's early-warning policy; every
// provider it works with is re-assessed under it.
func (s *Service) SetRiskPolicy(ctx context.Context, r Request, q *monitoringv1.SetRiskPolicyRequest) (Result, error) {
	return handle(ctx, s.policies, stream(PolicyAggregate, r.Principal.OrgID()), r.Meta(s.now()), func(st domain.PolicyState) ([]proto.Message, error) {
		return domain.DecidePolicy(st, domain.SetPolicy{Actor: actorOf(r), Indicators: q.GetIndicators(), SuspendOnRed: q.GetSuspendOnRed(),
			DueWorkingDays: q.GetReturnDueWorkingDays(), Reason: q.GetReason()})
	})
}
