package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate/evolvetest"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// Evolve is pure: a state evolved along one path is unchanged for another
// (evolvetest.AssertPure), for each of monitoring's aggregates; a Fold,
// which loading uses, gives the same state and leaves its given state
// unchanged too (evolvetest.AssertFold).

func TestEvolveContractLeavesTheGivenStateUnchanged(t *testing.T) {
	history := []proto.Message{
		&monitoringv1.ContractStarted{ContractId: "pl-1", SettingUrn: "SC100001"},
		&monitoringv1.OutcomeRecorded{ContractId: "pl-1", RecordedOn: "2026-05-01"},
		&monitoringv1.OutcomeRecorded{ContractId: "pl-1", RecordedOn: "2026-06-01"},
		&monitoringv1.OutcomeRecorded{ContractId: "pl-1", RecordedOn: "2026-07-01"},
	}
	next := []proto.Message{
		&monitoringv1.OutcomeRecorded{ContractId: "pl-1", RecordedOn: "2026-08-01"},
		&monitoringv1.OutcomeRecorded{ContractId: "pl-1", RecordedOn: "2026-11-01"},
		&monitoringv1.ContractEnded{ContractId: "pl-1", EndDate: "2026-12-01"},
	}
	evolvetest.AssertPure(t, domain.EvolveContract, history, next...)
	evolvetest.AssertFold(t, domain.EvolveContract, domain.FoldContract, append(history, next...))
}

func TestEvolveSettingLeavesTheGivenStateUnchanged(t *testing.T) {
	history := []proto.Message{
		&monitoringv1.MonitoringReturnSubmitted{Urn: "SC100001", Period: "2026-09", Revision: 1},
		&monitoringv1.OfstedJudgementRecorded{Urn: "SC100001", InspectionDate: "2026-03-10", Grade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD},
		&monitoringv1.QualityVisitRecorded{Urn: "SC100001"},
		&monitoringv1.IncidentNotified{Urn: "SC100001"},
	}
	next := []proto.Message{
		&monitoringv1.MonitoringReturnSubmitted{Urn: "SC100001", Period: "2026-09", Revision: 2},
		&monitoringv1.MonitoringReturnSubmitted{Urn: "SC100001", Period: "2026-10", Revision: 1},
		&monitoringv1.OfstedJudgementRecorded{Urn: "SC100001", InspectionDate: "2026-11-02", Grade: purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE},
		&monitoringv1.QualityVisitRecorded{Urn: "SC100001"},
		&monitoringv1.IncidentNotified{Urn: "SC100001"},
	}
	evolvetest.AssertPure(t, domain.EvolveSetting, history, next...)
	evolvetest.AssertFold(t, domain.EvolveSetting, domain.FoldSetting, append(history, next...))
}

func TestEvolveRiskLeavesTheGivenStateUnchanged(t *testing.T) {
	setting := func(urn string, to monitoringv1.RiskLevel, a monitoringv1.RiskAction) *monitoringv1.RiskLevelChanged {
		return &monitoringv1.RiskLevelChanged{Consortium: "north-west", ProviderId: "acme", SettingUrn: urn, Scope: monitoringv1.RiskScope_RISK_SCOPE_SETTING, To: to, Action: a}
	}
	history := []proto.Message{
		setting("SC100001", monitoringv1.RiskLevel_RISK_LEVEL_RED, monitoringv1.RiskAction_RISK_ACTION_SUSPEND),
		&monitoringv1.RiskLevelChanged{Consortium: "north-west", ProviderId: "acme", Scope: monitoringv1.RiskScope_RISK_SCOPE_PROVIDER,
			To: monitoringv1.RiskLevel_RISK_LEVEL_RED, Action: monitoringv1.RiskAction_RISK_ACTION_SUSPEND},
	}
	next := []proto.Message{
		setting("SC100001", monitoringv1.RiskLevel_RISK_LEVEL_GREEN, monitoringv1.RiskAction_RISK_ACTION_REINSTATE),
		setting("SC100002", monitoringv1.RiskLevel_RISK_LEVEL_AMBER, monitoringv1.RiskAction_RISK_ACTION_NONE),
		&monitoringv1.RiskLevelChanged{Consortium: "north-west", ProviderId: "acme", Scope: monitoringv1.RiskScope_RISK_SCOPE_PROVIDER,
			To: monitoringv1.RiskLevel_RISK_LEVEL_GREEN, Action: monitoringv1.RiskAction_RISK_ACTION_REINSTATE},
	}
	evolvetest.AssertPure(t, domain.EvolveRisk, history, next...)
	evolvetest.AssertFold(t, domain.EvolveRisk, domain.FoldRisk, append(history, next...))
}

func TestEvolveInboxLeavesTheGivenStateUnchanged(t *testing.T) {
	history := []proto.Message{&monitoringv1.AlertAcknowledged{AlertId: "alert-1"}}
	next := []proto.Message{&monitoringv1.AlertAcknowledged{AlertId: "alert-2"}, &monitoringv1.AlertAcknowledged{AlertId: "alert-3"}}
	evolvetest.AssertPure(t, domain.EvolveInbox, history, next...)
	evolvetest.AssertFold(t, domain.EvolveInbox, domain.FoldInbox, append(history, next...))
}

func TestEvolveProviderAndPolicyLeaveTheGivenStateUnchanged(t *testing.T) {
	evolvetest.AssertPure(t, domain.EvolveProvider, []proto.Message{&monitoringv1.FinancialWarningRaised{Level: 1}},
		&monitoringv1.FinancialWarningRaised{Level: 2},
		&monitoringv1.FinancialWarningWithdrawn{},
	)
	evolvetest.AssertPure(t, domain.EvolvePolicy, []proto.Message{&monitoringv1.RiskPolicySet{Consortium: "north-west", SuspendOnRed: true}},
		&monitoringv1.RiskPolicySet{Consortium: "north-west"},
		&monitoringv1.RiskPolicySet{Consortium: "north-west", ReturnDueWorkingDays: 5},
	)
}
