package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver"
)

// --drain-reactions waits while a durable consumer of the events' stream
// has events to go, and returns once it has handled them all.
func TestDrainReactionsWaitsForDurableConsumers(t *testing.T) {
	srv, err := natsserver.Start(natsserver.Options{DataDir: t.TempDir(), Port: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	nc, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, natsjs.StreamConfig{Name: jetstream.DefaultStreamName, Subjects: []string{"carecoop.evt.>"}}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := js.Publish(ctx, "carecoop.evt.test.thing.1", []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, jetstream.DefaultStreamName, natsjs.ConsumerConfig{Durable: "a-reaction", AckPolicy: natsjs.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}

	wctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := drainReactions(wctx, srv.NATS()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("with three events to go, drainReactions = %v; want it still waiting when its context ends", err)
	}

	batch, err := cons.Fetch(3)
	if err != nil {
		t.Fatal(err)
	}
	for m := range batch.Messages() {
		if err := m.DoubleAck(ctx); err != nil {
			t.Fatal(err)
		}
	}
	wctx, cancel = context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := drainReactions(wctx, srv.NATS()); err != nil {
		t.Fatalf("with every event handled, drainReactions = %v", err)
	}
}

// The flags that act once the stack is ready say so when given alone,
// rather than being ignored by a stack that runs until stopped.
func TestDrainAndHeapProfileNeedExitWhenReady(t *testing.T) {
	for _, args := range [][]string{
		{"--data", t.TempDir(), "--drain-reactions"},
		{"--data", t.TempDir(), "--heap-profile", "heap.pprof"},
	} {
		err := runDev(args)
		if err == nil || !strings.Contains(err.Error(), "--exit-when-ready") {
			t.Errorf("carecoop dev %v = %v; want an error naming --exit-when-ready", args, err)
		}
	}
}

// On EventStoreDB the history's end is not a position of the event stream
// the reactions consume: --reactions-from-end says so rather than being
// ignored.
func TestReactionsFromEndRefusedOnESDB(t *testing.T) {
	err := runDev([]string{"--data", t.TempDir(), "--store", "esdb://127.0.0.1:1?tls=false", "--reactions-from-end"})
	if err == nil || !strings.Contains(err.Error(), "--reactions-from-end") {
		t.Fatalf("carecoop dev --store esdb://… --reactions-from-end = %v; want an error naming --reactions-from-end", err)
	}
}
