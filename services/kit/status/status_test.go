package status_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/wrapperspb"

	kitv1 "github.com/carecoop/carecoop/proto/gen/carecoop/kit/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/kit/status"
)

func appendOne(t *testing.T, env *servicetest.Env, ctxName, value string) uint64 {
	t.Helper()
	res, err := env.Store.Append(env.Ctx, eventstore.StreamID{Context: ctxName, Aggregate: "thing", ID: value}, eventstore.Any, eventstore.Metadata{}, wrapperspb.String(value))
	if err != nil {
		t.Fatal(err)
	}
	return res.Position
}

// A platform admin reads each read model's position, the store's and the
// lag between them, and whether it is ready; nobody else may ask.
func TestStatusReportsEachReadModelToThePlatformAdminOnly(t *testing.T) {
	env := servicetest.New(t, time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	first := appendOne(t, env, "alpha", "a")
	last := appendOne(t, env, "beta", "other")

	// The alpha model holds on the value "slow" until it is let go.
	entered, gate := make(chan struct{}), make(chan struct{})
	alpha := projection.NewRunner("alpha", env.Store, []string{eventstore.ContextFilter("alpha")}, func(c []eventstore.RecordedEvent) error {
		if c[0].Event.(*wrapperspb.StringValue).GetValue() == "slow" {
			close(entered)
			<-gate
		}
		return nil
	}, nil)
	// idle is never started: it is catching up, so not ready.
	idle := projection.NewRunner("idle", env.Store, nil, func([]eventstore.RecordedEvent) error { return nil }, nil)

	run, err := grpcserver.Host(env.Ctx, grpcserver.HostConfig{Name: "test", Addr: "127.0.0.1:0", Verifier: env.Verifier,
		Policy: status.WithPolicy(auth.Policy{}), Start: alpha.Start,
		Register: func(g grpc.ServiceRegistrar) { status.Register(g, "test", alpha, idle) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(run.Stop)
	addr := run.Addr.String()

	for _, who := range []struct{ org, role string }{{"platform", auth.Auditor}, {"council:352", auth.CouncilCommissioner}, {"consortium:north-west", auth.ConsortiumLead}} {
		client := kitv1.NewStatusServiceClient(env.Dial(addr, env.Token("someone", who.org, who.role)))
		_, err := client.GetStatus(env.Ctx, &kitv1.GetStatusRequest{})
		servicetest.WantCode(t, err, codes.PermissionDenied)
	}

	admin := kitv1.NewStatusServiceClient(env.Dial(addr, env.Token("pat", "platform", auth.PlatformAdmin)))
	get := func() (a, i *kitv1.ReadModelStatus, res *kitv1.GetStatusResponse) {
		t.Helper()
		res = servicetest.Must(admin.GetStatus(env.Ctx, &kitv1.GetStatusRequest{})).OK(t)
		if res.GetService() != "test" || len(res.GetReadModels()) != 2 {
			t.Fatalf("status = %v, want test's two read models", res)
		}
		return res.GetReadModels()[0], res.GetReadModels()[1], res
	}

	a, i, res := get()
	// Beta's commit is not alpha's: alpha is at its own last commit, with no lag.
	if a.GetName() != "alpha" || a.GetPosition() != first || a.GetStorePosition() != last || a.GetLag() != 0 || !a.GetReady() || a.GetLastError() != "" {
		t.Errorf("alpha = %v, want at %d of %d, no lag, ready", a, first, last)
	}
	if i.GetName() != "idle" || i.GetReady() || i.GetLastError() == "" || res.GetServing() {
		t.Errorf("idle = %v, serving %t: want not ready with its reason, the service not serving", i, res.GetServing())
	}

	// A commit alpha has yet to apply is lag.
	slow := appendOne(t, env, "alpha", "slow")
	<-entered
	if a, _, _ := get(); a.GetPosition() != first || a.GetStorePosition() != slow || a.GetLag() != slow-first {
		t.Errorf("while applying: alpha = %v, want at %d of %d, lag %d", a, first, slow, slow-first)
	}
	close(gate)
	ctx, cancel := context.WithTimeout(env.Ctx, 5*time.Second)
	defer cancel()
	if err := alpha.WaitFor(ctx, slow); err != nil {
		t.Fatal(err)
	}
	if a, _, _ := get(); a.GetPosition() != slow || a.GetLag() != 0 {
		t.Errorf("after applying: alpha = %v, want at %d, no lag", a, slow)
	}
}
