package jetstream

import (
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// DecodeMsg returns the events of the commit a JetStream message holds, for
// consumers that read the event stream through their own (durable) consumers
// rather than through Subscribe. Position is the message's stream sequence.
// An event whose type is not linked into the binary comes back as its
// *anypb.Any, with Type still naming it.
func DecodeMsg(msg natsjs.Msg) ([]eventstore.RecordedEvent, error) {
	return decodeMsg(msg)
}
