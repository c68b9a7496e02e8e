package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// WithdrawNeedsReturn withdraws one submission of the caller's council's
// return for a date; the aggregates then use the latest one not withdrawn.
// Only the caller's own council's stream is ever loaded.
func (s *Service) WithdrawNeedsReturn(ctx context.Context, r Request, council, asAt string, submission uint32, reason string) (Result, error) {
	stream := eventstore.StreamID{Context: Context, Aggregate: ReturnAggregate, ID: domain.ReturnID(r.Principal.OrgID(), asAt)}
	return handle(ctx, s.returns, r, stream, s.now(), func(st domain.ReturnState) ([]proto.Message, error) {
		return domain.DecideWithdrawal(st, domain.WithdrawNeedsReturn{Actor: actorOf(r), Council: council, AsAt: asAt,
			Submission: submission, Reason: reason})
	})
}
