package servicecmd

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/esdb"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
)

// StoreEnv names the store of record when -store is not given.
const StoreEnv = "CARECOOP_STORE"

// RegisterStore adds -store to fs: "jetstream" (the default) or an
// EventStoreDB/KurrentDB connection string, defaulting to $CARECOOP_STORE.
func RegisterStore(fs *flag.FlagSet) *string {
	def := os.Getenv(StoreEnv)
	if def == "" {
		def = "jetstream"
	}
	return fs.String("store", def, `the store of record: "jetstream" (the NATS cluster's event stream) or an EventStoreDB/KurrentDB connection string such as esdb://kurrentdb-1:2113,kurrentdb-2:2113,kurrentdb-3:2113?tls=true; then NATS stays the bus, filled by 'carecoop esdb-relay' (default $`+StoreEnv+`)`)
}

// IsESDB reports whether a -store value names an EventStoreDB server, and
// turns a kurrentdb:// scheme into the esdb:// one the v4 client reads.
func IsESDB(store string) (url string, ok bool, err error) {
	if rest, found := strings.CutPrefix(store, "kurrentdb"); found {
		store = "esdb" + rest
	}
	switch {
	case store == "" || store == "jetstream":
		return "", false, nil
	case strings.HasPrefix(store, "esdb://") || strings.HasPrefix(store, "esdb+discover://"):
		return store, true, nil
	}
	return "", false, fmt.Errorf("-store: %q is neither jetstream nor an esdb:// connection string", store)
}

// esdbOpenStore opens the store -store names: the JetStream event stream
// (waiting for the cluster), or EventStoreDB paired with the bus on js.
func esdbOpenStore(ctx context.Context, store string, js natsjs.JetStream, replicas int, log *zap.Logger) (eventstore.Store, func(), error) {
	url, onESDB, err := IsESDB(store)
	if err != nil {
		return nil, nil, err
	}
	if !onESDB {
		s, err := jetstream.New(ctx, js, jetstream.WithReplicas(replicas), jetstream.WithLogger(log))
		return s, func() {}, err
	}
	es, err := esdb.New(url)
	if err != nil {
		return nil, nil, err
	}
	log.Info("store of record: EventStoreDB; bus: NATS, filled by the relay")
	return esdb.WithBus(es, js, ""), func() { _ = es.Close() }, nil
}
