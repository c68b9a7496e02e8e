package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// SubmitNeedsReturn records the caller's council's counts as at a date; a
// later submission for the same date supersedes the earlier one (both are
// kept). A request naming another council is refused.
func (s *Service) SubmitNeedsReturn(ctx context.Context, r Request, q *demandv1.SubmitNeedsReturnRequest) (Result, error) {
	now := s.now()
	stream := eventstore.StreamID{Context: Context, Aggregate: ReturnAggregate, ID: domain.ReturnID(r.Principal.OrgID(), q.GetAsAt())}
	source := q.GetSource()
	if source == "" {
		source = "api"
	}
	return handle(ctx, s.returns, stream, r.Meta(now), func(st domain.ReturnState) ([]proto.Message, error) {
		return domain.DecideReturn(st, domain.SubmitNeedsReturn{Actor: actorOf(r), Now: now, Council: q.GetCouncil(), AsAt: q.GetAsAt(), Cells: q.GetCells(),
			Transitions: q.GetTransitions(), Costs: q.GetCosts(), Forecasts: q.GetForecasts(), Source: source,
			LegalStatuses: legalStatuses()})
	})
}
