package main

import (
	"context"
	"io"
	"testing"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
)

// lastSeqAndConsumers opens a stopped stack's data and returns the events'
// last position, the events after position from caused by one up to it, and the
// configuration and state of every durable on them.
func lastSeqAndConsumers(t *testing.T, dir string, from uint64) (uint64, []string, map[string]*natsjs.ConsumerInfo) {
	t.Helper()
	ns, err := natsserver.Start(natsserver.Options{DataDir: dir, DontListen: true, ServerName: "look"})
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Shutdown()
	nc, err := ns.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, err := js.Stream(ctx, jetstream.DefaultStreamName)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*natsjs.ConsumerInfo{}
	for ci := range st.ListConsumers(ctx).Info() {
		if ci.Config.Durable != "" {
			got[ci.Config.Durable] = ci
		}
	}
	last := st.CachedInfo().State.LastSeq
	store, err := jetstream.New(ctx, js)
	if err != nil {
		t.Fatal(err)
	}
	// What caused each commit after from, if it was an event up to from.
	history := map[string]bool{}
	var after []string
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	err = store.Subscribe(rctx, 0, nil, func(commit []eventstore.RecordedEvent) error {
		for _, e := range commit {
			if e.Position <= from {
				history[e.EventID] = true
			} else if history[e.CausationID] {
				after = append(after, e.Type+" on "+e.StreamID.String()+" caused by the history's "+e.CausationID)
			}
		}
		if commit[0].Position >= last {
			stop()
		}
		return nil
	})
	if err != nil && rctx.Err() == nil {
		t.Fatal(err)
	}
	return last, after, got
}

// On a simulated history ending today, --reactions-from-end starts every reaction after
// the history: none handles it again (nothing is written, nothing is
// pending), and each has its own filter, ready for what comes next.
func TestDevReactionsFromEndStartAfterTheHistory(t *testing.T) {
	dir := t.TempDir()
	if err := runSimulate([]string{"--data", dir, "--events", "16000"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	written, _, _ := lastSeqAndConsumers(t, dir, 0)
	if err := runDev([]string{"--data", dir, "--no-seed", "--exit-when-ready", "--drain-reactions", "--reactions-from-end",
		"--nats-addr", "127.0.0.1:0", "--framework-addr", "127.0.0.1:0", "--purchasing-addr", "127.0.0.1:0", "--demand-addr", "127.0.0.1:0",
		"--monitoring-addr", "127.0.0.1:0", "--notify-addr", "127.0.0.1:0", "--portal-addr", "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	_, after, consumers := lastSeqAndConsumers(t, dir, written)
	// The start's sweep may assess risk, and reactions react to that; but
	// nothing is a reaction to an event of the history.
	for _, e := range after {
		t.Errorf("after the history: %s; want no reaction to it", e)
	}
	for _, svc := range natsperm.Services() {
		for _, d := range natsperm.Durables(svc) {
			ci, ok := consumers[d]
			switch {
			case !ok:
				t.Errorf("%s's reaction %s has no consumer", svc, d)
			case ci.Config.OptStartSeq != written+1 || ci.NumPending != 0 || ci.NumAckPending != 0:
				t.Errorf("%s starts at %d with %d pending, %d unacknowledged; want from %d with none", d, ci.Config.OptStartSeq, ci.NumPending, ci.NumAckPending, written+1)
			case len(ci.Config.FilterSubjects) == 0:
				t.Errorf("%s has no filter: the reaction did not set its own", d)
			}
		}
	}
}
