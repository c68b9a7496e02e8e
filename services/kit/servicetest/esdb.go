package servicetest

import (
	"context"
	"os"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/esdb"
	"github.com/carecoop/carecoop/services/kit/eventstore/esdb/esdbtest"
)

// StoreEnv, set to "esdb", runs every Env on EventStoreDB instead of
// JetStream: an in-process test server of the ESDB protocol (esdbtest) as
// the store of record, and the relay filling the NATS event stream the
// services' reactions consume, as `carecoop dev --store esdb://…` runs.
// So a service's gRPC tests run on either backend:
//
//	CARECOOP_TEST_STORE=esdb go test ./services/framework/...
const StoreEnv = "CARECOOP_TEST_STORE"

// Store is what Env hands a service: the event store with the bus beside
// it (the JetStream store itself, or esdb.BusStore).
type Store interface {
	eventstore.Store
	JetStream() natsjs.JetStream
	StreamName() string
	FirstPositionAfter(ctx context.Context, after uint64, filter string) (uint64, bool, error)
}

var (
	_ Store = (*esdb.BusStore)(nil)
)

// esdbStart starts the ESDB test server and the relay, when StoreEnv asks.
func (e *Env) esdbStart() {
	if os.Getenv(StoreEnv) != "esdb" {
		return
	}
	e.t.Helper()
	srv := esdbtest.Start(e.t)
	e.esdbURL = srv.URL()
	js := e.esdbJetStream()
	relay, err := esdb.NewRelay(e.Ctx, e.esdbClient(), js, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(e.Ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = relay.Run(ctx)
	}()
	// Stopped before the servers it talks to (cleanups run last in, first out).
	e.t.Cleanup(func() { cancel(); <-done })
}

func (e *Env) esdbJetStream() natsjs.JetStream {
	e.t.Helper()
	nc, err := e.NATS.Connect()
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(nc.Close)
	js, err := natsjs.New(nc)
	if err != nil {
		e.t.Fatal(err)
	}
	return js
}

func (e *Env) esdbClient() *esdb.Store {
	e.t.Helper()
	s, err := esdb.New(e.esdbURL, esdb.WithClock(e.Clock.Now))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { _ = s.Close() })
	return s
}

// CommitsBetween counts the commits stored after position from up to and
// including position to (a commit's, such as LastPosition's): what a test
// asks instead of to-from, since only JetStream's positions are consecutive.
func (e *Env) CommitsBetween(from, to uint64) int {
	e.t.Helper()
	if to <= from {
		return 0
	}
	ctx, cancel := context.WithCancel(e.Ctx)
	defer cancel()
	n := 0
	err := e.Store.Subscribe(ctx, from, nil, func(c []eventstore.RecordedEvent) error {
		if c[0].Position <= to {
			n++
		}
		if c[0].Position >= to {
			cancel()
		}
		return nil
	})
	if ctx.Err() == nil {
		e.t.Fatalf("counting commits in (%d, %d]: %v", from, to, err)
	}
	return n
}
