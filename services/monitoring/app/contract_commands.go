package app

import (
	"context"
	"sync"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/demand/ssda903"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// reasonCodes is the SSDA903 reason-episode-ceased code list (data kept
// with the 903 reader in demand).
var reasonCodes = sync.OnceValue(func() []string {
	var out []string
	for _, c := range ssda903.Codes() {
		if c.List == "REC" {
			out = append(out, c.Code)
		}
	}
	return out
})

// EndPlacement records that a placement ended, with its SSDA903 reason.
func (s *Service) EndPlacement(ctx context.Context, r Request, q *monitoringv1.EndPlacementRequest) (Result, error) {
	now := s.now()
	return handle(ctx, s.contracts, stream(ContractAggregate, q.GetContractId()), r.Meta(now), func(st domain.ContractState) ([]proto.Message, error) {
		return domain.DecideEndPlacement(st, domain.EndPlacement{Actor: actorOf(r), Now: now, EndDate: q.GetEndDate(), ReasonCode: q.GetReasonCode(),
			Reason: q.GetReason(), ReasonCodes: reasonCodes()})
	})
}

// RecordOutcome records a placement's outcome scores at start or review.
func (s *Service) RecordOutcome(ctx context.Context, r Request, q *monitoringv1.RecordOutcomeRequest) (Result, error) {
	now := s.now()
	return handle(ctx, s.contracts, stream(ContractAggregate, q.GetContractId()), r.Meta(now), func(st domain.ContractState) ([]proto.Message, error) {
		return domain.DecideOutcome(st, domain.RecordOutcome{Actor: actorOf(r), Now: now, Point: q.GetPoint(), RecordedOn: q.GetRecordedOn(), Scores: q.GetScores()})
	})
}
