package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// SubmitMonitoringReturn files a provider's monthly return for one of its
// settings, once for every council that places there.
func (s *Service) SubmitMonitoringReturn(ctx context.Context, r Request, q *monitoringv1.SubmitMonitoringReturnRequest) (Result, error) {
	facts, due, err := s.visibleSettingFacts(ctx, r.Principal, q.GetUrn())
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	return handle(ctx, s.settings, stream(SettingAggregate, q.GetUrn()), r.Meta(now), func(st domain.SettingState) ([]proto.Message, error) {
		return domain.DecideReturn(st, domain.SubmitReturn{Actor: actorOf(r), Now: now, Facts: facts, Period: q.GetPeriod(),
			Figures: q.GetFigures(), Correction: q.GetCorrection(), DueWorkingDays: due})
	})
}
