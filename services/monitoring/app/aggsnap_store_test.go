package app

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/kit/snapshot"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// aggsnapBody is what the kit's repository saves around a state
// (aggregate.snapBody); gob matches fields by name.
type aggsnapBody struct {
	Version uint64
	State   []byte
}

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

// aggsnapSaved waits for the snapshot of sid that a load of its long stream
// saves in the background, and checks it holds the fold of the events it
// covers; then a repository of a restarted service loads the fold of the
// whole stream.
func aggsnapSaved[S any](t *testing.T, store eventstore.Store, sid eventstore.StreamID, codec aggregate.Codec[S], fold func(S, []proto.Message) S, restarted *aggregate.Repository[S]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var saved snapshot.Snapshot
	for {
		var err error
		if saved, err = snapshot.For(store, Context).Load(ctx, "aggregate."+sid.String()); err == nil {
			break
		}
		if !errors.Is(err, snapshot.ErrNotFound) {
			t.Fatalf("snapshot of %s: %v", sid, err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no snapshot of %s was saved", sid)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if saved.Version != codec.Version {
		t.Fatalf("snapshot of %s is of version %q, want %q", sid, saved.Version, codec.Version)
	}
	var body aggsnapBody
	if err := snapshot.Decode(saved.Data, &body); err != nil {
		t.Fatal(err)
	}
	got, err := codec.Unmarshal(body.State)
	if err != nil {
		t.Fatal(err)
	}
	recorded, err := store.ReadStream(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	var upTo, all []proto.Message
	for _, e := range recorded {
		if e.Version <= body.Version {
			upTo = append(upTo, e.Event)
		}
		all = append(all, e.Event)
	}
	var zero S
	if d := cmp.Diff(fold(zero, upTo), got, protocmp.Transform()); d != "" {
		t.Fatalf("snapshot of %s at version %d is not the fold of its events (-fold +snapshot):\n%s", sid, body.Version, d)
	}
	loaded, err := restarted.Load(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(fold(zero, all), loaded.State, protocmp.Transform()); d != "" {
		t.Fatalf("%s loaded after a restart is not the fold of its stream (-fold +loaded):\n%s", sid, d)
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
	aggsnapSaved(t, store, setting, aggsnapSettingCodec, domain.FoldSetting, restarted.settings)
	aggsnapSaved(t, store, risk, aggsnapRiskCodec, domain.FoldRisk, restarted.risks)
	aggsnapSaved(t, store, contract, aggsnapContractCodec, domain.FoldContract, restarted.contracts)
	aggsnapSaved(t, store, inbox, aggsnapInboxCodec, domain.FoldInbox, restarted.inboxes)

	// The restarted service decides on what it restored.
	aggsnapRun(t, restarted.settings, setting, len(settingCmds), []func(domain.SettingState) ([]proto.Message, error){func(s domain.SettingState) ([]proto.Message, error) {
		return domain.DecideReturn(s, domain.SubmitReturn{Actor: aggsnapProvider, Now: time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), Facts: aggsnapFacts,
			Period: "2024-03", Figures: aggsnapFigures(1), Correction: true, DueWorkingDays: domain.DefaultDueWorkingDays})
	}})
	aggsnapRun(t, restarted.inboxes, inbox, len(inboxCmds), []func(domain.InboxState) ([]proto.Message, error){func(s domain.InboxState) ([]proto.Message, error) {
		return domain.DecideAcknowledge(s, domain.AcknowledgeAlert{Actor: aggsnapCouncil, AlertID: "alert-30", InInbox: true})
	}})
}
