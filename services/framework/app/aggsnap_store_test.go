package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/aggregate/snaptest"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

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

	restarted := New(store, nil)
	// Snapshot refuses one of another codec version, so this also checks
	// the snapshot is of aggsnapFrameworkCodec's current version.
	snaptest.AssertSavedIsTheFold(t, store, svc.repo, restarted.repo, sid, domain.Initial(), aggsnapFoldFrom, cmp.AllowUnexported(domain.State{}))
	loaded, err := restarted.repo.Load(context.Background(), sid)
	if err != nil {
		t.Fatal(err)
	}
	// Bidding has closed: the restarted service scores a bid it restored.
	p := loaded.State.Bids("lot-1")[0].ProviderID
	aggsnapHandle(t, restarted.repo, sid, len(history), func(s domain.State) ([]proto.Message, error) {
		return domain.Decide(s, domain.ScoreBid{Actor: aggsnapLead, Now: aggsnapClose.Add(time.Hour), LotID: "lot-1", ProviderID: p, QualityScore: 77, Reason: "panel"})
	})
}
