package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// WithdrawNeedsReturn withdraws one submission of the caller's council's
// return for a date; the aggregates then use the latest one not withdrawn.
// Only the caller's own council's stream is ever loaded.
func (s *Service) WithdrawNeedsReturn(ctx context.Context, r Request, q *demandv1.WithdrawNeedsReturnRequest) (Result, error) {
	stream := eventstore.StreamID{Context: Context, Aggregate: ReturnAggregate, ID: domain.ReturnID(r.Principal.OrgID(), q.GetAsAt())}
	return handle(ctx, s.returns, stream, r.Meta(s.now()), func(st domain.ReturnState) ([]proto.Message, error) {
		return domain.DecideWithdrawal(st, domain.WithdrawNeedsReturn{Actor: actorOf(r), Council: q.GetCouncil(), AsAt: q.GetAsAt(),
			Submission: q.GetSubmission(), Reason: q.GetReason()})
	})
}
