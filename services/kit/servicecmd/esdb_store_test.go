package servicecmd

import (
	"testing"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/esdb"
	"github.com/carecoop/carecoop/services/kit/eventstore/esdb/esdbtest"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

func TestIsESDB(t *testing.T) {
	for _, tc := range []struct {
		in, url string
		ok, bad bool
	}{
		{"", "", false, false},
		{"jetstream", "", false, false},
		{"esdb://localhost:2113?tls=false", "esdb://localhost:2113?tls=false", true, false},
		{"kurrentdb+discover://a:2113,b:2113", "esdb+discover://a:2113,b:2113", true, false},
		{"postgres://x", "", false, true},
	} {
		url, ok, err := IsESDB(tc.in)
		if url != tc.url || ok != tc.ok || (err != nil) != tc.bad {
			t.Errorf("IsESDB(%q) = %q, %v, %v", tc.in, url, ok, err)
		}
	}
}

// -store esdb://… gives the service the ESDB store with the bus beside it.
func TestOpenStoreOnESDB(t *testing.T) {
	srv := esdbtest.Start(t)
	nc, _ := natstest.JetStream(t)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	store, closeStore, err := esdbOpenStore(t.Context(), srv.URL(), js, 1, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	if _, ok := store.(*esdb.BusStore); !ok {
		t.Fatalf("store is %T, want the ESDB store with the bus", store)
	}
	if src, ok := store.(bus.Source); !ok || src.StreamName() != jetstream.DefaultStreamName {
		t.Fatalf("the ESDB store is not the bus's source: %T", store)
	}
	sid, _ := eventstore.NewStreamID("framework", "framework", "fw-1")
	if _, err := store.Append(t.Context(), sid, eventstore.NoStream, eventstore.Metadata{}, wrapperspb.String("x")); err != nil {
		t.Fatal(err)
	}
	if srv.Appends() != 1 {
		t.Fatalf("%d appends reached EventStoreDB, want 1", srv.Appends())
	}
}
