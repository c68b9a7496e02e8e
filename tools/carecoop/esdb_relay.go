package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/eventstore/esdb"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
	"github.com/carecoop/carecoop/services/kit/servicecmd"
)

// runESDBRelay is `carecoop esdb-relay`: the relay from EventStoreDB to
// the NATS event stream, for a deployment whose services run with
// -store esdb://… (carecoop dev runs its own).
func runESDBRelay(args []string) error {
	fs := flag.NewFlagSet("esdb-relay", flag.ContinueOnError)
	store := servicecmd.RegisterStore(fs)
	var natsCfg servicecmd.NATSFlags
	natsCfg.Register(fs)
	replicas := fs.Int("replicas", 1, "JetStream replicas of the event stream, if the relay creates it (3 on a cluster)")
	dev := fs.Bool("dev-log", false, "human-readable logs")
	if err := parseFlags(fs, args, os.Stdout, `Copies every commit stored in EventStoreDB/KurrentDB (-store) to the NATS event
stream the services' reactions consume, in $all order, each exactly once; its
checkpoint is in NATS. Connects to NATS as the relay user (NATS_USER=relay,
NATS_PASSWORD from the environment, or -nats-creds). Run one: a second one
publishes nothing twice, but does the work twice.
`); err != nil {
		return err
	}
	url, ok, err := servicecmd.IsESDB(*store)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("-store (or $" + servicecmd.StoreEnv + ") must be an esdb:// connection string: with JetStream as the store there is nothing to relay")
	}
	log, err := grpcserver.NewLogger(*dev)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	nc, err := natsCfg.Connect(natsperm.Relay)
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := natsjs.New(nc)
	if err != nil {
		return err
	}
	es, err := esdb.New(url)
	if err != nil {
		return err
	}
	defer func() { _ = es.Close() }()
	relay, err := esdb.NewRelay(ctx, es, js, log, jetstream.WithReplicas(*replicas), jetstream.WithLogger(log))
	if err != nil {
		return fmt.Errorf("esdb relay: %w", err)
	}
	if err := relay.Run(ctx); !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
