package app

import (
	"context"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/ssda903"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// reasonCodes is the SSDA903 reason-episode-ceased code list (the kit's
// 903 code lists).
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
func (s *Service) EndPlacement(ctx context.Context, r Request, contractID, endDate, reasonCode, reason string) (Result, error) {
	if err := s.visibleContract(ctx, r.Principal, contractID); err != nil {
		return Result{}, err
	}
	now := s.now()
	return handleRequest(ctx, s.contracts, r, stream(ContractAggregate, contractID), now, func(st domain.ContractState) ([]proto.Message, error) {
		return domain.DecideEndPlacement(st, domain.EndPlacement{Actor: actorOf(r), Now: now, EndDate: endDate, ReasonCode: reasonCode,
			Reason: reason, ReasonCodes: reasonCodes()})
	})
}
