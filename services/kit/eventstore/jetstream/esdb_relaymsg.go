package jetstream

import (
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	kitv1 "github.com/carecoop/carecoop/proto/gen/carecoop/kit/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// HeaderPosition carries, on a commit relayed from another store of record
// (EventStoreDB: package eventstore/esdb), the commit's global position in
// that store. A consumer decoding the message reports it as the events'
// Position instead of the JetStream sequence, so positions the bus hands
// out are the ones the store's read models wait for (min_position,
// WaitFor). The JetStream store itself never sets it.
const HeaderPosition = "Carecoop-Position"

// RelayMsg is the message that carries a commit already stored elsewhere
// onto the event stream, byte-compatible with what Append publishes: the
// same envelope, event ids, versions and metadata, plus HeaderPosition and
// a Nats-Msg-Id naming the position, so a relay that publishes a commit
// twice (restarted between publish and checkpoint) stores it once.
func RelayMsg(commit []eventstore.RecordedEvent) (*nats.Msg, error) {
	if len(commit) == 0 {
		return nil, fmt.Errorf("%w: empty commit", eventstore.ErrInvalid)
	}
	first := commit[0]
	c := &kitv1.Commit{
		PreviousVersion: first.Version - 1,
		Events:          make([]*kitv1.StoredEvent, len(commit)),
		OccurredAt:      timestamppb.New(first.OccurredAt),
		CorrelationId:   first.CorrelationID,
		CausationId:     first.CausationID,
		RequestId:       first.RequestID,
	}
	if a := first.Actor; a != (eventstore.Actor{}) {
		c.Actor = &kitv1.Actor{Subject: a.Subject, Organisation: a.Organisation, Role: a.Role}
	}
	types := make([]string, len(commit))
	for i, e := range commit {
		types[i] = e.Type
		payload, ok := e.Event.(*anypb.Any) // an event this binary does not know, kept as stored
		if !ok {
			v, err := proto.Marshal(e.Event)
			if err != nil {
				return nil, fmt.Errorf("%w: event %s: %v", eventstore.ErrInvalid, e.EventID, err)
			}
			payload = &anypb.Any{TypeUrl: typeURLPrefix + e.Type, Value: v}
		}
		c.Events[i] = &kitv1.StoredEvent{EventId: e.EventID, Payload: payload}
	}
	data, err := proto.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("%w: commit at %d: %v", eventstore.ErrInvalid, first.Position, err)
	}
	pos := strconv.FormatUint(first.Position, 10)
	msg := &nats.Msg{Subject: first.StreamID.Subject(), Data: data, Header: commitHeaders(first.StreamID, first.EventID, types, first.OccurredAt, new(headerValues), true)}
	msg.Header[HeaderPosition] = []string{pos}
	msg.Header[natsjs.MsgIDHeader] = []string{"esdb:" + pos}
	return msg, nil
}
