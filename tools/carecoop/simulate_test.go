package main

import (
	"context"
	"crypto/ed25519"
	"testing"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
)

// simulated writes a history into a fresh embedded server and returns a
// store on it and the server.
func simulated(t *testing.T, seed uint64, events int) (*natsserver.Server, *jetstream.Store) {
	t.Helper()
	ns, err := natsserver.Start(natsserver.Options{DataDir: t.TempDir(), DontListen: true, ServerName: "simulate-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ns.Shutdown)
	nc, err := ns.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jetstream.New(t.Context(), js)
	if err != nil {
		t.Fatal(err)
	}
	n, err := simulate(t.Context(), js, seed, events, simScales["region"], nil)
	if err != nil {
		t.Fatal(err)
	}
	if n < events {
		t.Fatalf("wrote %d events, want at least %d", n, events)
	}
	return ns, s
}

// The same seed writes the same history (event ids aside: they are UUIDv7s).
func TestSimulateIsDeterministic(t *testing.T) {
	read := func(s *jetstream.Store) []eventstore.RecordedEvent {
		var out []eventstore.RecordedEvent
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		last, err := s.LastPosition(ctx)
		if err != nil {
			t.Fatal(err)
		}
		_ = s.Subscribe(ctx, 0, nil, func(c []eventstore.RecordedEvent) error {
			out = append(out, c...)
			if c[0].Position == last {
				cancel()
			}
			return nil
		})
		return out
	}
	_, a := simulated(t, 7, 3000)
	_, b := simulated(t, 7, 3000)
	ea, eb := read(a), read(b)
	if len(ea) != len(eb) || len(ea) < 3000 {
		t.Fatalf("%d and %d events", len(ea), len(eb))
	}
	for i := range ea {
		x, y := ea[i], eb[i]
		if x.StreamID != y.StreamID || x.Version != y.Version || x.Position != y.Position || !x.OccurredAt.Equal(y.OccurredAt) || !proto.Equal(x.Event, y.Event) {
			t.Fatalf("event %d differs: %v %s v%d vs %v %s v%d", i, x.StreamID, x.Type, x.Version, y.StreamID, y.Type, y.Version)
		}
	}
}

// The services build their read models from a simulated history: its
// payloads are ones they accept.
func TestServicesStartOnASimulatedHistory(t *testing.T) {
	ns, _ := simulated(t, 1, 5000)
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
	s, err := startServices(t.Context(), serviceConfig{stores: stores, verifier: verifier, log: zap.NewNop(), framework: "127.0.0.1:0", purchasing: "127.0.0.1:0",
		demand: "127.0.0.1:0", monitoring: "127.0.0.1:0", notify: "127.0.0.1:0", portalURL: "http://127.0.0.1:1"}, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.stop()
	for name, ready := range map[string]func() error{"framework": s.fw.App.Ready, "purchasing": s.pu.App.Ready, "monitoring": s.mo.App.Ready} {
		if err := ready(); err != nil {
			t.Errorf("%s not ready: %v", name, err)
		}
	}
}
