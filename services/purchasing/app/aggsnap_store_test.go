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

	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/kit/snapshot"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// aggsnapSaved mirrors what the kit's repository writes around a state
// (aggregate.snapBody): gob matches fields by name, so a renamed field
// fails the decode loudly rather than passing unread.
type aggsnapSaved struct {
	Version, CommitFrom uint64
	Requests            []string
	State               []byte
}

// aggsnapWaitSaved waits until the named aggregate's snapshot is in the
// service's bucket, saved in the background by a load of a long stream.
func aggsnapWaitSaved(t *testing.T, snaps snapshot.Store, stream eventstore.StreamID) snapshot.Snapshot {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		s, err := snaps.Load(ctx, "aggregate."+stream.String())
		if err == nil {
			return s
		}
		if !errors.Is(err, snapshot.ErrNotFound) {
			t.Fatalf("snapshot of %s: %v", stream, err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no snapshot of %s was saved", stream)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

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

// aggsnapCheckSaved checks the saved snapshot of stream against the fold of
// the stream's first events, and that a new repository (as after a
// restart) loads the state the whole stream folds to.
func aggsnapCheckSaved[S any](t *testing.T, store eventstore.Store, snaps snapshot.Store, stream eventstore.StreamID, version string,
	initial S, fold func(S, []proto.Message) S, unmarshal func([]byte) (S, error), restarted *aggregate.Repository[S]) {
	t.Helper()
	ctx := context.Background()
	saved := aggsnapWaitSaved(t, snaps, stream)
	if saved.Version != version {
		t.Fatalf("snapshot of %s has version %q, want %q", stream, saved.Version, version)
	}
	var body aggsnapSaved
	if err := snapshot.Decode(saved.Data, &body); err != nil {
		t.Fatalf("snapshot of %s: %v", stream, err)
	}
	got, err := unmarshal(body.State)
	if err != nil {
		t.Fatalf("snapshot of %s: %v", stream, err)
	}
	recorded, err := store.ReadStream(ctx, stream)
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
	if diff := cmp.Diff(fold(initial, upTo), got, protocmp.Transform()); diff != "" {
		t.Fatalf("snapshot of %s at version %d is not the fold of its events (-fold +snapshot):\n%s", stream, body.Version, diff)
	}
	loaded, err := restarted.Load(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fold(initial, all), loaded.State, protocmp.Transform()); diff != "" {
		t.Fatalf("%s loaded after a restart is not the fold of its stream (-fold +loaded):\n%s", stream, diff)
	}
	if loaded.Version != recorded[len(recorded)-1].Version {
		t.Fatalf("%s loaded at version %d, the stream is at %d", stream, loaded.Version, recorded[len(recorded)-1].Version)
	}
}

// A provider and a DPS used long enough for their states to be kept: the
// service saves their snapshots in its bucket, each the fold of the events
// it covers, and a restarted service loads them to the fold of the stream.
func TestAggsnapServiceSavesLongStreams(t *testing.T) {
	_, store := natstest.Store(t)
	snaps := snapshot.For(store, Context)
	if snaps == nil {
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
	aggsnapCheckSaved(t, store, snaps, prov, aggsnapVersionProvider, domain.InitialProvider(), domain.FoldProvider, aggsnapProviderCodec.Unmarshal, restarted.providers)
	aggsnapCheckSaved(t, store, snaps, dps, aggsnapVersionDps, domain.InitialDps(), domain.FoldDps, aggsnapDpsCodec.Unmarshal, restarted.dps)

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
