package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/fuzzgen"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// fuzzZero is an aggregate's initial state (each starts from its zero value).
func fuzzZero[S any]() S { var s S; return s }

// fuzzStart is DecideStart as the contracts reaction issues it: always
// with the award's ContractStarted (it passes the event on as it is).
func fuzzStart(s domain.ContractState, c domain.StartContract) ([]proto.Message, error) {
	if c.Contract == nil {
		c.Contract = placementStarted()
	}
	return domain.DecideStart(s, c)
}

func fuzzMonitoring() []fuzzgen.Session {
	return []fuzzgen.Session{
		fuzzgen.Aggregate[domain.ContractState]{
			Name: "contract", Initial: fuzzZero[domain.ContractState], Evolve: domain.EvolveContract,
			Histories: [][]proto.Message{{placementStarted()}, {frameworkStarted()}, {placementStarted(), placementEnded("2027-01-31", "E4A")},
				{placementStarted(), outcomeRecorded(monitoringv1.OutcomePoint_OUTCOME_POINT_START, placedOn, 3)}},
			Commands: []fuzzgen.Command[domain.ContractState]{
				fuzzgen.Cmd(fuzzStart),
				fuzzgen.Cmd(domain.DecideRecordPlacement),
				fuzzgen.Cmd(domain.DecideEndPlacement),
				fuzzgen.Cmd(domain.DecideEndFramework),
				fuzzgen.Cmd(domain.DecideOutcome),
			},
		},
		fuzzgen.Aggregate[domain.SettingState]{
			Name: "setting", Initial: fuzzZero[domain.SettingState], Evolve: domain.EvolveSetting,
			Commands: []fuzzgen.Command[domain.SettingState]{
				fuzzgen.Cmd(domain.DecideReturn),
				fuzzgen.Cmd(domain.DecideOfsted),
				fuzzgen.Cmd(domain.DecideVisit),
				fuzzgen.Cmd(domain.DecideIncident),
				fuzzgen.Cmd(domain.DecideFeedback),
			},
		},
		fuzzgen.Aggregate[domain.ProviderState]{
			Name: "provider", Initial: fuzzZero[domain.ProviderState], Evolve: domain.EvolveProvider,
			Commands: []fuzzgen.Command[domain.ProviderState]{
				fuzzgen.Cmd(domain.DecideRaiseWarning),
				fuzzgen.Cmd(domain.DecideWithdrawWarning),
			},
		},
		fuzzgen.Aggregate[domain.RiskState]{
			Name: "risk", Initial: fuzzZero[domain.RiskState], Evolve: domain.EvolveRisk,
			Commands: []fuzzgen.Command[domain.RiskState]{fuzzgen.Cmd(domain.DecideRisk)},
		},
		fuzzgen.Aggregate[domain.InboxState]{
			Name: "inbox", Initial: fuzzZero[domain.InboxState], Evolve: domain.EvolveInbox,
			Commands: []fuzzgen.Command[domain.InboxState]{fuzzgen.Cmd(domain.DecideAcknowledge)},
		},
		fuzzgen.Aggregate[domain.PolicyState]{
			Name: "policy", Initial: fuzzZero[domain.PolicyState], Evolve: domain.EvolvePolicy,
			Commands: []fuzzgen.Command[domain.PolicyState]{fuzzgen.Cmd(domain.DecidePolicy)},
		},
	}
}

func fuzzMonitoringVocab() fuzzgen.Vocab {
	v := fuzzgen.Vocab{
		Strings: []string{nw, acmeID, oakURN, elmURN, placingLA, "353", placementID, frameworkID, placedOn, "2026-10", "2026-11"},
		Values:  []any{lead, commissioner, commissioner2, acme, bright, oakFacts(), figures(), scores(3), placementStarted(), frameworkStarted()},
	}
	v.Strings = append(v.Strings, reasonCodes...)
	return v
}

// FuzzMonitoringDecide issues random commands of every kind to each of
// monitoring's aggregates (contracts, settings, providers, risk, alert
// inboxes, policies): no panic, refusals are domain errors with their
// rule, events marshal and evolve (fuzzgen).
func FuzzMonitoringDecide(f *testing.F) {
	for _, seed := range [][]byte{{}, {0, 1}, {0, 2, 1, 0}, {1, 0, 0}, {2, 1}, {3, 0}, {4, 0}, {5, 0}, []byte("monitoring seed: a longer session of many commands")} {
		f.Add(seed)
	}
	sessions, vocab := fuzzMonitoring(), fuzzMonitoringVocab()
	f.Fuzz(func(t *testing.T, data []byte) { fuzzgen.Run(t, data, vocab, sessions...) })
}

// TestFuzzMonitoringAccepts: random sessions get commands accepted, so the
// fuzz target explores past the first refusal.
func TestFuzzMonitoringAccepts(t *testing.T) {
	n := fuzzgen.Accepted(t, 2000, fuzzMonitoringVocab(), fuzzMonitoring()...)
	if n == 0 {
		t.Fatal("2000 random sessions had no command accepted")
	}
	t.Logf("%d commands accepted in 2000 sessions", n)
}
