package app

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// GetDecisionLog lists every decision on one monitoring stream, oldest
// first, with who, when, the correlation and the cause: the trail from a
// judgement to a risk level to purchasing's and framework's reactions.
func (s *Service) GetDecisionLog(ctx context.Context, p auth.Principal, aggregateName, id string, minPosition uint64) (*monitoringv1.GetDecisionLogResponse, error) {
	out := &monitoringv1.GetDecisionLogResponse{}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error { return m.canSeeLog(p, aggregateName, id) })
	if err != nil {
		return nil, err
	}
	sid, err := eventstore.NewStreamID(Context, aggregateName, id)
	if err != nil {
		return nil, domainerr.Field("id", "%q is not an id", id)
	}
	events, err := s.store.ReadStream(ctx, sid)
	if err != nil {
		return nil, err
	}
	for _, e := range events {
		name := string(e.Event.ProtoReflect().Descriptor().Name())
		out.Decisions = append(out.Decisions, &monitoringv1.Decision{
			Position: e.Position, Version: e.Version, OccurredAt: timestamppb.New(e.OccurredAt),
			Actor:    &monitoringv1.Actor{Subject: e.Actor.Subject, Organisation: e.Actor.Organisation, Role: e.Actor.Role},
			Decision: name, Summary: summarise(e.Event), EventId: e.EventID, CorrelationId: e.CorrelationID, CausationId: e.CausationID,
			RequestId: aggregate.ClientRequestID(e.RequestID),
		})
	}
	out.Position = pos
	return out, nil
}

func (m *ReadModel) canSeeLog(p auth.Principal, agg, id string) error {
	missing := domainerr.Missing(agg, "there is no %s %s that you may see", agg, id)
	if p.OrgKind() == auth.OrgPlatform {
		return nil
	}
	switch agg {
	case ContractAggregate:
		if c := m.contracts[id]; c != nil && m.canSeeContract(p, c) {
			return nil
		}
	case SettingAggregate:
		if s := m.settings[id]; s != nil && m.canSeeSetting(p, s) {
			return nil
		}
	case ProviderAggregate:
		if provider(p) == id || m.providerConsortia[id][lead(p)] {
			return nil
		}
	case PolicyAggregate:
		if c := m.consortia[id]; c != nil && (lead(p) == id || c.members[council(p)]) {
			return nil
		}
	case RiskAggregate:
		// Compose, never parse: the id must be exactly the one composed of
		// a consortium the caller belongs to and a provider it works with.
		for slug, c := range m.consortia {
			pid, ok := strings.CutPrefix(id, slug+eventstore.IDSeparator)
			if ok && domain.RiskID(slug, pid) == id && c.providers[pid] && (lead(p) == slug || c.members[council(p)] || provider(p) == pid) {
				return nil
			}
		}
	}
	return missing
}

// summarise is one line a governance panel can read.
func summarise(e any) string {
	switch e := e.(type) {
	case *monitoringv1.ContractStarted:
		return fmt.Sprintf("Contract %s started on %s with %s (%s)", e.GetContractId(), e.GetStartDate(), e.GetProviderId(), strings.ToLower(strings.TrimPrefix(e.GetKind().String(), "CONTRACT_KIND_")))
	case *monitoringv1.ContractEnded:
		return fmt.Sprintf("Contract %s ended on %s (%s)", e.GetContractId(), e.GetEndDate(), e.GetReasonCode())
	case *monitoringv1.OutcomeRecorded:
		return fmt.Sprintf("Outcomes recorded at %s on %s", strings.ToLower(strings.TrimPrefix(e.GetPoint().String(), "OUTCOME_POINT_")), e.GetRecordedOn())
	case *monitoringv1.MonitoringReturnSubmitted:
		late := "on time"
		if e.GetLate() {
			late = "late (due " + e.GetDueOn() + ")"
		}
		return fmt.Sprintf("Return for %s filed %s, revision %d", e.GetPeriod(), late, e.GetRevision())
	case *monitoringv1.OfstedJudgementRecorded:
		return fmt.Sprintf("Ofsted judgement %s on %s", strings.TrimPrefix(e.GetGrade().String(), "OFSTED_GRADE_"), e.GetInspectionDate())
	case *monitoringv1.QualityVisitRecorded:
		return fmt.Sprintf("Quality visit by council %s on %s: %s", e.GetCouncil(), e.GetVisitedOn(), strings.TrimPrefix(e.GetRating().String(), "VISIT_RATING_"))
	case *monitoringv1.IncidentNotified:
		return fmt.Sprintf("Incident notified: %s on %s", strings.TrimPrefix(e.GetType().String(), "INCIDENT_TYPE_"), e.GetOccurredOn())
	case *monitoringv1.FeedbackRecorded:
		return fmt.Sprintf("Feedback from %s scored %d", strings.TrimPrefix(e.GetFrom().String(), "FEEDBACK_FROM_"), e.GetScore())
	case *monitoringv1.FinancialWarningRaised:
		return fmt.Sprintf("Financial warning level %d raised", e.GetLevel())
	case *monitoringv1.FinancialWarningWithdrawn:
		return "Financial warning withdrawn: " + e.GetReason()
	case *monitoringv1.RiskPolicySet:
		return fmt.Sprintf("Early-warning policy set: %d indicators, suspend on red %t", len(e.GetIndicators()), e.GetSuspendOnRed())
	case *monitoringv1.RiskLevelChanged:
		what := "provider " + e.GetProviderId()
		if e.GetSettingUrn() != "" {
			what = "setting " + e.GetSettingUrn()
		}
		told := fmt.Sprintf("%d councils told", len(e.GetNotifiedCouncils()))
		if len(e.GetNotifiedCouncils()) == 1 {
			told = "1 council told"
		}
		return fmt.Sprintf("Risk for %s moved from %s to %s; action %s; %s", what, level(e.GetFrom()), level(e.GetTo()),
			strings.ToLower(strings.TrimPrefix(e.GetAction().String(), "RISK_ACTION_")), told)
	}
	return ""
}

func level(l monitoringv1.RiskLevel) string {
	return strings.ToLower(strings.TrimPrefix(l.String(), "RISK_LEVEL_"))
}
