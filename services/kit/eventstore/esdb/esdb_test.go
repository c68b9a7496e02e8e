package esdb_test

import (
	"os"
	"testing"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/conformance"
	"github.com/carecoop/carecoop/services/kit/eventstore/esdb"
	"github.com/carecoop/carecoop/services/kit/eventstore/esdb/esdbtest"
)

func newStore(t *testing.T, url string) *esdb.Store {
	t.Helper()
	s, err := esdb.New(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// The kit's conformance suite, unchanged, against the in-process test
// server of the EventStoreDB protocol.
func TestConformanceAgainstTestServer(t *testing.T) {
	srv := esdbtest.Start(t)
	s := newStore(t, srv.URL())
	conformance.Run(t, func(*testing.T) eventstore.Store { return s })
}

// The same suite against a real EventStoreDB or KurrentDB, to check the
// test server's fidelity: CARECOOP_ESDB_URL=esdb://localhost:2113?tls=false.
func TestConformanceAgainstRealServer(t *testing.T) {
	url := os.Getenv("CARECOOP_ESDB_URL")
	if url == "" {
		t.Skip("CARECOOP_ESDB_URL is not set: set it to an EventStoreDB/KurrentDB connection string (esdb://host:2113?tls=false) to run the conformance suite against a real server")
	}
	s := newStore(t, url)
	conformance.Run(t, func(*testing.T) eventstore.Store { return s })
}
