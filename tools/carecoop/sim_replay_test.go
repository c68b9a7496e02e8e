package main

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
	"google.golang.org/grpc"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
)

// The services replay a simulated history as one the platform wrote: each
// becomes ready, none skips an event it does not know or logs an error,
// and their queries count what the simulator says it wrote.
func TestSimReplaysThroughTheServices(t *testing.T) {
	ns, _, c := simulated(t, 3, 20000)
	if c.Referrals == 0 || c.Placements == 0 || c.Returns == 0 || c.Frameworks == 0 || c.NeedsReturns == 0 || c.Outcomes == 0 {
		t.Fatalf("a history without every kind of activity: %s", c.summary())
	}
	stores := map[string]eventstore.Store{}
	for _, svc := range natsperm.Services() {
		nc, err := ns.Connect()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(nc.Close)
		js, err := natsjs.New(nc)
		if err != nil {
			t.Fatal(err)
		}
		if stores[svc], err = jetstream.New(t.Context(), js); err != nil {
			t.Fatal(err)
		}
	}
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := auth.NewKeyVerifier(key.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.WarnLevel)
	s, err := startServices(t.Context(), serviceConfig{stores: stores, verifier: verifier, log: zap.New(core), framework: "127.0.0.1:0", purchasing: "127.0.0.1:0",
		demand: "127.0.0.1:0", monitoring: "127.0.0.1:0", notify: "127.0.0.1:0", portalURL: "http://127.0.0.1:1"}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	for name, ready := range map[string]func() error{"framework": s.fw.App.Ready, "purchasing": s.pu.App.Ready, "demand": s.de.App.Ready, "monitoring": s.mo.App.Ready} {
		if err := ready(); err != nil {
			t.Errorf("%s not ready: %v", name, err)
		}
	}

	tok, err := auth.IssueToken(key, auth.Principal{Subject: "admin@platform", Organisation: "platform", Roles: []string{auth.PlatformAdmin}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dial := func(addr string) *grpc.ClientConn {
		conn, err := grpcserver.NewClient(addr, tok)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	pu := purchasingv1.NewPurchasingServiceClient(dial(s.pu.Addr.String()))
	refs, err := pu.ListReferrals(ctx, &purchasingv1.ListReferralsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(refs.GetReferrals()); got != c.Referrals {
		t.Errorf("ListReferrals: %d referrals, the simulator wrote %d", got, c.Referrals)
	}
	pls, err := pu.ListPlacements(ctx, &purchasingv1.ListPlacementsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(pls.GetPlacements()); got != c.Placements {
		t.Errorf("ListPlacements: %d placements, the simulator wrote %d", got, c.Placements)
	}
	mo := monitoringv1.NewMonitoringServiceClient(dial(s.mo.Addr.String()))
	for _, urn := range []string{"SC000000", "SC000100", "SC000777"} {
		rs, err := mo.ListMonitoringReturns(ctx, &monitoringv1.ListMonitoringReturnsRequest{Urn: urn})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(rs.GetReturns()), c.ReturnsBy[urn]; got != want || want == 0 {
			t.Errorf("ListMonitoringReturns %s: %d returns, the simulator wrote %d", urn, got, want)
		}
	}
	for _, e := range logs.All() {
		if e.Level >= zapcore.ErrorLevel || e.Message == "projection skips an event type it does not know" {
			t.Errorf("replay logged %s %q %v", e.Level, e.Message, e.ContextMap())
		}
	}
}
