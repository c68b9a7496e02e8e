package app

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// aggsnapBody is what the kit's repository saves around a state
// (aggregate.snapBody); gob matches fields by name.
type aggsnapBody struct {
	Version uint64
	State   []byte
}

func aggsnapHandle(t *testing.T, repo *aggregate.Repository[domain.State], sid eventstore.StreamID, n int, decide func(domain.State) ([]proto.Message, error)) {
	t.Helper()
	res, err := repo.Handle(context.Background(), aggregate.Command[domain.State]{Stream: sid, Meta: eventstore.Metadata{RequestID: fmt.Sprintf("aggsnap-%d", n)}, Decide: decide})
	if err != nil || len(res.Events) == 0 || res.Duplicate {
		t.Fatalf("command %d: %v (%d events)", n, err, len(res.Events))
	}
}

// Over JetStream, the service saves a long framework's state as the fold
// of the events it covers, and a restarted service loads the fold of the
// whole stream and goes on deciding.
func TestAggsnapServiceSavesALongFramework(t *testing.T) {
	_, store := natstest.Store(t)
	svc := New(store, nil)
	history := aggsnapHistory(t)[:60]
	sid := streamOf("fw-1")
	for i, e := range history {
		aggsnapHandle(t, svc.repo, sid, i, func(domain.State) ([]proto.Message, error) { return []proto.Message{e}, nil })
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var saved snapshot.Snapshot
	for {
		var err error
		if saved, err = snapshot.For(store, Context).Load(ctx, "aggregate."+sid.String()); err == nil {
			break
		}
		if !errors.Is(err, snapshot.ErrNotFound) {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatal("no snapshot of the framework was saved")
		case <-time.After(10 * time.Millisecond):
		}
	}
	if saved.Version != aggsnapFrameworkCodec.Version {
		t.Fatalf("snapshot of version %q, want %q", saved.Version, aggsnapFrameworkCodec.Version)
	}
	var body aggsnapBody
	if err := snapshot.Decode(saved.Data, &body); err != nil {
		t.Fatal(err)
	}
	got, err := aggsnapFrameworkCodec.Unmarshal(body.State)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(aggsnapFold(history[:body.Version]), got, aggsnapCmp...); d != "" {
		t.Fatalf("the snapshot at version %d is not the fold of its events (-fold +snapshot):\n%s", body.Version, d)
	}

	restarted := New(store, nil)
	loaded, err := restarted.repo.Load(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(aggsnapFold(history), loaded.State, aggsnapCmp...); d != "" {
		t.Fatalf("loaded after a restart, the framework is not the fold of its stream (-fold +loaded):\n%s", d)
	}
	// Bidding has closed: the restarted service scores a bid it restored.
	p := loaded.State.Bids("lot-1")[0].ProviderID
	aggsnapHandle(t, restarted.repo, sid, len(history), func(s domain.State) ([]proto.Message, error) {
		return domain.Decide(s, domain.ScoreBid{Actor: aggsnapLead, Now: aggsnapClose.Add(time.Hour), LotID: "lot-1", ProviderID: p, QualityScore: 77, Reason: "panel"})
	})
}
