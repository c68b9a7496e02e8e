package jetstream

import (
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	kitv1 "github.com/carecoop/carecoop/proto/gen/carecoop/kit/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// FuzzEnvelopeRoundTrip: any commit the store writes (CommitMsg) reads
// back (decodeCommit) as it was written: every event, its version, the
// commit's time and metadata; commitTip agrees; and the generated kitv1
// code reads the same envelope. Metadata that is not UTF-8 is refused as
// the caller's (ErrInvalid), never written.
func FuzzEnvelopeRoundTrip(f *testing.F) {
	f.Add(uint64(0), int64(0), int32(0), "", "", "", "", "", "", "x", uint8(1))
	f.Add(uint64(1<<40), int64(-14182940), int32(999999999), "u1", "council:352", "council_commissioner", "corr", "cause", "req-1", "payload", uint8(3))
	f.Add(uint64(1<<64-2), int64(1<<40), int32(-1), "\xff", "", "", "", "", "", "", uint8(0))
	f.Fuzz(func(t *testing.T, prev uint64, secs int64, nanos int32, subject, org, role, corr, cause, req, payload string, n uint8) {
		sid := eventstore.StreamID{Context: "c", Aggregate: "a", ID: "1"}
		meta := eventstore.Metadata{
			Actor:         eventstore.Actor{Subject: subject, Organisation: org, Role: role},
			CorrelationID: corr, CausationID: cause, RequestID: req,
			OccurredAt: time.Unix(secs, int64(nanos)).UTC(),
		}
		events := make([]proto.Message, int(n%8))
		for i := range events {
			events[i] = wrapperspb.Bytes([]byte(payload + string(rune('a'+i))))
		}
		msg, err := CommitMsg(sid, prev, meta, events...)
		utf8OK := true
		for _, s := range []string{subject, org, role, corr, cause, req} {
			utf8OK = utf8OK && utf8.ValidString(s)
		}
		if len(events) == 0 || !utf8OK {
			if !errors.Is(err, eventstore.ErrInvalid) {
				t.Fatalf("%d events, UTF-8 %v: CommitMsg = %v, want ErrInvalid", len(events), utf8OK, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("CommitMsg: %v", err)
		}
		got, err := decodeCommit(sid, 9, msg.Data, nil)
		if err != nil {
			t.Fatalf("decodeCommit of a written commit: %v", err)
		}
		if len(got) != len(events) {
			t.Fatalf("%d events written, %d read", len(events), len(got))
		}
		for i, e := range got {
			if !proto.Equal(e.Event, events[i]) || e.Version != prev+uint64(i)+1 || e.Index != i || e.CommitSize != len(events) || e.Position != 9 {
				t.Fatalf("event %d read as %+v", i, e)
			}
			if e.Actor != meta.Actor || e.CorrelationID != corr || e.CausationID != cause || e.RequestID != req || !e.OccurredAt.Equal(meta.OccurredAt) {
				t.Fatalf("event %d metadata read as %+v, written %+v", i, e, meta)
			}
			if e.EventID == "" || (i > 0 && e.EventID == got[i-1].EventID) {
				t.Fatalf("event %d id %q", i, e.EventID)
			}
		}
		tp, err := commitTip(msg.Data, 9)
		if err != nil || tp.version != prev+uint64(len(events)) {
			t.Fatalf("commitTip = %+v, %v; want version %d", tp, err, prev+uint64(len(events)))
		}
		var c kitv1.Commit
		if err := proto.Unmarshal(msg.Data, &c); err != nil || len(c.GetEvents()) != len(events) || c.GetPreviousVersion() != prev || c.GetRequestId() != req {
			t.Fatalf("kitv1 reads %v, %v", &c, err)
		}
	})
}
