package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/aggregate/snaptest"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/kit/snapshot"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// aggsnapHandle decides one command through the repository and fails t
// unless it is accepted with events.
func aggsnapHandle[S any](t *testing.T, repo *aggregate.Repository[S], stream eventstore.StreamID, i int, decide func(S) ([]proto.Message, error)) {
	t.Helper()
	meta := eventstore.Metadata{RequestID: fmt.Sprintf("aggsnap-%s-%d", stream.ID, i)}
	res, err := repo.Handle(context.Background(), aggregate.Command[S]{Stream: stream, Meta: meta, Decide: decide})
	if err != nil {
		t.Fatalf("command %d on %s: %v", i, stream, err)
	}
	if len(res.Events) == 0 {
		t.Fatalf("command %d on %s decided nothing", i, stream)
	}
}

// A provider and a DPS used long enough for their states to be kept: the
// service saves their snapshots in its bucket, each the fold of the events
// it covers, and a restarted service loads them to the fold of the stream.
func TestAggsnapServiceSavesLongStreams(t *testing.T) {
	_, store := natstest.Store(t)
	if snapshot.For(store, Context) == nil {
		t.Fatal("a JetStream store has a snapshot bucket")
	}
	svc := New(store, nil)
	day := func(n int) time.Time { return aggsnapNow.AddDate(0, 0, n) }

	prov := providerStream("acme-care")
	// What the snapshot (saved once the stream is long) must carry comes
	// first: a held place, a removed setting; then a vacancy published
	// every week for half a year.
	provCmds := []domain.ProviderCommand{
		domain.RegisterProvider{Actor: aggsnapAcme, Now: day(0), ProviderID: "acme-care", Profile: aggsnapProfile("Acme Care")},
		domain.AddSetting{Actor: aggsnapAcme, Now: day(0), Setting: aggsnapNewSetting("SC100001", "Oak House", "M14", 4)},
		domain.AddSetting{Actor: aggsnapAcme, Now: day(0), Setting: aggsnapNewSetting("SC100002", "Elm House", "SK1", 2)},
		domain.AddSetting{Actor: aggsnapAcme, Now: day(0), Setting: aggsnapNewSetting("SC100003", "Birch House", "M14", 3)},
		aggsnapVacancy("SC100002", 2, day(1)),
		aggsnapTake("pl-1", "SC100002", 0, day(2)),
		domain.RemoveSetting{Actor: aggsnapAcme, Now: day(3), URN: "SC100003", Reason: "closed"},
	}
	for week := range 26 {
		provCmds = append(provCmds, aggsnapVacancy("SC100001", uint32(week%4), day(7*week+4)))
	}
	for i, c := range provCmds {
		aggsnapHandle(t, svc.providers, prov, i, func(s domain.ProviderState) ([]proto.Message, error) { return domain.DecideProvider(s, c) })
	}

	dps := dpsStream("dps-nw")
	dpsCmds := []domain.DpsCommand{
		domain.CreateDps{Actor: aggsnapLead, Now: aggsnapNow, DpsID: "dps-nw", Terms: aggsnapDpsTerms()},
		domain.OpenDps{Actor: aggsnapLead, Now: aggsnapNow},
		aggsnapApply("provider-1", 0, "residential"), aggsnapAdmit("provider-1", "residential"),
		aggsnapApply("provider-2", 0, "residential", "fostering"), aggsnapAdmit("provider-2", "residential"),
		aggsnapHalt("provider-1", "", true), aggsnapHalt("provider-1", "", false),
		domain.SuspendProvider{Actor: aggsnapLead, Now: aggsnapNow, ProviderID: "provider-2", Reason: "complaint"},
	}
	for i := range 6 {
		p := fmt.Sprintf("provider-%d", i+3)
		dpsCmds = append(dpsCmds, aggsnapApply(p, i, "residential"), aggsnapAdmit(p, "residential"))
	}
	for i, c := range dpsCmds {
		aggsnapHandle(t, svc.dps, dps, i, func(s domain.DpsState) ([]proto.Message, error) { return domain.DecideDps(s, c) })
	}

	restarted := New(store, nil)
	// Snapshot refuses one of another codec version, so these also check
	// the snapshots are of the current aggsnapVersionProvider and
	// aggsnapVersionDps.
	snaptest.AssertSavedIsTheFold(t, store, svc.providers, restarted.providers, prov, domain.InitialProvider(), domain.FoldProvider)
	snaptest.AssertSavedIsTheFold(t, store, svc.dps, restarted.dps, dps, domain.InitialDps(), domain.FoldDps)

	// The restarted service decides on what the snapshot carried.
	aggsnapHandle(t, restarted.providers, prov, len(provCmds), func(s domain.ProviderState) ([]proto.Message, error) {
		return domain.DecideProvider(s, domain.FreePlace{Actor: aggsnapSystem, Now: day(300), PlacementID: "pl-1", Reason: "ended"})
	})
	aggsnapHandle(t, restarted.dps, dps, len(dpsCmds), func(s domain.DpsState) ([]proto.Message, error) {
		return domain.DecideDps(s, domain.ReinstateProvider{Actor: aggsnapLead, Now: aggsnapNow, ProviderID: "provider-2", Reason: "resolved"})
	})
	aggsnapHandle(t, restarted.dps, dps, len(dpsCmds)+1, func(s domain.DpsState) ([]proto.Message, error) {
		return domain.DecideDps(s, aggsnapAdmit("provider-2", "fostering"))
	})
}
