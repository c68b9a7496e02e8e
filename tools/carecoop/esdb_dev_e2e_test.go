package main

import (
	"testing"

	"github.com/carecoop/carecoop/services/kit/eventstore/esdb/esdbtest"
	"github.com/carecoop/carecoop/services/kit/servicecmd"
)

// TestDevStackEndToEndOnESDB is TestDevStackEndToEnd with EventStoreDB as
// the store of record (CARECOOP_STORE, read by `carecoop dev` as --store's
// default), against the in-process test server of the ESDB protocol: the
// same demo, the same answers, and the same answers after a restart, with
// the bus on NATS through the relay.
func TestDevStackEndToEndOnESDB(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the carecoop binary")
	}
	srv := esdbtest.Start(t)
	t.Setenv(servicecmd.StoreEnv, srv.URL())
	devStackEndToEnd(t)
	if srv.Appends() == 0 {
		t.Fatal("the dev stack stored nothing in EventStoreDB")
	}
}
