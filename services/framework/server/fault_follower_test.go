package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/status"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/app"
	"github.com/carecoop/carecoop/services/framework/server"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// A node that follows the event stream (one of three; the stream is R3)
// dies under a stream of commands: the other two keep a quorum, so a
// client retrying UNAVAILABLE sees no error, and every command
// acknowledged before or after the loss is in the store exactly once.
func TestFaultStreamFollowerLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster and kills a node")
	}
	env := servicetest.New(t, start) // keys and clock; its own store is not used
	servers := natstest.Cluster(t, 3)
	store := natstest.ClusterStore(t, servers, jetstream.WithClock(env.Clock.Now))
	svc, err := server.Start(env.Ctx, server.Config{Addr: "127.0.0.1:0", Store: store, Verifier: env.Verifier, Clock: env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Stop()
	tok := env.Token("amara.okafor", auth.ConsortiumOrg(consortium), auth.ConsortiumLead)
	client := frameworkv1.NewFrameworkServiceClient(env.Dial(svc.Addr.String(), tok))

	stop := make(chan struct{})
	var mu sync.Mutex
	acked := map[string]string{} // request id -> framework id
	var failed []error
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("follower-%d-%06d", w, i)
				ctx, cancel := context.WithTimeout(env.Ctx, callDeadline)
				res, err := client.DraftFramework(ctx, &frameworkv1.DraftFrameworkRequest{RequestId: id, Terms: gmTerms()})
				cancel()
				mu.Lock()
				if err != nil {
					failed = append(failed, err)
				} else {
					acked[id] = res.GetFrameworkId()
				}
				mu.Unlock()
			}
		})
	}

	time.Sleep(2 * time.Second) // commands flowing
	leader := natstest.StreamLeader(t, servers, store)
	var follower = servers[0]
	for _, s := range servers {
		if s != leader {
			follower = s
			break
		}
	}
	mu.Lock()
	before := len(acked)
	mu.Unlock()
	follower.Shutdown()
	t.Logf("killed %s, a follower of the stream (leader %s), after %d commands", follower.Name(), leader.Name(), before)
	time.Sleep(5 * time.Second) // commands after the loss
	close(stop)
	wg.Wait()

	for i, err := range failed {
		if i < 3 {
			t.Errorf("a client retrying UNAVAILABLE saw %s: %v", status.Code(err), err)
		}
	}
	if len(acked) <= before {
		t.Errorf("no command acknowledged after the follower's loss (%d before, %d in all)", before, len(acked))
	}
	ctx, cancel := context.WithTimeout(env.Ctx, time.Minute)
	defer cancel()
	missing, duplicated := 0, 0
	for _, fw := range acked {
		events, err := store.ReadStream(ctx, eventstore.StreamID{Context: app.Context, Aggregate: app.Aggregate, ID: fw})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range events {
			if _, ok := e.Event.(*frameworkv1.FrameworkDrafted); ok {
				n++
			}
		}
		switch {
		case n == 0:
			missing++
		case n > 1:
			duplicated++
		}
	}
	t.Logf("%d commands acknowledged (%d after the loss), %d failed; in the store: %d missing, %d duplicated",
		len(acked), len(acked)-before, len(failed), missing, duplicated)
	if missing > 0 || duplicated > 0 {
		t.Errorf("acknowledged commands: %d missing from the store, %d stored twice", missing, duplicated)
	}
}
