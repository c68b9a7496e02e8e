package bus_test

import (
	"context"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

// reactionDeadline is how soon after its event a reaction must land though
// the replica handling it dies (issue 17): a provider judged Inadequate
// must not stay matchable for the server's whole AckWait.
const reactionDeadline = 5 * time.Second

// Two replicas of a service share a durable consumer with the default
// configuration; the one handling an event dies mid-handler (its connection
// closes, nothing is acknowledged). The other replica must get the event
// and its reaction land within reactionDeadline of the event.
func TestFaultReplicaDiesMidReaction(t *testing.T) {
	nc, srv := natstest.JetStream(t)
	jsOf := func() natsjs.JetStream {
		c, err := srv.Connect()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		js, err := natsjs.New(c)
		if err != nil {
			t.Fatal(err)
		}
		return js
	}
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jetstream.New(t.Context(), js)
	if err != nil {
		t.Fatal(err)
	}
	// The production configuration: only the name and the filter.
	cfg := bus.Config{Durable: "reaction", FilterSubjects: []string{eventstore.ContextFilter("purchasing")}}

	// Replica A: takes the event and never finishes it, as a process
	// killed mid-handler.
	aConn, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(aConn.Close)
	aJS, err := natsjs.New(aConn)
	if err != nil {
		t.Fatal(err)
	}
	taken := make(chan struct{}, 1)
	start(t, aJS, cfg, func(ctx context.Context, e eventstore.RecordedEvent) error {
		taken <- struct{}{}
		<-ctx.Done() // the process is gone; nothing here runs again
		return ctx.Err()
	})
	// Replica B starts once the consumer exists, so A is the one that
	// has the event (one message in flight).
	waitConsumer(t, js, cfg.Durable)
	landed := make(chan time.Time, 1)
	start(t, jsOf(), cfg, func(ctx context.Context, e eventstore.RecordedEvent) error {
		if label(e) == "inadequate" {
			select {
			case landed <- time.Now():
			default:
			}
		}
		return nil
	})

	appended := time.Now()
	appendEvents(t, s, sid("purchasing", "provider", "p1"), eventstore.Metadata{}, str("inadequate"))
	select {
	case <-taken:
	case <-time.After(waitLimit):
		t.Fatal("replica A never got the event")
	}
	aConn.Close() // killed: no ack, no nak, no more progress

	select {
	case at := <-landed:
		t.Logf("reaction landed on replica B %s after its event", at.Sub(appended).Round(time.Millisecond))
	case <-time.After(time.Until(appended.Add(reactionDeadline))):
		t.Fatalf("the reaction had not landed %s after its event: the dead replica's message waits for the AckWait", reactionDeadline)
	}
}

func waitConsumer(t *testing.T, js natsjs.JetStream, durable string) {
	t.Helper()
	for deadline := time.Now().Add(waitLimit); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := js.Consumer(t.Context(), bus.DefaultStream, durable); err == nil {
			return
		}
	}
	t.Fatalf("consumer %s never created", durable)
}
