package app

import (
	"context"
	"fmt"
	"strings"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// RiskLevelDurable names purchasing's durable consumer of monitoring's risk
// levels. It is part of every reaction's request id: never rename it, or
// past risk levels would be applied again.
const RiskLevelDurable = "purchasing-risk-levels"

// PolicySubject is the actor subject of the early-warning policy's decisions.
const PolicySubject = "service:purchasing"

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
// monitoring's RiskLevelChanged.action states it, to every DPS of the
// consortium: SUSPEND stops the setting (or every setting of the provider)
// being matched to new referrals, REINSTATE lifts that; NONE does nothing.
// It is the bus handler, idempotent per event: a second delivery finds its
// reaction already committed (same request id) and changes nothing.
func (s *Service) ReactToRiskLevel(ctx context.Context, e eventstore.RecordedEvent) error {
	ev, ok := e.Event.(*monitoringv1.RiskLevelChanged)
	if !ok {
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
	urn := ev.GetSettingUrn()
	switch {
	case ev.GetScope() == monitoringv1.RiskScope_RISK_SCOPE_PROVIDER:
		urn = ""
	case urn == "":
		// A setting's level without its setting: never widen it to the provider.
		s.log.Error("skipping a setting risk level without a setting", zap.String("event_id", e.EventID))
		return nil
	}
	// The DPSs as of the event, not as of whenever the read model got to.
	if err := s.runner.WaitFor(ctx, e.Position); err != nil {
		return err
	}
	actor := eventstore.Actor{Subject: PolicySubject, Organisation: "consortium:" + ev.GetConsortium(), Role: domain.RoleConsortiumPolicy}
	meta := bus.ReactionMeta(RiskLevelDurable, e, actor)
	reason, level := riskReason(ev), riskLevelName(ev.GetTo())
	for _, id := range s.model.dpsOf(ev.GetConsortium()) {
		now := s.now()
		meta.OccurredAt = now
		_, err := s.dps.Handle(ctx, aggregate.Command[domain.DpsState]{
			Stream: dpsStream(id),
			Meta:   meta,
			Decide: func(st domain.DpsState) ([]proto.Message, error) {
				return domain.DecideDps(st, domain.SuspendMatching{
					Actor: domain.Actor{Subject: actor.Subject, Organisation: actor.Organisation, Role: actor.Role}, Now: now,
					ProviderID: ev.GetProviderId(), SettingURN: urn, Suspend: suspend, Reason: reason, RiskLevel: level,
				})
			},
		})
		if _, refused := domainerr.As(err); refused {
			// Retrying cannot change a refusal: record it and go on.
			s.log.Error("the early-warning policy was refused on a DPS", zap.String("dps_id", id),
				zap.String("event_id", e.EventID), zap.Error(err))
			continue
		}
		if err != nil {
			return fmt.Errorf("DPS %s: %w", id, err)
		}
	}
	return nil
}

// dpsOf lists the DPSs of a consortium, oldest first.
func (m *ReadModel) dpsOf(consortium string) []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []string
	for _, id := range m.dpsOrder {
		if m.dps[id].consortium == consortium {
			out = append(out, id)
		}
	}
	return out
}

// riskReason is the reason recorded with the decision, e.g. "monitoring:
// risk red for setting SC100001 (Ofsted judged Inadequate on 2026-11-02)".
func riskReason(ev *monitoringv1.RiskLevelChanged) string {
	var b strings.Builder
	b.WriteString("monitoring: risk " + riskLevelName(ev.GetTo()))
	switch {
	case ev.GetScope() != monitoringv1.RiskScope_RISK_SCOPE_PROVIDER && ev.GetSettingUrn() != "":
		b.WriteString(" for setting " + ev.GetSettingUrn())
	case ev.GetProviderName() != "":
		b.WriteString(" for provider " + ev.GetProviderName())
	default:
		b.WriteString(" for provider " + ev.GetProviderId())
	}
	var details []string
	for _, r := range ev.GetReasons() {
		if d := strings.TrimSpace(r.GetDetail()); d != "" {
			details = append(details, d)
		}
	}
	if len(details) > 0 {
		b.WriteString(" (" + strings.Join(details, "; ") + ")")
	}
	return b.String()
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
