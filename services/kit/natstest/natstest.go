// Package natstest starts a real in-process nats-server with JetStream for
// tests: no mocks, one throwaway server per test.
package natstest

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver"
)

// JetStream starts a server storing in t.TempDir(), connects to it and
// registers cleanup (connection first, then the server) with t.
//
// The server listens on a random loopback port rather than in-process only:
// a TCP loopback connection is markedly faster than the in-process pipe, and
// tests may want a URL for a second client.
func JetStream(t testing.TB) (*nats.Conn, *natsserver.Server) {
	t.Helper()
	srv, err := natsserver.Start(natsserver.Options{DataDir: t.TempDir(), Port: -1})
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	t.Cleanup(srv.Shutdown)
	// With the store's connection options, as a service connects.
	nc, err := srv.Connect(jetstream.ConnOptions()...)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	// Cleanups run last-in first-out: the connection closes before the server stops.
	t.Cleanup(nc.Close)
	return nc, srv
}

// Store starts a server as JetStream does and returns a JetStream context on
// it and the kit's event store over it, with the store's default options.
func Store(t testing.TB, opts ...jetstream.Option) (natsjs.JetStream, *jetstream.Store) {
	t.Helper()
	nc, _ := JetStream(t)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	s, err := jetstream.New(context.Background(), js, opts...)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	return js, s
}
