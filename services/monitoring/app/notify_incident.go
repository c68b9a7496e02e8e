package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// NotifyIncident records a provider's notification of an incident at one
// of its settings.
func (s *Service) NotifyIncident(ctx context.Context, r Request, urn string, incidentType monitoringv1.IncidentType, occurredOn, summary string) (Result, error) {
	facts, _, err := s.visibleSettingFacts(ctx, r.Principal, urn)
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	return handleRequest(ctx, s.settings, r, stream(SettingAggregate, urn), now, func(st domain.SettingState) ([]proto.Message, error) {
		return domain.DecideIncident(st, domain.NotifyIncident{Actor: actorOf(r), Now: now, Facts: facts, IncidentID: evidenceID("inc-", r),
			Type: incidentType, OccurredOn: occurredOn, Summary: summary})
	})
}
