package natsserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/natsserver"
)

func TestStartConnectShutdown(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts natsserver.Options
	}{
		{"tcp", natsserver.Options{Port: -1}},
		{"in-process", natsserver.Options{DontListen: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.opts.DataDir = dir
			srv, err := natsserver.Start(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if (srv.ClientURL() == "") != tc.opts.DontListen {
				t.Fatalf("ClientURL %q with DontListen=%v", srv.ClientURL(), tc.opts.DontListen)
			}
			nc, err := srv.Connect()
			if err != nil {
				t.Fatal(err)
			}
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := js.Publish(ctx, "t.1", []byte("x")); err != nil {
				t.Fatal(err)
			}
			nc.Close()
			srv.Shutdown()

			// The store survives a restart on the same data dir.
			srv, err = natsserver.Start(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Shutdown()
			nc, err = srv.Connect()
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			js, _ = jetstream.New(nc)
			s, err := js.Stream(ctx, "T")
			if err != nil {
				t.Fatal(err)
			}
			if n := s.CachedInfo().State.Msgs; n != 1 {
				t.Fatalf("after restart: %d messages, want 1", n)
			}
		})
	}
}

func TestStartRequiresDataDir(t *testing.T) {
	if _, err := natsserver.Start(natsserver.Options{Port: -1}); err == nil {
		t.Fatal("Start without DataDir succeeded")
	}
}

// The durability choice reaches JetStream: what an operator chose is what
// the server runs with.
func TestSyncAlwaysReachesJetStream(t *testing.T) {
	for _, always := range []bool{false, true} {
		srv, err := natsserver.Start(natsserver.Options{DataDir: t.TempDir(), DontListen: true, SyncAlways: always})
		if err != nil {
			t.Fatal(err)
		}
		cfg := srv.NATS().JetStreamConfig()
		srv.Shutdown()
		if cfg == nil || cfg.SyncAlways != always {
			t.Fatalf("SyncAlways %v: JetStream runs with %+v", always, cfg)
		}
	}
}
