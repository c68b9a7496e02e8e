package jetstream

import (
	"runtime"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	kitv1 "github.com/carecoop/carecoop/proto/gen/carecoop/kit/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

var codecCases = []struct {
	name   string
	prev   uint64
	meta   eventstore.Metadata
	events []proto.Message
}{
	{"minimal", 0, eventstore.Metadata{OccurredAt: time.Unix(0, 0)}, []proto.Message{&wrapperspb.StringValue{}}},
	{"one", 7, eventstore.Metadata{OccurredAt: time.Date(2026, 5, 1, 12, 0, 0, 1, time.UTC)}, []proto.Message{wrapperspb.String("x")}},
	{"full", 1 << 40, eventstore.Metadata{
		Actor:         eventstore.Actor{Subject: "u1", Organisation: "council:E1", Role: "officer"},
		CorrelationID: "corr", CausationID: "cause", RequestID: "req",
		OccurredAt: time.Date(1969, 7, 20, 20, 17, 40, 999999999, time.UTC), // negative seconds
	}, []proto.Message{wrapperspb.Bytes(make([]byte, 300)), wrapperspb.Int64(-5), timestamppb.New(time.Unix(1, 2))}},
	{"actor role only", 2, eventstore.Metadata{Actor: eventstore.Actor{Role: "system"}, OccurredAt: time.Unix(1e9, 0)}, []proto.Message{wrapperspb.Bool(true)}},
}

// A commit message's payload is the kitv1.Commit of its events and
// metadata, encoded deterministically (what the decoder is tested against).
func TestEncodeMatchesKitV1(t *testing.T) {
	sid := eventstore.StreamID{Context: "c", Aggregate: "a", ID: "1"}
	for _, tc := range codecCases {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := CommitMsg(sid, tc.prev, tc.meta, tc.events...)
			if err != nil {
				t.Fatal(err)
			}
			var got kitv1.Commit
			if err := proto.Unmarshal(msg.Data, &got); err != nil {
				t.Fatal(err)
			}
			want := &kitv1.Commit{
				PreviousVersion: tc.prev,
				OccurredAt:      timestamppb.New(tc.meta.OccurredAt),
				CorrelationId:   tc.meta.CorrelationID,
				CausationId:     tc.meta.CausationID,
				RequestId:       tc.meta.RequestID,
			}
			if a := tc.meta.Actor; a != (eventstore.Actor{}) {
				want.Actor = &kitv1.Actor{Subject: a.Subject, Organisation: a.Organisation, Role: a.Role}
			}
			for i, ev := range tc.events {
				payload, err := anypb.New(ev)
				if err != nil {
					t.Fatal(err)
				}
				want.Events = append(want.Events, &kitv1.StoredEvent{EventId: got.Events[i].GetEventId(), Payload: payload})
			}
			if !proto.Equal(&got, want) {
				t.Fatalf("encoded\n%v\nwant\n%v", &got, want)
			}
			wantBytes, err := proto.MarshalOptions{Deterministic: true}.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			if string(wantBytes) != string(msg.Data) {
				t.Errorf("encoding differs from protobuf-go's (still valid, but unexpected):\n got %x\nwant %x", msg.Data, wantBytes)
			}
		})
	}
}

