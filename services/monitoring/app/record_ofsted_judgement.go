package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// RecordOfstedJudgement records an inspection's judgement of a setting, as
// published by Ofsted (the platform's feed).
func (s *Service) RecordOfstedJudgement(ctx context.Context, r Request, urn string, grade purchasingv1.OfstedGrade, inspectionDate, inspectionType string) (Result, error) {
	facts, _, err := s.visibleSettingFacts(ctx, r.Principal, urn)
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	return handleRequest(ctx, s.settings, r, stream(SettingAggregate, urn), now, func(st domain.SettingState) ([]proto.Message, error) {
		return domain.DecideOfsted(st, domain.RecordOfsted{Actor: actorOf(r), Now: now, Facts: facts, Grade: grade, InspectionDate: inspectionDate, InspectionType: inspectionType})
	})
}
