package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// RecordFeedback records feedback about a setting from a child, family or
// professional.
func (s *Service) RecordFeedback(ctx context.Context, r Request, urn string, from monitoringv1.FeedbackFrom, score uint32, themes []string, receivedOn string) (Result, error) {
	facts, _, err := s.visibleSettingFacts(ctx, r.Principal, urn)
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	return handleRequest(ctx, s.settings, r, stream(SettingAggregate, urn), now, func(st domain.SettingState) ([]proto.Message, error) {
		return domain.DecideFeedback(st, domain.RecordFeedback{Actor: actorOf(r), Now: now, Facts: facts, From: from, Score: score,
			Themes: themes, ReceivedOn: receivedOn})
	})
}
