package app

import (
	"context"
	"sync"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/ssda903"
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

// RecordPlacement puts a placement made outside the platform under
// monitoring; its contract id is derived from the request, so a retry
// names the same contract.
func (s *Service) RecordPlacement(ctx context.Context, r Request, q *monitoringv1.RecordPlacementRequest) (Result, error) {
	facts, _, err := s.settingFacts(ctx, r.Principal, q.GetSettingUrn())
	if err != nil {
		return Result{}, err
	}
	s.model.mu.RLock()
	c := s.model.consortia[q.GetConsortium()]
	member := c != nil && c.members[r.Principal.OrgID()]
	s.model.mu.RUnlock()
	now := s.now()
	id := evidenceID("rp-", r)
	return handle(ctx, s.contracts, stream(ContractAggregate, id), r.Meta(now), func(st domain.ContractState) ([]proto.Message, error) {
		return domain.DecideRecordPlacement(st, domain.RecordPlacement{Actor: actorOf(r), Now: now, ContractID: id, Facts: facts, Consortium: q.GetConsortium(),
			Member: member, StartDate: q.GetStartDate(), ExpectedEndDate: q.GetExpectedEndDate(), WeeklyPricePence: q.GetWeeklyPricePence(), CategoryID: q.GetCategoryId()})
	})
}

// EndPlacement records that a placement ended, with its SSDA903 reason.
func (s *Service) EndPlacement(ctx context.Context, r Request, q *monitoringv1.EndPlacementRequest) (Result, error) {
	if err := s.visibleContract(ctx, r.Principal, q.GetContractId()); err != nil {
		return Result{}, err
	}
	now := s.now()
	return handle(ctx, s.contracts, stream(ContractAggregate, q.GetContractId()), r.Meta(now), func(st domain.ContractState) ([]proto.Message, error) {
		return domain.DecideEndPlacement(st, domain.EndPlacement{Actor: actorOf(r), Now: now, EndDate: q.GetEndDate(), ReasonCode: q.GetReasonCode(),
			Reason: q.GetReason(), ReasonCodes: reasonCodes()})
	})
}

// RecordOutcome records a placement's outcome scores at start or review.
func (s *Service) RecordOutcome(ctx context.Context, r Request, q *monitoringv1.RecordOutcomeRequest) (Result, error) {
	if err := s.visibleContract(ctx, r.Principal, q.GetContractId()); err != nil {
		return Result{}, err
	}
	now := s.now()
	return handle(ctx, s.contracts, stream(ContractAggregate, q.GetContractId()), r.Meta(now), func(st domain.ContractState) ([]proto.Message, error) {
		return domain.DecideOutcome(st, domain.RecordOutcome{Actor: actorOf(r), Now: now, Point: q.GetPoint(), RecordedOn: q.GetRecordedOn(), Scores: q.GetScores()})
	})
}
