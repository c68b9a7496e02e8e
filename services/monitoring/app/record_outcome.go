package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// RecordOutcome records a placement's outcome scores at start or review.
func (s *Service) RecordOutcome(ctx context.Context, r Request, contractID string, point monitoringv1.OutcomePoint, recordedOn string, scores *monitoringv1.OutcomeScores) (Result, error) {
	if err := s.visibleContract(ctx, r.Principal, contractID); err != nil {
		return Result{}, err
	}
	now := s.now()
	return handleRequest(ctx, s.contracts, r, stream(ContractAggregate, contractID), now, func(st domain.ContractState) ([]proto.Message, error) {
		return domain.DecideOutcome(st, domain.RecordOutcome{Actor: actorOf(r), Now: now, Point: point, RecordedOn: recordedOn, Scores: scores})
	})
}
