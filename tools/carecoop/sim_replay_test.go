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
	"github.com/carecoop/carecoop/services/kit/natsserver"
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
	s, dial, logs := simendStart(t, ns)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	pu := purchasingv1.NewPurchasingServiceClient(dial(s.pu.Addr.String()))
	refs := simAllReferrals(t, ctx, pu, &purchasingv1.ListReferralsRequest{})
	if got := len(refs); got != c.Referrals {
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

// simendStart starts the dev stack's services on the embedded server, as
// 'carecoop dev' does, and returns them, a dialler for the platform's
// admin and the warnings they log.
func simendStart(t *testing.T, ns *natsserver.Server) (*services, func(string) *grpc.ClientConn, *observer.ObservedLogs) {
	t.Helper()
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
	t.Cleanup(s.stop)
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
	return s, dial, logs
}

// A history ending today, started as 'carecoop dev' starts it: once the
// reactions have caught up and monitoring has swept for overdue returns
// (as it does at start), no return is missing and no risk level is raised
// for missing returns; any referral still open is the last days' own.
// The same history ending a year ago is the contrast: a year of returns
// missing, and risk levels raised for it, at the first sweep.
//
// 16,000 events: more than the market and its first two months, so the
// history has a whole month whose returns were filed, whatever today is.
func TestSimendHistoryEndingTodayStartsQuietly(t *testing.T) {
	today := simendOf(time.Now())
	for _, tc := range []struct {
		name    string
		end     time.Time
		missing bool
	}{{"ending today", today, false}, {"ending a year ago", today.AddDate(-1, 0, 0), true}} {
		t.Run(tc.name, func(t *testing.T) {
			ns, store, c := simendSimulated(t, 5, 16000, tc.end)
			s, dial, logs := simendStart(t, ns)
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			// The first sweep runs at start; this one, once every reaction
			// has caught up, finds what it found (or what it would have).
			if err := drainReactions(ctx, ns.NATS()); err != nil {
				t.Fatal(err)
			}
			if err := s.mo.App.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
			if err := drainReactions(ctx, ns.NATS()); err != nil {
				t.Fatal(err)
			}
			pos, err := store.LastPosition(ctx)
			if err != nil {
				t.Fatal(err)
			}
			mo := monitoringv1.NewMonitoringServiceClient(dial(s.mo.Addr.String()))
			comp, err := mo.ListReturnCompliance(ctx, &monitoringv1.ListReturnComplianceRequest{Consortium: simConsortium, Months: 12, MinPosition: pos})
			if err != nil {
				t.Fatal(err)
			}
			risks, err := mo.ListRiskLevels(ctx, &monitoringv1.ListRiskLevelsRequest{Consortium: simConsortium, MinPosition: pos})
			if err != nil {
				t.Fatal(err)
			}
			raised, forMissing := 0, 0
			why := map[string]int{}
			for _, p := range risks.GetProviders() {
				if p.GetLevel() > monitoringv1.RiskLevel_RISK_LEVEL_GREEN {
					raised++
				}
				reasons := p.GetReasons()
				for _, st := range p.GetSettings() {
					reasons = append(reasons, st.GetReasons()...)
				}
				for _, r := range reasons {
					why[r.GetIndicator().String()+"/"+r.GetLevel().String()]++
				}
				for _, r := range reasons {
					if r.GetIndicator() == monitoringv1.Indicator_INDICATOR_MISSING_RETURNS {
						forMissing++
						break
					}
				}
			}
			t.Logf("%d events from %s to %s; returns expected %d, filed %d, missing %d; %d of %d providers above green, %d for missing returns; reasons %v",
				c.Events, c.First.Format(time.DateOnly), c.Last.Format(time.DateOnly), comp.GetExpected(), comp.GetFiled(), len(comp.GetMissing()), raised, len(risks.GetProviders()), forMissing, why)
			if tc.missing {
				if len(comp.GetMissing()) == 0 || forMissing == 0 {
					t.Errorf("a history ending a year ago: %d returns missing, %d providers raised for it; want some", len(comp.GetMissing()), forMissing)
				}
				return
			}
			if comp.GetFiled() == 0 {
				t.Fatal("no return filed in the last 12 months: nothing to look at")
			}
			if len(comp.GetMissing()) > 0 || forMissing > 0 {
				t.Errorf("a history ending today: %d returns missing (first %v), %d providers raised for missing returns; want none", len(comp.GetMissing()), comp.GetMissing()[:min(1, len(comp.GetMissing()))], forMissing)
			}
			pu := purchasingv1.NewPurchasingServiceClient(dial(s.pu.Addr.String()))
			open, err := pu.ListReferrals(ctx, &purchasingv1.ListReferralsRequest{Status: purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN, MinPosition: pos})
			if err != nil {
				t.Fatal(err)
			}
			// None may be open on some days: referrals are made up to the
			// 26th of a month and decided within four working days.
			t.Logf("%d referrals open", len(open.GetReferrals()))
			for _, r := range open.GetReferrals() {
				if at := r.GetCreatedAt().AsTime(); at.Before(tc.end.AddDate(0, 0, -7)) {
					t.Errorf("referral %s made on %s is still open", r.GetReferralId(), at.Format(time.DateOnly))
				}
			}
			for _, e := range logs.All() {
				if e.Level >= zapcore.ErrorLevel {
					t.Errorf("start logged %s %q %v", e.Level, e.Message, e.ContextMap())
				}
			}
		})
	}
}

// simAllReferrals reads every page of a ListReferrals.
func simAllReferrals(t *testing.T, ctx context.Context, pu purchasingv1.PurchasingServiceClient, req *purchasingv1.ListReferralsRequest) []*purchasingv1.ReferralView {
	t.Helper()
	var out []*purchasingv1.ReferralView
	for {
		res, err := pu.ListReferrals(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.GetReferrals()...)
		if res.GetNextPageToken() == "" {
			return out
		}
		req.PageToken = res.GetNextPageToken()
	}
}
