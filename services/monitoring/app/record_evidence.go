package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// Quality evidence about a setting: Ofsted judgements, quality visits,
// notified incidents and feedback. Each goes on the setting's stream.

// evidenceID names a visit or an incident after the request that recorded
// it, so a retried request names the same one.
func evidenceID(prefix string, r Request) string {
	sum := sha256.Sum256([]byte(r.Key()))
	return prefix + hex.EncodeToString(sum[:8])
}

// RecordOfstedJudgement records an inspection's judgement, as published by
// Ofsted (the platform's feed).
func (s *Service) RecordOfstedJudgement(ctx context.Context, r Request, q *monitoringv1.RecordOfstedJudgementRequest) (Result, error) {
	facts, _, err := s.visibleSettingFacts(ctx, r.Principal, q.GetUrn())
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	return handle(ctx, s.settings, stream(SettingAggregate, q.GetUrn()), r.Meta(now), func(st domain.SettingState) ([]proto.Message, error) {
		return domain.DecideOfsted(st, domain.RecordOfsted{Actor: actorOf(r), Now: now, Facts: facts, Grade: q.GetGrade(), InspectionDate: q.GetInspectionDate(), InspectionType: q.GetInspectionType()})
	})
}

// RecordQualityVisit records a quality-assurance visit by a placing council
// or by the lead of a consortium the provider works with.
func (s *Service) RecordQualityVisit(ctx context.Context, r Request, q *monitoringv1.RecordQualityVisitRequest) (Result, error) {
	facts, _, err := s.visibleSettingFacts(ctx, r.Principal, q.GetUrn())
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	return handle(ctx, s.settings, stream(SettingAggregate, q.GetUrn()), r.Meta(now), func(st domain.SettingState) ([]proto.Message, error) {
		return domain.DecideVisit(st, domain.RecordVisit{Actor: actorOf(r), Now: now, Facts: facts, VisitID: evidenceID("qa-", r), VisitedOn: q.GetVisitedOn(),
			Rating: q.GetRating(), Findings: q.GetFindings(), Actions: q.GetActions(), FollowUpOn: q.GetFollowUpOn()})
	})
}

// NotifyIncident records a provider's notification of an incident.
func (s *Service) NotifyIncident(ctx context.Context, r Request, q *monitoringv1.NotifyIncidentRequest) (Result, error) {
	facts, _, err := s.visibleSettingFacts(ctx, r.Principal, q.GetUrn())
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	return handle(ctx, s.settings, stream(SettingAggregate, q.GetUrn()), r.Meta(now), func(st domain.SettingState) ([]proto.Message, error) {
		return domain.DecideIncident(st, domain.NotifyIncident{Actor: actorOf(r), Now: now, Facts: facts, IncidentID: evidenceID("inc-", r),
			Type: q.GetType(), OccurredOn: q.GetOccurredOn(), Summary: q.GetSummary()})
	})
}

// RecordFeedback records feedback from a child, family or professional.
func (s *Service) RecordFeedback(ctx context.Context, r Request, q *monitoringv1.RecordFeedbackRequest) (Result, error) {
	facts, _, err := s.visibleSettingFacts(ctx, r.Principal, q.GetUrn())
	if err != nil {
		return Result{}, err
	}
	now := s.now()
	return handle(ctx, s.settings, stream(SettingAggregate, q.GetUrn()), r.Meta(now), func(st domain.SettingState) ([]proto.Message, error) {
		return domain.DecideFeedback(st, domain.RecordFeedback{Actor: actorOf(r), Now: now, Facts: facts, From: q.GetFrom(), Score: q.GetScore(),
			Themes: q.GetThemes(), ReceivedOn: q.GetReceivedOn()})
	})
}
