package jetstream

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// BenchmarkAppendMessage is the store's own work in an append before the
// publish, without a server: events marshalled, ids drawn, headers built,
// the envelope encoded and the expected sequence set. Steadier than
// BenchmarkStoreAppend for a change to this path alone.
func BenchmarkAppendMessage(b *testing.B) {
	sid := eventstore.StreamID{Context: "bench", Aggregate: "item", ID: "i00042"}
	at := time.Date(2026, 11, 23, 10, 26, 0, 123456789, time.UTC)
	for name, c := range map[string]struct {
		meta   eventstore.Metadata
		events []proto.Message
	}{
		"event512": {eventstore.Metadata{OccurredAt: at}, []proto.Message{wrapperspb.Bytes(make([]byte, 400))}},
		"command3": {benchMeta(at), []proto.Message{wrapperspb.String("referral ref-bedad039d776b1d65760 awarded"), wrapperspb.Int64(585000), wrapperspb.String("x")}},
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				p, err := newPendingCommit(sid, uint64(i), c.meta, c.events)
				if err != nil {
					b.Fatal(err)
				}
				p.expect(uint64(i)*3 + 1000)
			}
		})
	}
}
