package servicecmd

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

// tlsServer runs a nats-server that speaks TLS only, asks clients for a
// certificate signed by the test CA, and admits the services' users.
func tlsServer(t *testing.T) (string, natstest.TLSFiles, natsserver.Credentials) {
	t.Helper()
	files := natstest.TLS(t, "127.0.0.1")
	tc, err := server.GenTLSConfig(&server.TLSConfigOpts{CertFile: files.Cert, KeyFile: files.Key, CaFile: files.CA, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := natsserver.LoadOrCreateCredentials(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	users, err := natsserver.ServiceUsers(creds)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(),
		TLSConfig: tc, TLSVerify: true, TLSTimeout: 5, Users: users, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go s.Start()
	t.Cleanup(s.Shutdown)
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	return s.ClientURL(), files, creds
}

// The standalone service reaches a TLS NATS with the CA, its client
// certificate and its user, and its own user's permissions are enough for
// its store.
func TestServiceConnectsOverTLSAsItsUser(t *testing.T) {
	url, files, creds := tlsServer(t)
	t.Setenv("NATS_USER", "demand")
	t.Setenv("NATS_PASSWORD", creds["demand"])
	opts, err := NATSFlags{ca: files.CA, cert: files.Cert, key: files.Key}.options("demand")
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		t.Fatalf("connecting with the CA and a client certificate: %v", err)
	}
	defer nc.Close()
	if _, err := nc.TLSConnectionState(); err != nil {
		t.Fatalf("the connection is not TLS: %v", err)
	}
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store, err := jetstream.New(ctx, js)
	if err != nil {
		t.Fatalf("opening the store as demand: %v", err)
	}
	sid := eventstore.StreamID{Context: "demand", Aggregate: "return", ID: "352-2025-03-31"}
	if _, err := store.Append(ctx, sid, eventstore.NoStream, eventstore.Metadata{RequestID: "r"}, wrapperspb.String("counts")); err != nil {
		t.Fatalf("demand appending its own event: %v", err)
	}
	if got, err := store.ReadStream(ctx, sid); err != nil || len(got) != 1 {
		t.Fatalf("read back %d events, %v", len(got), err)
	}
}

func TestServiceRefusesOrIsRefusedWithoutTheRightTLS(t *testing.T) {
	url, files, creds := tlsServer(t)
	t.Setenv("NATS_USER", "demand")
	t.Setenv("NATS_PASSWORD", creds["demand"])
	for _, tc := range []struct {
		name string
		f    NATSFlags
		want []string
	}{
		{"no CA: the server's certificate is not trusted", NATSFlags{cert: files.Cert, key: files.Key}, []string{"unknown authority"}},
		// Under TLS 1.3 the client has finished its handshake before the
		// server checks its (missing) certificate: the server's "certificate
		// required" alert races the client's first write on a socket the
		// server is closing, so the client sees the alert or the closed
		// connection. Either way it is not let in.
		{"no client certificate: the server refuses the client", NATSFlags{ca: files.CA},
			[]string{"certificate required", "broken pipe", "connection reset by peer", "EOF"}},
	} {
		opts, err := tc.f.options("demand")
		if err != nil {
			t.Fatal(err)
		}
		nc, err := nats.Connect(url, append(opts, nats.MaxReconnects(0))...)
		if err == nil {
			nc.Close()
			t.Errorf("%s: connected", tc.name)
		} else if !slices.ContainsFunc(tc.want, func(w string) bool { return strings.Contains(err.Error(), w) }) {
			t.Errorf("%s: %v, want one of %q", tc.name, err, tc.want)
		}
	}
	if _, err := (NATSFlags{ca: files.CA, cert: files.Cert}).options("demand"); err == nil {
		t.Error("a client certificate without its key was accepted")
	}
}
