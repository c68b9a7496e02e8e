package jetstream

import (
	"fmt"
	"strings"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	kitv1 "github.com/carecoop/carecoop/proto/gen/carecoop/kit/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// The protowire decoder against the generated kitv1 code, on the same
// commits; compare with BenchmarkRawOrderedConsumer in the same run
// (docs/benchmarks.md). The generated code replaced a hand-written encoder
// after the same comparison (commit 2c75d42 has it).

// decodeKitV1 is decodeCommit with the generated code.
func decodeKitV1(sid eventstore.StreamID, seq uint64, data []byte, dst []eventstore.RecordedEvent) ([]eventstore.RecordedEvent, error) {
	var c kitv1.Commit
	if err := proto.Unmarshal(data, &c); err != nil {
		return dst, errBadCommit(seq, err.Error())
	}
	if len(c.Events) == 0 {
		return dst, errBadCommit(seq, "no events")
	}
	at := c.GetOccurredAt()
	occurredAt := time.Unix(at.GetSeconds(), int64(at.GetNanos())).UTC()
	actor := eventstore.Actor{Subject: c.GetActor().GetSubject(), Organisation: c.GetActor().GetOrganisation(), Role: c.GetActor().GetRole()}
	dst = growEvents(dst, len(c.Events))
	for i, se := range c.Events {
		p := se.GetPayload()
		if p.GetTypeUrl() == "" {
			return dst, errBadCommit(seq, fmt.Sprintf("event %d has no payload type", i))
		}
		typeName, mt := eventType([]byte(p.TypeUrl[strings.LastIndexByte(p.TypeUrl, '/')+1:]))
		var ev proto.Message = p
		if mt != nil {
			ev = mt.New().Interface()
			if err := proto.Unmarshal(p.Value, ev); err != nil {
				return dst, fmt.Errorf("eventstore/jetstream: commit %s at %d: event %d (%s): %w", sid, seq, i, typeName, err)
			}
		}
		dst = append(dst, eventstore.RecordedEvent{
			EventID: se.EventId, StreamID: sid, Version: c.PreviousVersion + uint64(i) + 1, Position: seq,
			Index: i, CommitSize: len(c.Events), OccurredAt: occurredAt, Type: typeName, Event: ev,
			Actor: actor, CorrelationID: c.CorrelationId, CausationID: c.CausationId, RequestID: c.RequestId,
		})
	}
	return dst, nil
}

// BenchDecoder is one commit decoder for BenchmarkReplayCodec
// (bench_test.go), reading a message as Subscribe does.
type BenchDecoder struct {
	Name   string
	Decode func(natsjs.Msg) ([]eventstore.RecordedEvent, error)
}

// BenchDecoders are the store's decoder, the one it replaced (one string of
// the whole commit) and the generated code's.
var BenchDecoders = []BenchDecoder{
	{"protowire", decodeMsg},
	{"onestring", func(msg natsjs.Msg) ([]eventstore.RecordedEvent, error) {
		md, err := msg.Metadata()
		if err != nil {
			return nil, err
		}
		sid, err := parseSubject(msg.Subject())
		if err != nil {
			return nil, err
		}
		return decodeCommitOneString(sid, md.Sequence.Stream, msg.Data(), nil)
	}},
	{"kitv1", func(msg natsjs.Msg) ([]eventstore.RecordedEvent, error) {
		md, err := msg.Metadata()
		if err != nil {
			return nil, err
		}
		sid, err := parseSubject(msg.Subject())
		if err != nil {
			return nil, err
		}
		return decodeKitV1(sid, md.Sequence.Stream, msg.Data(), nil)
	}},
}

// benchCommits: a replay fixture's commit (one 512-byte event, no
// metadata), a command's (three small events, full metadata) and a large
// one like a referral's matches (one 40 KB event, full metadata).
func benchCommits(b *testing.B) map[string][]byte {
	b.Helper()
	sid := eventstore.StreamID{Context: "bench", Aggregate: "item", ID: "i00042"}
	at := time.Date(2026, 11, 23, 10, 26, 0, 123456789, time.UTC)
	commits := map[string][]byte{}
	for name, c := range map[string]struct {
		meta   eventstore.Metadata
		events []proto.Message
	}{
		"event512": {eventstore.Metadata{OccurredAt: at}, []proto.Message{wrapperspb.Bytes(make([]byte, 512))}},
		"command3": {benchMeta(at), []proto.Message{wrapperspb.String("referral ref-bedad039d776b1d65760 awarded"), wrapperspb.Int64(585000), timestamppb.New(at)}},
		"large40k": {benchMeta(at), []proto.Message{wrapperspb.Bytes(make([]byte, 40<<10)), wrapperspb.String("matched")}},
	} {
		msg, err := CommitMsg(sid, 41, c.meta, c.events...)
		if err != nil {
			b.Fatal(err)
		}
		commits[name] = msg.Data
	}
	return commits
}

// benchMeta is a command's full metadata.
func benchMeta(at time.Time) eventstore.Metadata {
	return eventstore.Metadata{
		OccurredAt:    at,
		Actor:         eventstore.Actor{Subject: "0c4e1e8a-5a8b-4f59-9a5e-2f1d3c4b5a69", Organisation: "council:352", Role: "council_commissioner"},
		CorrelationID: "0194a7e2-5b1c-7d3e-9f00-1a2b3c4d5e6f", CausationID: "0194a7e2-5b1c-7d3e-9f00-1a2b3c4d5e70", RequestID: "mcr-award-0001",
	}
}

func BenchmarkCommitDecode(b *testing.B) {
	sid := eventstore.StreamID{Context: "bench", Aggregate: "item", ID: "i00042"}
	for name, data := range benchCommits(b) {
		for _, dec := range []struct {
			name string
			fn   func(eventstore.StreamID, uint64, []byte, []eventstore.RecordedEvent) ([]eventstore.RecordedEvent, error)
		}{{"protowire", decodeCommit}, {"onestring", decodeCommitOneString}, {"kitv1", decodeKitV1}} {
			b.Run(name+"/"+dec.name, func(b *testing.B) {
				for range b.N {
					// A fresh slice per commit, as Subscribe decodes them.
					if _, err := dec.fn(sid, 7, data, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// The generated code's decoder reads commits exactly as the store's does.
func TestDecodeKitV1MatchesProtowire(t *testing.T) {
	sid := eventstore.StreamID{Context: "c", Aggregate: "a", ID: "1"}
	for _, tc := range codecCases {
		msg, err := CommitMsg(sid, tc.prev, tc.meta, tc.events...)
		if err != nil {
			t.Fatal(err)
		}
		hand, err1 := decodeCommit(sid, 3, msg.Data, nil)
		gen, err2 := decodeKitV1(sid, 3, msg.Data, nil)
		if err1 != nil || err2 != nil || len(hand) != len(gen) {
			t.Fatalf("%s: %v, %v", tc.name, err1, err2)
		}
		for i := range hand {
			h, g := hand[i], gen[i]
			if !proto.Equal(h.Event, g.Event) {
				t.Fatalf("%s: event %d differs", tc.name, i)
			}
			h.Event, g.Event = nil, nil
			if h != g {
				t.Fatalf("%s: event %d\n%+v\n%+v", tc.name, i, h, g)
			}
		}
	}
}

// decodeCommitOneString is decodeCommit as it was before 2026-12 (one string
// of the whole commit backs every metadata string), kept to compare against
// in the same run: the retention test and BenchmarkCommitDecode.
//
// It appends one stored commit's events to dst. An event whose type
// is not linked into this binary is returned as its *anypb.Any (Type still
// names it): a consumer of the whole bus must not stop at another context's
// event it does not know.
func decodeCommitOneString(sid eventstore.StreamID, seq uint64, data []byte, dst []eventstore.RecordedEvent) ([]eventstore.RecordedEvent, error) {
	// One string backs every string field of the commit: one allocation
	// instead of one per field.
	str := string(data)
	sub := func(v []byte) string {
		if len(v) == 0 {
			return ""
		}
		// v was resliced from data, so its capacity tells its offset.
		if off := cap(data) - cap(v); off >= 0 && off+len(v) <= len(str) {
			return str[off : off+len(v)]
		}
		return string(v)
	}

	var (
		prev       uint64
		events     [][]byte
		inline     [4][]byte
		secs       int64
		nanos      int32
		actor      eventstore.Actor
		corr, caus string
		reqID      string
	)
	events = inline[:0]
	err := walk(data, seq, func(num protowire.Number, typ protowire.Type, v []byte, u uint64) error {
		switch {
		case num == commitPreviousVersion && typ == protowire.VarintType:
			prev = u
		case num == commitEvents && typ == protowire.BytesType:
			events = append(events, v)
		case num == commitOccurredAt && typ == protowire.BytesType:
			return walk(v, seq, func(num protowire.Number, typ protowire.Type, _ []byte, u uint64) error {
				switch {
				case num == timestampSeconds && typ == protowire.VarintType:
					secs = int64(u)
				case num == timestampNanos && typ == protowire.VarintType:
					nanos = int32(u)
				}
				return nil
			})
		case num == commitActor && typ == protowire.BytesType:
			return walk(v, seq, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
				if typ != protowire.BytesType {
					return nil
				}
				switch num {
				case actorSubject:
					actor.Subject = sub(v)
				case actorOrganisation:
					actor.Organisation = sub(v)
				case actorRole:
					actor.Role = sub(v)
				}
				return nil
			})
		case num == commitCorrelationID && typ == protowire.BytesType:
			corr = sub(v)
		case num == commitCausationID && typ == protowire.BytesType:
			caus = sub(v)
		case num == commitRequestID && typ == protowire.BytesType:
			reqID = sub(v)
		}
		return nil
	})
	if err != nil {
		return dst, err
	}
	if len(events) == 0 {
		return dst, errBadCommit(seq, "no events")
	}
	occurredAt := time.Unix(secs, int64(nanos)).UTC()

	dst = growEvents(dst, len(events))
	for i, raw := range events {
		var id string
		var typeURL, value []byte
		var hasPayload bool
		err := walk(raw, seq, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
			if typ != protowire.BytesType {
				return nil
			}
			switch num {
			case storedEventID:
				id = sub(v)
			case storedEventPayload:
				hasPayload = true
				return walk(v, seq, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
					if typ == protowire.BytesType && num == anyTypeURL {
						typeURL = v
					} else if typ == protowire.BytesType && num == anyValue {
						value = v
					}
					return nil
				})
			}
			return nil
		})
		if err != nil {
			return dst, err
		}
		if !hasPayload || len(typeURL) == 0 {
			return dst, errBadCommit(seq, fmt.Sprintf("event %d has no payload type", i))
		}
		// The full name is what follows the type URL's last '/'.
		name := typeURL
		for j := len(typeURL) - 1; j >= 0; j-- {
			if typeURL[j] == '/' {
				name = typeURL[j+1:]
				break
			}
		}
		typeName, mt := eventType(name)
		var ev proto.Message
		if mt == nil {
			ev = &anypb.Any{TypeUrl: sub(typeURL), Value: value}
		} else {
			ev = mt.New().Interface()
			if err := proto.Unmarshal(value, ev); err != nil {
				return dst, fmt.Errorf("eventstore/jetstream: commit %s at %d: event %d (%s): %w", sid, seq, i, typeName, err)
			}
		}
		dst = append(dst, eventstore.RecordedEvent{
			EventID:       id,
			StreamID:      sid,
			Version:       prev + uint64(i) + 1,
			Position:      seq,
			Index:         i,
			CommitSize:    len(events),
			OccurredAt:    occurredAt,
			Type:          typeName,
			Event:         ev,
			Actor:         actor,
			CorrelationID: corr,
			CausationID:   caus,
			RequestID:     reqID,
		})
	}
	return dst, nil
}
