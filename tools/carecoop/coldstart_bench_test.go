package main

import (
	"context"
	"crypto/ed25519"
	"os"
	"strconv"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
)

// BenchmarkDevColdStart: the dev stack's services starting over a simulated
// history (CARECOOP_COLDSTART_EVENTS, 100,000 by default, region scale) until
// each has built its read models, started one after another (as before
// issue 16) and all at once (now), alternately in the same run over the
// same store. The NATS server stays up, so its file store is warm for both.
// One untimed start first lets the reactions (monitoring's contracts,
// notify) catch up, so the timed starts find the same history.
func BenchmarkDevColdStart(b *testing.B) {
	events := 100_000
	if v := os.Getenv("CARECOOP_COLDSTART_EVENTS"); v != "" {
		var err error
		if events, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	ctx := b.Context()
	ns, err := natsserver.Start(natsserver.Options{DataDir: b.TempDir(), Port: -1, ServerName: "coldstart"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(ns.Shutdown)
	nc, err := ns.Connect()
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := natsjs.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := jetstream.New(ctx, js); err != nil { // creates the stream
		b.Fatal(err)
	}
	t0 := time.Now()
	n, err := simulate(ctx, js, 16, events, simScales["region"], nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("simulated %d events in %v", n, time.Since(t0))
	_, key, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	verifier, err := auth.NewKeyVerifier(key.Public().(ed25519.PublicKey))
	if err != nil {
		b.Fatal(err)
	}
	start := func(concurrent bool) time.Duration {
		stores := map[string]eventstore.Store{}
		for _, svc := range natsperm.Services() {
			c, err := ns.Connect()
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			cjs, err := natsjs.New(c)
			if err != nil {
				b.Fatal(err)
			}
			if stores[svc], err = jetstream.New(ctx, cjs); err != nil {
				b.Fatal(err)
			}
		}
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		t := time.Now()
		s, err := startServices(sctx, serviceConfig{stores: stores, verifier: verifier, log: benchLog, framework: "127.0.0.1:0", purchasing: "127.0.0.1:0",
			demand: "127.0.0.1:0", monitoring: "127.0.0.1:0", notify: "127.0.0.1:0", portalURL: "http://127.0.0.1:1"}, concurrent)
		if err != nil {
			b.Fatal(err)
		}
		d := time.Since(t)
		s.stop()
		return d
	}
	start(true) // untimed: reactions catch up
	b.ResetTimer()
	var seq, conc time.Duration
	for range b.N {
		seq += start(false)
		conc += start(true)
	}
	b.ReportMetric(seq.Seconds()/float64(b.N), "one-after-another-s")
	b.ReportMetric(conc.Seconds()/float64(b.N), "concurrent-s")
	b.ReportMetric(float64(conc)/float64(seq), "concurrent/one-after-another")
}

var benchLog = func() *zap.Logger {
	if os.Getenv("CARECOOP_COLDSTART_LOG") == "" {
		return zap.NewNop()
	}
	l, _ := zap.NewDevelopment()
	return l
}()
