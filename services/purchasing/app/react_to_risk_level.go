package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/risk"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// RiskLevelDurable names purchasing's durable consumer of monitoring's risk
// levels. It is part of every reaction's request id: never rename it, or
// past risk levels would be applied again.
const RiskLevelDurable = "purchasing-risk-levels"

// PolicySubject is the actor subject of the early-warning policy's decisions.
const PolicySubject = "service:purchasing"

// riskLevels is the reaction to monitoring's risk levels: the kit decides
// what a RiskLevelChanged asks; purchasing applies it to every DPS of the
// consortium — SUSPEND stops the setting (or every setting of the
// provider) being matched to new referrals, REINSTATE lifts that.
func (s *Service) riskLevels() risk.Reaction {
	return risk.Reaction{
		Durable: RiskLevelDurable,
		Subject: PolicySubject,
		Role:    domain.RoleConsortiumPolicy,
		Wait:    s.runner.WaitFor,
		Targets: s.model.dpsOf,
		Apply:   s.applyRiskChange,
		Now:     s.now,
		Log:     s.log,
	}
}

// ReactToRiskLevel is the bus handler of the reaction, idempotent per
// event: a second delivery finds its change already committed (same
// request id) and changes nothing.
func (s *Service) ReactToRiskLevel(ctx context.Context, e eventstore.RecordedEvent) error {
	return s.riskLevels().Handle(ctx, e)
}

func (s *Service) applyRiskChange(ctx context.Context, dpsID string, c risk.Change) error {
	_, err := s.dps.Handle(ctx, aggregate.Command[domain.DpsState]{
		Stream: dpsStream(dpsID),
		Meta:   c.Meta,
		Decide: func(st domain.DpsState) ([]proto.Message, error) {
			return domain.DecideDps(st, domain.SuspendMatching{
				Actor: domain.Actor{Subject: c.Actor.Subject, Organisation: c.Actor.Organisation, Role: c.Actor.Role}, Now: c.Now,
				ProviderID: c.ProviderID, SettingURN: c.SettingURN, Suspend: c.Suspend, Reason: "monitoring: " + c.Description, RiskLevel: c.Level,
			})
		},
	})
	return err
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
