package bus_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
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

	// Two replicas, each on its own connection. Either may be delivered
	// the event first (both are pulling); whichever is takes it and never
	// finishes, as a process killed mid-handler, and the test then kills
	// that replica's connection. The other must land the reaction.
	var (
		first  atomic.Bool
		taken  = make(chan int, 1)
		landed = make(chan time.Time, 1)
		conns  [2]*nats.Conn
	)
	for i := range conns {
		c, err := srv.Connect()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		conns[i] = c
		rjs, err := natsjs.New(c)
		if err != nil {
			t.Fatal(err)
		}
		start(t, rjs, cfg, func(ctx context.Context, e eventstore.RecordedEvent) error {
			if first.CompareAndSwap(false, true) {
				taken <- i
				<-ctx.Done() // the process is gone; nothing here runs again
				return ctx.Err()
			}
			if label(e) == "inadequate" {
				select {
				case landed <- time.Now():
				default:
				}
			}
			return nil
		})
	}
	waitConsumer(t, js, cfg.Durable)

	appended := time.Now()
	appendEvents(t, s, sid("purchasing", "provider", "p1"), eventstore.Metadata{}, str("inadequate"))
	var dead int
	select {
	case dead = <-taken:
	case <-time.After(waitLimit):
		t.Fatal("no replica got the event")
	}
	conns[dead].Close() // killed: no ack, no nak, no more progress

	select {
	case at := <-landed:
		t.Logf("reaction landed on the other replica %s after its event", at.Sub(appended).Round(time.Millisecond))
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
