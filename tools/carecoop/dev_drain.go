package main

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
)

// storeRecovery bounds the embedded server's start: it reads the store's
// index first, which for the 11 GB of a ten-year national history took
// 5–9 s (natsserver's default is 10 s).
const storeRecovery = 5 * time.Minute

// drainReactions waits until no durable consumer of the embedded server has
// a message pending or unacknowledged, twice in a row with the stores' last
// sequences unchanged (a reaction's own commit wakes the next reaction, so one
// quiet look is not enough). Read from the server's own monitoring state: no
// NATS user needs the right to list every consumer.
func drainReactions(ctx context.Context, ns *server.Server) error {
	var quiet int
	var lastSeqs uint64
	said := time.Now()
	for quiet < 2 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		info, err := ns.Jsz(&server.JSzOptions{Accounts: true, Streams: true, Consumer: true, Config: true})
		if err != nil {
			return fmt.Errorf("reading the consumers' state: %w", err)
		}
		pending, seqs := uint64(0), uint64(0)
		for _, acc := range info.AccountDetails {
			for _, st := range acc.Streams {
				if st.Name == jetstream.DefaultStreamName {
					// The events' stream only: snapshots and sessions
					// are written to their own streams while the stack runs.
					seqs += st.State.LastSeq
				}
				for _, c := range st.Consumer {
					if c.Config != nil && c.Config.Durable != "" {
						pending += c.NumPending + uint64(c.NumAckPending)
					}
				}
			}
		}
		if time.Since(said) > 30*time.Second {
			fmt.Printf("carecoop dev: reactions have %d events to go\n", pending)
			said = time.Now()
		}
		if pending == 0 && seqs == lastSeqs {
			quiet++
		} else {
			quiet = 0
		}
		lastSeqs = seqs
	}
	return nil
}

// startReactionsAtEnd positions each reaction of svc that has never run
// after the store's last event (bus.StartAfter), as it would be on a
// platform that had run through that history.
func startReactionsAtEnd(ctx context.Context, js natsjs.JetStream, store eventstore.Store, svc string) error {
	pos, err := store.LastPosition(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", svc, err)
	}
	for _, d := range natsperm.Durables(svc) {
		if err := bus.StartAfter(ctx, js, jetstream.DefaultStreamName, d, pos); err != nil {
			return fmt.Errorf("%s: %w", svc, err)
		}
	}
	return nil
}
