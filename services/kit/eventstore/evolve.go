package eventstore

import (
	"errors"
	"fmt"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// How an event evolves — the one way, for every context:
//
//   - Add fields freely: an old event reads with the new field unset, and an
//     old binary reading a new event ignores the field. Never renumber or
//     retype a field; `buf breaking` (make lint) refuses it.
//   - A type that is renamed or split keeps its stored events as they are
//     (history is immutable) and gets an Upcaster registered under the old
//     full name, which turns each old event into the events that replace it
//     whenever history is read: by the aggregate repository, the read models
//     and the bus alike.
//   - A binary that meets an event of its own context it can neither decode
//     nor upcast is older than its data: the repository refuses to decide on
//     such an aggregate (ErrOlderThanData) and a read model stops (so health
//     says NOT_SERVING); another context's unknown event is skipped, logged
//     and counted.

// ErrOlderThanData is wrapped when an aggregate's history holds an event of
// its own context this binary does not know: deciding on it would decide on
// incomplete state (a rolling deploy with an old replica still running).
var ErrOlderThanData = errors.New("this service is older than its data")

// An Upcaster turns one stored event of a retired type (given as it was
// stored) into the events that now stand for it, in order.
type Upcaster func(old *anypb.Any) ([]proto.Message, error)

var upcasters sync.Map // retired full name → Upcaster

// RegisterUpcaster registers u for the retired event type oldType (its proto
// full name). Call it from an init function of the package that retired the
// type; registering a name twice panics (two meanings for one history).
func RegisterUpcaster(oldType string, u Upcaster) {
	if _, loaded := upcasters.LoadOrStore(oldType, u); loaded {
		panic("eventstore: a second upcaster for " + oldType)
	}
}

// Unknown reports whether e's type is linked into neither this binary nor an
// upcaster: its payload is still the stored *anypb.Any.
func Unknown(e RecordedEvent) bool {
	_, ok := e.Event.(*anypb.Any)
	return ok
}

// Upcast replaces each event of a retired type with the events its upcaster
// makes; each keeps the stored event's metadata, version and position.
// Events of other types are returned as they are (the slice is reused when
// nothing is upcast).
func Upcast(events []RecordedEvent) ([]RecordedEvent, error) {
	var out []RecordedEvent
	for i, e := range events {
		old, ok := e.Event.(*anypb.Any)
		var u any
		if ok {
			u, ok = upcasters.Load(e.Type)
		}
		if !ok {
			if out != nil {
				out = append(out, e)
			}
			continue
		}
		if out == nil {
			out = append(make([]RecordedEvent, 0, len(events)+1), events[:i]...)
		}
		news, err := u.(Upcaster)(old)
		if err != nil {
			return nil, fmt.Errorf("eventstore: upcasting %s (event %s of %s): %w", e.Type, e.EventID, e.StreamID, err)
		}
		for _, n := range news {
			ne := e
			ne.Event, ne.Type = n, string(proto.MessageName(n))
			out = append(out, ne)
		}
	}
	if out == nil {
		return events, nil
	}
	return out, nil
}
