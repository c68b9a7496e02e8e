package main

import (
	"context"
	"fmt"
	"os"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/esdb"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
	"github.com/carecoop/carecoop/services/kit/servicecmd"
)

// esdbStoreUsage is --store's help.
const esdbStoreUsage = `the store of record: "jetstream" (the embedded NATS; the default), or an EventStoreDB/KurrentDB connection string such as esdb://localhost:2113?tls=false, which keeps the events there and NATS as the bus (a relay in this process copies each commit); default $` + servicecmd.StoreEnv

// esdbDefaultStore is --store's default: $CARECOOP_STORE, else jetstream.
func esdbDefaultStore() string {
	if v := os.Getenv(servicecmd.StoreEnv); v != "" {
		return v
	}
	return "jetstream"
}

// esdbStores opens the EventStoreDB store for every service, each paired
// with the bus on its own NATS user, and runs the relay (its own NATS user)
// until ctx ends. The relay creates the event stream, so it starts first.
func esdbStores(ctx context.Context, url string, ns *natsserver.Server, creds natsserver.Credentials, log *zap.Logger) (map[string]eventstore.Store, func(), error) {
	es, err := esdb.New(url)
	if err != nil {
		return nil, nil, err
	}
	var closers []func()
	stop := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	closers = append(closers, func() { _ = es.Close() })
	connect := func(user string) (natsjs.JetStream, error) {
		nc, err := ns.Connect(creds.ConnectOptions(user)...)
		if err != nil {
			return nil, err
		}
		closers = append(closers, nc.Close)
		return natsjs.New(nc)
	}
	rjs, err := connect(natsperm.Relay)
	if err != nil {
		stop()
		return nil, nil, err
	}
	relay, err := esdb.NewRelay(ctx, es, rjs, log)
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("esdb relay: %w", err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = relay.Run(rctx)
	}()
	closers = append(closers, func() { cancel(); <-done })
	stores := map[string]eventstore.Store{}
	for _, svc := range natsperm.Services() {
		js, err := connect(svc)
		if err != nil {
			stop()
			return nil, nil, err
		}
		stores[svc] = esdb.WithBus(es, js, "")
	}
	return stores, stop, nil
}
