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
// kept). A request naming another council ("" names the caller's) is
// refused; source "" is "api".
func (s *Service) SubmitNeedsReturn(ctx context.Context, r Request, council, asAt string, cells []*demandv1.NeedsCell, transitions *demandv1.Transitions,
	costs []*demandv1.WeeklyCost, forecasts []*demandv1.CouncilForecast, source string) (Result, error) {
	now := s.now()
	stream := eventstore.StreamID{Context: Context, Aggregate: ReturnAggregate, ID: domain.ReturnID(r.Principal.OrgID(), asAt)}
	if source == "" {
		source = "api"
	}
	return handle(ctx, s.returns, r, stream, now, func(st domain.ReturnState) ([]proto.Message, error) {
		return domain.DecideReturn(st, domain.SubmitNeedsReturn{Actor: actorOf(r), Now: now, Council: council, AsAt: asAt, Cells: cells,
			Transitions: transitions, Costs: costs, Forecasts: forecasts, Source: source,
			LegalStatuses: legalStatuses()})
	})
}