// The decoder reads what the generated code writes, including fields it does
// not know yet.
func TestDecodeKitV1(t *testing.T) {
	sid := eventstore.StreamID{Context: "c", Aggregate: "a", ID: "1"}
	at := time.Date(2026, 5, 1, 12, 0, 0, 42, time.UTC)
	payload, _ := anypb.New(wrapperspb.String("hello"))
	unknownType := &anypb.Any{TypeUrl: "type.googleapis.com/carecoop.nowhere.v1.Unknown", Value: []byte{0x08, 0x01}}
	c := &kitv1.Commit{
		PreviousVersion: 3,
		Events: []*kitv1.StoredEvent{
			{EventId: "e1", Payload: payload},
			{EventId: "e2", Payload: unknownType},
		},
		OccurredAt:    timestamppb.New(at),
		Actor:         &kitv1.Actor{Subject: "s", Organisation: "o", Role: "r"},
		CorrelationId: "corr", CausationId: "cause", RequestId: "req",
	}
	data, err := proto.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	// A field from a future envelope version.
	data = protowire.AppendTag(data, 99, protowire.BytesType)
	data = protowire.AppendString(data, "future")

	evs, err := decodeCommit(sid, 10, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	for i, e := range evs {
		if e.Version != uint64(4+i) || e.Position != 10 || e.Index != i || e.CommitSize != 2 || e.StreamID != sid ||
			!e.OccurredAt.Equal(at) || e.Actor != (eventstore.Actor{Subject: "s", Organisation: "o", Role: "r"}) ||
			e.CorrelationID != "corr" || e.CausationID != "cause" || e.RequestID != "req" {
			t.Fatalf("event %d = %+v", i, e)
		}
	}
	if v, ok := evs[0].Event.(*wrapperspb.StringValue); !ok || v.Value != "hello" || evs[0].Type != "google.protobuf.StringValue" || evs[0].EventID != "e1" {
		t.Fatalf("known event = %+v", evs[0])
	}
	if a, ok := evs[1].Event.(*anypb.Any); !ok || !proto.Equal(a, unknownType) || evs[1].Type != "carecoop.nowhere.v1.Unknown" {
		t.Fatalf("unknown event = %+v", evs[1])
	}
	if tp, err := commitTip(data, 10); err != nil || tp != (tip{version: 5, seq: 10}) {
		t.Fatalf("commitTip = %+v, %v", tp, err)
	}
}

func TestDecodeRejectsGarbage(t *testing.T) {
	sid := eventstore.StreamID{Context: "c", Aggregate: "a", ID: "1"}
	for name, data := range map[string][]byte{
		"empty":     nil,
		"truncated": {0x12, 0x10, 0x0a},
		"no type":   protowire.AppendBytes(protowire.AppendTag(nil, commitEvents, protowire.BytesType), nil),
	} {
		if _, err := decodeCommit(sid, 1, data, nil); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
}

func FuzzDecodeCommit(f *testing.F) {
	sid := eventstore.StreamID{Context: "c", Aggregate: "a", ID: "1"}
	for _, tc := range codecCases {
		msg, err := CommitMsg(sid, tc.prev, tc.meta, tc.events...)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(msg.Data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		evs, err := decodeCommit(sid, 1, data, nil)
		if err == nil && len(evs) == 0 {
			t.Fatal("no error and no events")
		}
		_, _ = commitTip(data, 1)
	})
}

// A read model that keeps only an event's metadata strings (its id, the
// actor, correlation and request ids) must not keep the commit they came
// from alive: with the commit's payloads in it, that held most of
// purchasing's heap at scale (issue 16). The decoder that did so is decoded
// alongside, so the test shows it can see the retention.
func TestDecodedMetadataDoesNotRetainCommit(t *testing.T) {
	const commits, payload = 200, 64 << 10
	sid := eventstore.StreamID{Context: "c", Aggregate: "a", ID: "1"}
	meta := eventstore.Metadata{
		OccurredAt:    time.Unix(1e9, 0),
		Actor:         eventstore.Actor{Subject: "s", Organisation: "council:1", Role: "r"},
		CorrelationID: "corr", CausationID: "cause", RequestID: "req",
	}
	unknown := &anypb.Any{TypeUrl: "type.googleapis.com/carecoop.nowhere.v1.Unknown", Value: []byte{0x08, 0x01}}
	type kept struct {
		id, corr, caus, req, typ string
		actor                    eventstore.Actor
		foreign                  proto.Message // a small event of a type this binary does not link
	}
	// retained is the live heap left by keeping only the small values of
	// `commits` decoded commits of `payload` bytes each.
	retained := func(decode func(eventstore.StreamID, uint64, []byte, []eventstore.RecordedEvent) ([]eventstore.RecordedEvent, error)) (uint64, []kept) {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.HeapAlloc
		keep := make([]kept, 0, commits)
		for i := range commits {
			data := commitWithUnknown(t, sid, meta, wrapperspb.Bytes(make([]byte, payload)), unknown)
			evs, err := decode(sid, uint64(i+1), data, nil)
			if err != nil {
				t.Fatal(err)
			}
			e := evs[0]
			keep = append(keep, kept{e.EventID, e.CorrelationID, e.CausationID, e.RequestID, e.Type, e.Actor, evs[1].Event})
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc < before {
			return 0, keep
		}
		return ms.HeapAlloc - before, keep
	}

	// Control: the old decoder keeps every commit (about commits*payload).
	old, keepOld := retained(decodeCommitOneString)
	runtime.KeepAlive(keepOld)
	if old < commits*payload/2 {
		t.Fatalf("control: the one-string decoder retained %d bytes for %d commits of %d bytes: the test no longer sees retention", old, commits, payload)
	}
	keepOld = nil

	got, keep := retained(decodeCommit)
	if keep[commits-1].id == "" || keep[0].actor.Organisation != "council:1" || keep[0].req != "req" {
		t.Fatalf("kept values wrong: %+v", keep[0])
	}
	runtime.KeepAlive(keep)
	// What is kept is ~100 bytes a commit; a tenth of one payload per commit
	// leaves room for GC noise and still catches one retained commit in ten.
	if got > commits*payload/10 {
		t.Fatalf("keeping metadata of %d decoded commits retained %d bytes (%d a commit; payloads are %d): the commits are kept alive", commits, got, got/commits, payload)
	}
	t.Logf("retained by %d commits of %d KiB: one-string decoder %d KiB, decoder %d KiB", commits, payload>>10, old>>10, got>>10)
}

// commitWithUnknown is the stored form of a commit of ev and an event of a
// type this binary does not link.
func commitWithUnknown(t *testing.T, sid eventstore.StreamID, meta eventstore.Metadata, ev proto.Message, unknown *anypb.Any) []byte {
	t.Helper()
	payload, err := anypb.New(ev)
	if err != nil {
		t.Fatal(err)
	}
	c := &kitv1.Commit{
		PreviousVersion: 1,
		Events:          []*kitv1.StoredEvent{{EventId: "0194a7e2-5b1c-7d3e-9f00-1a2b3c4d5e6f", Payload: payload}, {EventId: "0194a7e2-5b1c-7d3e-9f00-1a2b3c4d5e70", Payload: unknown}},
		OccurredAt:      timestamppb.New(meta.OccurredAt),
		Actor:           &kitv1.Actor{Subject: meta.Actor.Subject, Organisation: meta.Actor.Organisation, Role: meta.Actor.Role},
		CorrelationId:   meta.CorrelationID, CausationId: meta.CausationID, RequestId: meta.RequestID,
	}
	data, err := proto.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
