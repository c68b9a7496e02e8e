package app

import (
	"context"
	"fmt"
	"strings"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// RiskLevelDurable names the framework service's durable consumer of
// monitoring's risk levels. It is part of every reaction's request id:
// never rename it, or past risk levels would be applied again.
const RiskLevelDurable = "framework-risk-levels"

// PolicySubject is the actor subject of the early-warning policy's decisions.
const PolicySubject = "service:framework"

var riskLevelChanged = string((&monitoringv1.RiskLevelChanged{}).ProtoReflect().Descriptor().FullName())

// followRiskLevels runs the reaction to monitoring's risk levels until ctx
// ends (bus.Follow starts the consumer again if it stops on an error).
func (s *Service) followRiskLevels(ctx context.Context) {
	bus.Follow(ctx, s.store, bus.Config{
		Durable:        RiskLevelDurable,
		FilterSubjects: []string{eventstore.AggregateFilter("monitoring", "risk")},
		Types:          []string{riskLevelChanged},
		Logger:         s.log,
	}, s.ReactToRiskLevel)
}

// ReactToRiskLevel applies the consortium's early-warning policy, as
// monitoring's RiskLevelChanged.action states it for a provider's own level,
// to every framework of the consortium: SUSPEND suspends the provider on
// its lots, REINSTATE lifts the suspensions the policy made. A setting's
// level and action NONE do nothing (lots admit providers, not settings).
// It is the bus handler, idempotent per event: a second delivery finds its
// reaction already committed (same request id) and changes nothing.
func (s *Service) ReactToRiskLevel(ctx context.Context, e eventstore.RecordedEvent) error {
	ev, ok := e.Event.(*monitoringv1.RiskLevelChanged)
	if !ok || ev.GetScope() != monitoringv1.RiskScope_RISK_SCOPE_PROVIDER {
		return nil
	}
	var suspend bool
	switch ev.GetAction() {
	case monitoringv1.RiskAction_RISK_ACTION_SUSPEND:
		suspend = true
	case monitoringv1.RiskAction_RISK_ACTION_REINSTATE:
	default:
		return nil
	}
	if ev.GetProviderId() == "" || ev.GetConsortium() == "" {
		s.log.Error("skipping a risk level without provider or consortium", zap.String("event_id", e.EventID))
		return nil
	}
	// The frameworks as of the event, not as of whenever the read model got to.
	if err := s.runner.WaitFor(ctx, e.Position); err != nil {
		return err
	}
	actor := eventstore.Actor{Subject: PolicySubject, Organisation: "consortium:" + ev.GetConsortium(), Role: domain.RoleConsortiumPolicy}
	meta := bus.ReactionMeta(RiskLevelDurable, e, actor)
	reason := riskReason(ev)
	for _, id := range s.model.frameworksOf(ev.GetConsortium()) {
		now := s.now()
		meta.OccurredAt = now
		_, err := s.repo.Handle(ctx, aggregate.Command[domain.State]{
			Stream: streamOf(id),
			Meta:   meta,
			Decide: func(st domain.State) ([]proto.Message, error) {
				return domain.Decide(st, domain.ApplyRiskAction{Actor: domain.NewActor(actor.Subject, actor.Organisation, actor.Role), Now: now,
					ProviderID: ev.GetProviderId(), Suspend: suspend, Reason: reason})
			},
		})
		if _, refused := domainerr.As(err); refused {
			// Retrying cannot change a refusal: record it and go on.
			s.log.Error("the early-warning policy was refused on a framework", zap.String("framework_id", id),
				zap.String("event_id", e.EventID), zap.Error(err))
			continue
		}
		if err != nil {
			return fmt.Errorf("framework %s: %w", id, err)
		}
	}
	return nil
}

// frameworksOf lists the frameworks of a consortium, oldest first.
func (m *ReadModel) frameworksOf(consortium string) []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []string
	for _, id := range m.order {
		if m.frameworks[id].fw.GetConsortium() == consortium {
			out = append(out, id)
		}
	}
	return out
}

// riskReason is the reason recorded with the decision, e.g. "early-warning
// policy: risk red for provider Acme Care Ltd (Financial warning …)".
func riskReason(ev *monitoringv1.RiskLevelChanged) string {
	who := ev.GetProviderName()
	if who == "" {
		who = ev.GetProviderId()
	}
	var details []string
	for _, r := range ev.GetReasons() {
		if d := strings.TrimSpace(r.GetDetail()); d != "" {
			details = append(details, d)
		}
	}
	out := "early-warning policy: risk " + riskLevelName(ev.GetTo()) + " for provider " + who
	if len(details) > 0 {
		out += " (" + strings.Join(details, "; ") + ")"
	}
	return out
}

func riskLevelName(l monitoringv1.RiskLevel) string {
	switch l {
	case monitoringv1.RiskLevel_RISK_LEVEL_GREEN:
		return "green"
	case monitoringv1.RiskLevel_RISK_LEVEL_AMBER:
		return "amber"
	case monitoringv1.RiskLevel_RISK_LEVEL_RED:
		return "red"
	}
	return "unknown"
}
