package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// SubmitMonitoringReturn files a provider's monthly return for one of its
// settings, once for every council that places there.
func (s *Service) SubmitMonitoringReturn(ctx context.Context, r Request, urn, period string, figures *monitoringv1.ReturnFigures, correction bool) (Result, error) {
	facts, due, err := s.visibleSettingFacts(ctx, r.Principal, urn)
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	return handleRequest(ctx, s.settings, r, stream(SettingAggregate, urn), now, func(st domain.SettingState) ([]proto.Message, error) {
		return domain.DecideReturn(st, domain.SubmitReturn{Actor: actorOf(r), Now: now, Facts: facts, Period: period,
			Figures: figures, Correction: correction, DueWorkingDays: due})
	})
}
