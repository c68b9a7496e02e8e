package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// SetRiskPolicy records the consortium's early-warning policy; every
// provider it works with is re-assessed under it.
func (s *Service) SetRiskPolicy(ctx context.Context, r Request, indicators []*monitoringv1.IndicatorRule, suspendOnRed bool, returnDueWorkingDays uint32, reason string) (Result, error) {
	return handleRequest(ctx, s.policies, r, stream(PolicyAggregate, r.Principal.OrgID()), s.now(), func(st domain.PolicyState) ([]proto.Message, error) {
		return domain.DecidePolicy(st, domain.SetPolicy{Actor: actorOf(r), Indicators: indicators, SuspendOnRed: suspendOnRed,
			DueWorkingDays: returnDueWorkingDays, Reason: reason})
	})
}
