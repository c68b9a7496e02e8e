package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// RecordPlacement puts a placement made outside the platform under
// monitoring; its contract id is derived from the request, so a retry
// names the same contract.
func (s *Service) RecordPlacement(ctx context.Context, r Request, consortium, settingURN, startDate, expectedEndDate string, weeklyPricePence int64, categoryID string) (Result, error) {
	facts, _, err := s.settingFacts(ctx, r.Principal, settingURN)
	if err != nil {
		return Result{}, err
	}
	s.model.mu.RLock()
	c := s.model.consortia[consortium]
	member := c != nil && c.members[r.Principal.OrgID()]
	s.model.mu.RUnlock()
	now := s.now()
	id := evidenceID("rp-", r)
	return handleRequest(ctx, s.contracts, r, stream(ContractAggregate, id), now, func(st domain.ContractState) ([]proto.Message, error) {
		return domain.DecideRecordPlacement(st, domain.RecordPlacement{Actor: actorOf(r), Now: now, ContractID: id, Facts: facts, Consortium: consortium,
			Member: member, StartDate: startDate, ExpectedEndDate: expectedEndDate, WeeklyPricePence: weeklyPricePence, CategoryID: categoryID})
	})
}
