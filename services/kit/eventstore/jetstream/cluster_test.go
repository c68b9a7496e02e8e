package jetstream_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/conformance"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

// TestConformanceR3 runs the suite on a replicated stream over a three-node
// cluster, the production shape. A clustered stream behaves differently
// where the store cares: it deduplicates before checking the expected
// sequence, and refuses to check it at all (10164) while a message on the
// subject is in process, even one it has already acknowledged.
func TestConformanceR3(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-node cluster")
	}
	servers := natstest.Cluster(t, 3)
	nc, err := nats.Connect(servers[0].ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	// New waits until the cluster has elected a JetStream meta leader.
	store, err := jetstream.New(ctx, js, jetstream.WithReplicas(3))
	if err != nil {
		t.Fatalf("creating the R3 stream: %v", err)
	}
	// One store for every subtest: the suite uses fresh stream ids, and a
	// cluster per subtest would take most of a minute.
	conformance.Run(t, func(*testing.T) eventstore.Store { return store })
}
