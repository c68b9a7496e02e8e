package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/app"
	"github.com/carecoop/carecoop/services/framework/server"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Two replicas of the framework service, each with its own store
// connection and read model, take commands on one framework at once. Every
// command is answered OK or ABORTED (the caller's view was stale: retry),
// nothing else; retried with its request id until OK, each lands exactly
// once, counted from the store; and a command sent again after its OK
// lands nothing more.
func TestFaultTwoReplicasOneAggregate(t *testing.T) {
	env := servicetest.New(t, start)
	replica := func(store eventstore.Store) frameworkv1.FrameworkServiceClient {
		svc, err := server.Start(env.Ctx, server.Config{Addr: "127.0.0.1:0", Store: store, Verifier: env.Verifier, Clock: env.Clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(svc.Stop)
		tok := env.Token("amara.okafor", auth.ConsortiumOrg(consortium), auth.ConsortiumLead)
		return frameworkv1.NewFrameworkServiceClient(env.Dial(svc.Addr.String(), tok))
	}
	replicas := []frameworkv1.FrameworkServiceClient{replica(env.Store), replica(env.NewStore())}
	ctx, cancel := context.WithTimeout(env.Ctx, 2*time.Minute)
	defer cancel()
	drafted, err := replicas[0].DraftFramework(ctx, &frameworkv1.DraftFrameworkRequest{RequestId: "fault-draft-1", Terms: gmTerms()})
	if err != nil {
		t.Fatal(err)
	}
	fw := drafted.GetFrameworkId()

	// Four callers, two on each replica, add 64 councils between them
	// (LA codes 100-163; the draft's members are 350-359).
	const councils, callers = 64, 4
	add := func(c frameworkv1.FrameworkServiceClient, la int) error {
		_, err := c.AddMemberCouncil(ctx, &frameworkv1.AddMemberCouncilRequest{
			RequestId: fmt.Sprintf("fault-add-%03d", la), FrameworkId: fw, LaCode: fmt.Sprint(la), Reason: "joined the consortium"})
		return err
	}
	var mu sync.Mutex
	answers := map[codes.Code]int{}
	var retry []int
	var wg sync.WaitGroup
	for k := range callers {
		wg.Go(func() {
			for la := 100 + k; la < 100+councils; la += callers {
				err := add(replicas[k%2], la)
				mu.Lock()
				answers[status.Code(err)]++
				if err != nil {
					retry = append(retry, la)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("%d concurrent commands on one framework from two replicas: %v", councils, answers)
	for code := range answers {
		if code != codes.OK && code != codes.Aborted {
			t.Errorf("answered %s %d times: concurrent commands are OK or ABORTED", code, answers[code])
		}
	}
	// The unacknowledged ones again, with their request ids, on either
	// replica, until each is acknowledged.
	for i, la := range retry {
		for attempt := 0; ; attempt++ {
			err := add(replicas[(i+attempt)%2], la)
			if err == nil {
				break
			}
			if status.Code(err) != codes.Aborted || attempt == 20 {
				t.Fatalf("retrying council %d: %v", la, err)
			}
		}
	}
	// Acknowledged commands sent again: the same request id lands nothing.
	for la := 100; la < 104; la++ {
		if err := add(replicas[la%2], la); err != nil {
			t.Errorf("council %d sent again with its request id: %v", la, err)
		}
	}

	events, err := env.Store.ReadStream(ctx, eventstore.StreamID{Context: app.Context, Aggregate: app.Aggregate, ID: fw})
	if err != nil {
		t.Fatal(err)
	}
	added := map[string]int{}
	for _, e := range events {
		if a, ok := e.Event.(*frameworkv1.MemberCouncilAdded); ok {
			added[a.GetLaCode()]++
		}
	}
	lost, duplicated := 0, 0
	for la := 100; la < 100+councils; la++ {
		switch n := added[fmt.Sprint(la)]; {
		case n == 0:
			lost++
		case n > 1:
			duplicated++
		}
	}
	t.Logf("in the store: %d councils added, %d lost, %d duplicated (%d retried)", len(added), lost, duplicated, len(retry))
	if lost > 0 || duplicated > 0 || len(added) != councils {
		t.Errorf("%d councils added for %d commands: %d lost, %d duplicated", len(added), councils, lost, duplicated)
	}
}
