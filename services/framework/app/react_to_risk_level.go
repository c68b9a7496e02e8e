package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/risk"
)

// RiskLevelDurable names the framework service's durable consumer of
// monitoring's risk levels. It is part of every reaction's request id:
// never rename it, or past risk levels would be applied again.
const RiskLevelDurable = "framework-risk-levels"

// PolicySubject is the actor subject of the early-warning policy's decisions.
const PolicySubject = "service:framework"

// riskLevels is the reaction to monitoring's risk levels: the kit decides
// what a RiskLevelChanged asks; framework applies a provider's own level
// to every framework of the consortium — SUSPEND suspends the provider on
// its lots, REINSTATE lifts the suspensions the policy made. Settings'
// levels do nothing here (lots admit providers, not settings).
func (s *Service) riskLevels() risk.Reaction {
	return risk.Reaction{
		Durable:      RiskLevelDurable,
		Subject:      PolicySubject,
		Role:         domain.RoleConsortiumPolicy,
		ProviderOnly: true,
		Wait:         s.runner.WaitFor,
		Targets:      s.model.frameworksOf,
		Apply:        s.applyRiskChange,
		Now:          s.now,
		Log:          s.log,
	}
}

// ReactToRiskLevel is the bus handler of the reaction, idempotent per
// event: a second delivery finds its change already committed (same
// request id) and changes nothing.
func (s *Service) ReactToRiskLevel(ctx context.Context, e eventstore.RecordedEvent) error {
	return s.riskLevels().Handle(ctx, e)
}

func (s *Service) applyRiskChange(ctx context.Context, frameworkID string, c risk.Change) error {
	_, err := s.repo.Handle(ctx, aggregate.Command[domain.State]{
		Stream: streamOf(frameworkID),
		Meta:   c.Meta,
		Decide: func(st domain.State) ([]proto.Message, error) {
			return domain.Decide(st, domain.ApplyRiskAction{Actor: domain.NewActor(c.Actor.Subject, c.Actor.Organisation, c.Actor.Role), Now: c.Now,
				ProviderID: c.ProviderID, Suspend: c.Suspend, Reason: "early-warning policy: " + c.Description})
		},
	})
	return err
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
