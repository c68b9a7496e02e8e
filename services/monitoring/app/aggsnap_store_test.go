package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/aggregate/snaptest"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// aggsnapRun decides each command through repo, as the service does, each
// with a request id of its own (from: the first's number).
func aggsnapRun[S any](t *testing.T, repo *aggregate.Repository[S], sid eventstore.StreamID, from int, decides []func(S) ([]proto.Message, error)) {
	t.Helper()
	for i, decide := range decides {
		meta := eventstore.Metadata{RequestID: fmt.Sprintf("aggsnap-%s-%d", sid.ID, from+i)}
		res, err := repo.Handle(context.Background(), aggregate.Command[S]{Stream: sid, Meta: meta, Decide: decide})
		if err != nil || len(res.Events) == 0 || res.Duplicate {
			t.Fatalf("command %d on %s: %v (%d events)", i, sid, err, len(res.Events))
		}
	}
}

// Over JetStream, the service saves the states of a setting, a provider's
// risk, a placement and an inbox once their streams are long, each the
// fold of the events it covers, and a restarted service loads them to the
// fold of the whole stream and goes on deciding.
func TestAggsnapServiceSavesLongStreams(t *testing.T) {
	_, store := natstest.Store(t)
	svc := New(store, nil)

	setting := stream(SettingAggregate, aggsnapFacts.URN)
	var settingCmds []func(domain.SettingState) ([]proto.Message, error)
	first, _ := domain.ParseMonth("2024-01")
	for i := range 30 {
		m := first + domain.Month(i)
		c := domain.SubmitReturn{Actor: aggsnapProvider, Now: m.Last().AddDate(0, 0, 5), Facts: aggsnapFacts, Period: m.String(),
			Figures: aggsnapFigures(i), DueWorkingDays: domain.DefaultDueWorkingDays}
		settingCmds = append(settingCmds, func(s domain.SettingState) ([]proto.Message, error) { return domain.DecideReturn(s, c) })
	}
	aggsnapRun(t, svc.settings, setting, 0, settingCmds)

	risk := stream(RiskAggregate, domain.RiskID("north-west", "acme-care"))
	var riskCmds []func(domain.RiskState) ([]proto.Message, error)
	for i := range 30 {
		level := []monitoringv1.RiskLevel{domain.Amber, domain.Red, domain.Green}[i%3]
		c := domain.AssessRisk{Consortium: "north-west", ProviderID: "acme-care", Now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, i, 0),
			EvidencePosition: uint64(i + 1), SuspendOnRed: true, Provider: domain.Assessment{Level: level},
			Settings: []domain.SettingAssessment{{URN: aggsnapFacts.URN, Assessment: domain.Assessment{Level: level}}}}
		riskCmds = append(riskCmds, func(s domain.RiskState) ([]proto.Message, error) { return domain.DecideRisk(s, c) })
	}
	aggsnapRun(t, svc.risks, risk, 0, riskCmds)

	placement, history := aggsnapPlacement(t)
	contract := stream(ContractAggregate, placement.Started.GetContractId())
	contractCmds := []func(domain.ContractState) ([]proto.Message, error){
		func(domain.ContractState) ([]proto.Message, error) { return history[:1], nil },
	}
	for _, e := range history[1:25] {
		contractCmds = append(contractCmds, func(domain.ContractState) ([]proto.Message, error) { return []proto.Message{e}, nil })
	}
	aggsnapRun(t, svc.contracts, contract, 0, contractCmds)

	inbox := stream(InboxAggregate, domain.InboxID(aggsnapCouncil.Organisation))
	var inboxCmds []func(domain.InboxState) ([]proto.Message, error)
	for i := range 30 {
		c := domain.AcknowledgeAlert{Actor: aggsnapCouncil, AlertID: fmt.Sprintf("alert-%d", i), InInbox: true}
		inboxCmds = append(inboxCmds, func(s domain.InboxState) ([]proto.Message, error) { return domain.DecideAcknowledge(s, c) })
	}
	aggsnapRun(t, svc.inboxes, inbox, 0, inboxCmds)

	restarted := New(store, nil)
	// Snapshot refuses one of another codec version, so these also check
	// each snapshot is of its codec's current version.
	snaptest.AssertSavedIsTheFold(t, store, svc.settings, restarted.settings, setting, domain.SettingState{}, domain.FoldSetting)
	snaptest.AssertSavedIsTheFold(t, store, svc.risks, restarted.risks, risk, domain.RiskState{}, domain.FoldRisk)
	snaptest.AssertSavedIsTheFold(t, store, svc.contracts, restarted.contracts, contract, domain.ContractState{}, domain.FoldContract)
	snaptest.AssertSavedIsTheFold(t, store, svc.inboxes, restarted.inboxes, inbox, domain.InboxState{}, domain.FoldInbox)

	// The restarted service decides on what it restored.
	aggsnapRun(t, restarted.settings, setting, len(settingCmds), []func(domain.SettingState) ([]proto.Message, error){func(s domain.SettingState) ([]proto.Message, error) {
		return domain.DecideReturn(s, domain.SubmitReturn{Actor: aggsnapProvider, Now: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), Facts: aggsnapFacts,
			Period: "2024-03", Figures: aggsnapFigures(1), Correction: true, DueWorkingDays: domain.DefaultDueWorkingDays})
	}})
	aggsnapRun(t, restarted.inboxes, inbox, len(inboxCmds), []func(domain.InboxState) ([]proto.Message, error){func(s domain.InboxState) ([]proto.Message, error) {
		return domain.DecideAcknowledge(s, domain.AcknowledgeAlert{Actor: aggsnapCouncil, AlertID: "alert-30", InInbox: true})
	}})
}
