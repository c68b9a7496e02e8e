package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/server"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// callDeadline is the caller's deadline on each command: a leader change
// must cost a client latency within it, not an error.
const callDeadline = 10 * time.Second

// The event stream's leader dies under a stream of commands (the framework
// service on an R3 stream over an in-process three-node cluster). A client
// dialled with the kit (grpcserver.NewClient, retrying UNAVAILABLE) must
// see no error; a plain client, which does not retry, shows the window the
// failover opens, and what it is told: UNAVAILABLE (retry), never INTERNAL.
func TestFaultStreamLeaderLoss(t *testing.T) {
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
	addr := svc.Addr.String()
	tok := env.Token("amara.okafor", auth.ConsortiumOrg(consortium), auth.ConsortiumLead)
	retrying := frameworkv1.NewFrameworkServiceClient(env.Dial(addr, tok))
	plainConn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(grpcserver.BearerCreds(tok)))
	if err != nil {
		t.Fatal(err)
	}
	defer plainConn.Close()
	plain := frameworkv1.NewFrameworkServiceClient(plainConn)

	type result struct {
		begin time.Time
		took  time.Duration
		err   error
	}
	stop := make(chan struct{})
	run := func(name string, c frameworkv1.FrameworkServiceClient) []result {
		var out []result
		for i := 0; ; i++ {
			select {
			case <-stop:
				return out
			default:
			}
			ctx, cancel := context.WithTimeout(env.Ctx, callDeadline)
			begin := time.Now()
			_, err := c.DraftFramework(ctx, &frameworkv1.DraftFrameworkRequest{RequestId: fmt.Sprintf("%s-%06d", name, i), Terms: gmTerms()})
			cancel()
			out = append(out, result{begin: begin, took: time.Since(begin), err: err})
		}
	}
	var wg sync.WaitGroup
	var withRetry, withoutRetry []result
	wg.Go(func() { withRetry = run("retrying", retrying) })
	wg.Go(func() { withoutRetry = run("plain", plain) })

	time.Sleep(2 * time.Second) // commands flowing
	leader := natstest.StreamLeader(t, servers, store)
	killed := time.Now()
	leader.Shutdown()
	t.Logf("killed the stream leader %s", leader.Name())
	time.Sleep(15 * time.Second) // the failover and commands after it
	close(stop)
	wg.Wait()

	report := func(name string, rs []result) (errs int, codesSeen map[codes.Code]int) {
		codesSeen = map[codes.Code]int{}
		var first, last time.Duration
		var slowest time.Duration
		ok := 0
		for _, r := range rs {
			at := r.begin.Sub(killed) // negative: sent before the kill
			if at+r.took >= 0 {       // still running at the kill, or after it
				slowest = max(slowest, r.took)
			}
			if r.err == nil {
				ok++
				continue
			}
			code := status.Code(r.err)
			if codesSeen[code] == 0 {
				t.Logf("%s client: first %s, sent %s after the kill: %v", name, code, at.Round(time.Millisecond), r.err)
			}
			codesSeen[code]++
			if errs == 0 {
				first = at
			}
			last = at + r.took
			errs++
		}
		if errs == 0 {
			t.Logf("%s client: %d commands, no error; slowest after the kill %s", name, ok, slowest.Round(time.Millisecond))
		} else {
			t.Logf("%s client: %d commands ok, %d failed %v, from %s to %s after the kill (a window of %s); slowest after the kill %s",
				name, ok, errs, codesSeen, first.Round(time.Millisecond), last.Round(time.Millisecond), (last - first).Round(time.Millisecond), slowest.Round(time.Millisecond))
		}
		return errs, codesSeen
	}
	if errs, seen := report("retrying", withRetry); errs > 0 {
		t.Errorf("a client retrying UNAVAILABLE saw %d errors %v across the leader's loss, want none within its %s deadline", errs, seen, callDeadline)
	}
	if _, seen := report("plain", withoutRetry); seen[codes.Internal] > 0 {
		t.Errorf("the leader's loss answered INTERNAL %d times: a store outage must be UNAVAILABLE", seen[codes.Internal])
	}
}
