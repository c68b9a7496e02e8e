package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// RecordQualityVisit records a quality-assurance visit to a setting by a
// placing council or by the lead of a consortium the provider works with.
func (s *Service) RecordQualityVisit(ctx context.Context, r Request, urn, visitedOn string, rating monitoringv1.VisitRating, findings string,
	actions []*monitoringv1.VisitAction, followUpOn string) (Result, error) {
	facts, _, err := s.visibleSettingFacts(ctx, r.Principal, urn)
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	return handleRequest(ctx, s.settings, r, stream(SettingAggregate, urn), now, func(st domain.SettingState) ([]proto.Message, error) {
		return domain.DecideVisit(st, domain.RecordVisit{Actor: actorOf(r), Now: now, Facts: facts, VisitID: evidenceID("qa-", r), VisitedOn: visitedOn,
			Rating: rating, Findings: findings, Actions: actions, FollowUpOn: followUpOn})
	})
}
