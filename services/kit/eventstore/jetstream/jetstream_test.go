package jetstream_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	kitv1 "github.com/carecoop/carecoop/proto/gen/carecoop/kit/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/conformance"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

func newStore(t testing.TB, opts ...jetstream.Option) (*jetstream.Store, natsjs.JetStream) {
	t.Helper()
	nc, _ := natstest.JetStream(t)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jetstream.New(context.Background(), js, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s, js
}

func TestConformance(t *testing.T) {
	conformance.Run(t, func(t *testing.T) eventstore.Store {
		s, _ := newStore(t)
		return s
	})
}

// A small read page and no version cache exercise the paging and the
// cache-miss paths of the same suite.
func TestConformanceSmallPagesNoCache(t *testing.T) {
	if testing.Short() {
		t.Skip("second configuration")
	}
	conformance.Run(t, func(t *testing.T) eventstore.Store {
		s, _ := newStore(t, jetstream.WithReadBatch(7), jetstream.WithVersionCacheSize(0))
		return s
	})
}

// Two stores over one stream are two service replicas: each one's version
// cache goes stale when the other appends, and the server must still decide.
func TestTwoStoresShareOneStream(t *testing.T) {
	nc, srv := natstest.JetStream(t)
	nc2, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc2.Close()
	ctx := t.Context()
	var stores [2]*jetstream.Store
	for i, c := range []*nats.Conn{nc, nc2} {
		js, err := natsjs.New(c)
		if err != nil {
			t.Fatal(err)
		}
		if stores[i], err = jetstream.New(ctx, js); err != nil {
			t.Fatal(err)
		}
	}
	a, b := stores[0], stores[1]
	sid, _ := eventstore.NewStreamID("conf", "thing", "shared")
	ev := wrapperspb.String("x")

	mustOK := func(res eventstore.AppendResult, err error) eventstore.AppendResult {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	mustOK(a.Append(ctx, sid, eventstore.NoStream, eventstore.Metadata{}, ev))
	mustOK(b.Append(ctx, sid, eventstore.Exact(1), eventstore.Metadata{}, ev)) // b: cache miss
	// a's cache says version 1 at the first commit's sequence: stale.
	if _, err := a.Append(ctx, sid, eventstore.Exact(1), eventstore.Metadata{}, ev); !errors.Is(err, eventstore.ErrConcurrency) {
		t.Fatalf("append on a stale cache: %v, want ErrConcurrency", err)
	}
	// a's cache is behind the expected version: it must ask the server.
	mustOK(b.Append(ctx, sid, eventstore.Exact(2), eventstore.Metadata{}, ev))
	if res := mustOK(a.Append(ctx, sid, eventstore.Exact(3), eventstore.Metadata{}, ev)); res.StreamVersion != 4 {
		t.Fatalf("version %d, want 4", res.StreamVersion)
	}
	if res := mustOK(b.Append(ctx, sid, eventstore.Any, eventstore.Metadata{}, ev)); res.StreamVersion != 5 {
		t.Fatalf("Any on a stale cache: version %d, want 5", res.StreamVersion)
	}
}

// TestCommitMessage pins the wire format other services consume: one message
// per commit on the aggregate's subject, a kitv1.Commit payload and the
// CloudEvents binary-mode headers.
func TestCommitMessage(t *testing.T) {
	s, js := newStore(t)
	ctx := t.Context()
	sid, _ := eventstore.NewStreamID("framework", "framework", "fw-1")
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	res, err := s.Append(ctx, sid, eventstore.NoStream, eventstore.Metadata{OccurredAt: at, RequestID: "r1"},
		wrapperspb.String("a"), wrapperspb.Int64(2))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := js.Stream(ctx, s.StreamName())
	if err != nil {
		t.Fatal(err)
	}
	cfg := stream.CachedInfo().Config
	if !cfg.DenyDelete || !cfg.DenyPurge || !cfg.AllowDirect || cfg.MaxMsgsPerSubject != -1 ||
		cfg.Duplicates != jetstream.DefaultDuplicateWindow || cfg.Storage != natsjs.FileStorage ||
		len(cfg.Subjects) != 1 || cfg.Subjects[0] != "carecoop.evt.>" {
		t.Fatalf("stream config = %+v", cfg)
	}
	raw, err := stream.GetMsg(ctx, res.Position)
	if err != nil {
		t.Fatal(err)
	}
	if raw.Subject != "carecoop.evt.framework.framework.fw-1" {
		t.Fatalf("subject %q", raw.Subject)
	}
	var c kitv1.Commit
	if err := proto.Unmarshal(raw.Data, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Events) != 2 || c.PreviousVersion != 0 || c.RequestId != "r1" ||
		c.Events[0].Payload.TypeUrl != "type.googleapis.com/google.protobuf.StringValue" {
		t.Fatalf("commit = %v", &c)
	}
	for k, want := range map[string]string{
		"ce-specversion":       "1.0",
		"ce-id":                c.Events[0].EventId,
		"ce-type":              "google.protobuf.StringValue",
		"ce-source":            "carecoop/framework",
		"ce-time":              "2026-01-02T03:04:05.000000006Z",
		"ce-datacontenttype":   "application/protobuf",
		"Carecoop-Event-Types": "google.protobuf.StringValue,google.protobuf.Int64Value",
		"Nats-Msg-Id":          "framework.framework.fw-1/r1",
	} {
		if got := raw.Header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
}

// TestServerCheckOrder pins the nats-server behaviour the append path relies
// on: a single server checks Nats-Expected-Last-Subject-Sequence BEFORE the
// dedupe window, so the retry of a request whose original landed and was
// followed by another commit is refused as a conflict, not acknowledged as a
// duplicate, and stores nothing. That is why Append looks for the request id
// before reporting a conflict. (A clustered stream deduplicates first; the
// R3 conformance run covers that order.)
func TestServerCheckOrder(t *testing.T) {
	_, js := newStore(t)
	ctx := t.Context()
	const subj = "carecoop.evt.conf.order.one"
	pub := func(hdr nats.Header) (*natsjs.PubAck, error) {
		return js.PublishMsg(ctx, &nats.Msg{Subject: subj, Header: hdr, Data: []byte("x")})
	}
	if _, err := pub(nats.Header{"Nats-Msg-Id": {"m1"}, "Nats-Expected-Last-Subject-Sequence": {"0"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := pub(nats.Header{}); err != nil {
		t.Fatal(err)
	}
	ack, err := pub(nats.Header{"Nats-Msg-Id": {"m1"}, "Nats-Expected-Last-Subject-Sequence": {"0"}})
	var apiErr *natsjs.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode != 10071 {
		t.Fatalf("retry with a stale expectation: ack %+v, err %v; want error 10071 (if the server now deduplicates first, Append's request lookup is merely unused)", ack, err)
	}
	// With a holding expectation, the dedupe window answers.
	ack, err = pub(nats.Header{"Nats-Msg-Id": {"m1"}, "Nats-Expected-Last-Subject-Sequence": {"2"}})
	if err != nil || !ack.Duplicate || ack.Sequence != 1 {
		t.Fatalf("retry with a holding expectation: ack %+v, err %v; want duplicate of 1", ack, err)
	}
	stream, err := js.Stream(ctx, jetstream.DefaultStreamName)
	if err != nil {
		t.Fatal(err)
	}
	if n := stream.CachedInfo().State.Msgs; n != 2 {
		t.Fatalf("stream holds %d messages, want 2", n)
	}
}

func TestSubscribeEndsWithContext(t *testing.T) {
	s, _ := newStore(t)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	err := s.Subscribe(ctx, 0, nil, func([]eventstore.RecordedEvent) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Subscribe = %v, want DeadlineExceeded", err)
	}
}

func TestTooLargeCommitIsInvalid(t *testing.T) {
	s, _ := newStore(t)
	sid, _ := eventstore.NewStreamID("conf", "thing", "big")
	_, err := s.Append(t.Context(), sid, eventstore.NoStream, eventstore.Metadata{}, wrapperspb.Bytes(make([]byte, 2<<20)))
	if !errors.Is(err, eventstore.ErrInvalid) {
		t.Fatalf("2 MiB commit: %v, want ErrInvalid", err)
	}
}

// Metadata must be valid UTF-8 (protobuf strings): otherwise the commit
// could be written but never read back by the generated code.
func TestInvalidUTF8MetadataIsInvalid(t *testing.T) {
	s, _ := newStore(t)
	ctx := t.Context()
	sid, _ := eventstore.NewStreamID("conf", "thing", "utf8")
	_, err := s.Append(ctx, sid, eventstore.NoStream, eventstore.Metadata{RequestID: "req-\xff"}, wrapperspb.String("x"))
	if !errors.Is(err, eventstore.ErrInvalid) {
		t.Fatalf("request id not UTF-8: %v, want ErrInvalid", err)
	}
	if evs, err := s.ReadStream(ctx, sid); err != nil || len(evs) != 0 {
		t.Fatalf("stream holds %d events (%v), want none", len(evs), err)
	}
}

// The store never changes an existing stream (no service's NATS user may):
// it starts on one configured as it needs, and refuses one that breaks what
// it relies on, naming the difference.
func TestNewChecksAnExistingStreamAndNeverChangesIt(t *testing.T) {
	ctx := context.Background()
	for name, bend := range map[string]func(*natsjs.StreamConfig){
		"a subject transform": func(c *natsjs.StreamConfig) {
			c.SubjectTransform = &natsjs.SubjectTransformConfig{Source: "carecoop.evt.purchasing.x.>", Destination: "carecoop.evt.monitoring.risk.>"}
		},
		"deleting or purging allowed": func(c *natsjs.StreamConfig) { c.DenyDelete = false },
		"limits that drop history":    func(c *natsjs.StreamConfig) { c.MaxMsgsPerSubject = 10 },
	} {
		t.Run(name, func(t *testing.T) {
			nc, _ := natstest.JetStream(t)
			js, err := natsjs.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			cfg := jetstream.StreamConfig("CARECOOP_EVENTS", 1, 10*time.Minute)
			bend(&cfg)
			if _, err := js.CreateStream(ctx, cfg); err != nil {
				t.Fatal(err)
			}
			_, err = jetstream.New(ctx, js)
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Fatalf("New on a stream with %s: %v, want a refusal naming it", name, err)
			}
			info, err := js.Stream(ctx, "CARECOOP_EVENTS")
			if err != nil {
				t.Fatal(err)
			}
			if got := info.CachedInfo().Config; got.DenyDelete != cfg.DenyDelete || got.MaxMsgsPerSubject != cfg.MaxMsgsPerSubject || (got.SubjectTransform == nil) != (cfg.SubjectTransform == nil) {
				t.Fatalf("New changed the stream: %+v", got)
			}
		})
	}
	// A stream as the store needs, with the operator's own replicas and
	// duplicate window: the store starts on it.
	nc, _ := natstest.JetStream(t)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig("CARECOOP_EVENTS", 1, time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := jetstream.New(ctx, js); err != nil {
		t.Fatalf("New on a stream configured as it needs: %v", err)
	}
}

// Subscribe tells, with each commit, how many matching commits follow it
// (RecordedEvent.Pending): projection runners probe the store only at 0.
func TestSubscribeReportsPending(t *testing.T) {
	s, _ := newStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	for i, c := range []string{"a", "b", "a", "a"} {
		sid := eventstore.StreamID{Context: c, Aggregate: "thing", ID: "x"}
		if _, err := s.Append(ctx, sid, eventstore.Any, eventstore.Metadata{}, wrapperspb.Int64(int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	var got []uint64
	err := s.Subscribe(ctx, 0, []string{eventstore.ContextFilter("a")}, func(commit []eventstore.RecordedEvent) error {
		got = append(got, commit[0].Pending)
		if len(got) == 3 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != 2 || got[1] != 1 || got[2] != 0 {
		t.Fatalf("pending = %v, want [2 1 0] (three commits of context a, in four)", got)
	}
}

// Subscribe hands messages over a batch at a time: with a batch smaller
// than what is stored and a handler slower than delivery, the client's side
// waits for room, and every commit still arrives once, in order.
func TestSubscribeSlowHandlerSmallBatch(t *testing.T) {
	s, _ := newStore(t, jetstream.WithSubscribeBatch(4))
	// Not a timing check: a lost commit would otherwise wait forever.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	sid := eventstore.StreamID{Context: "a", Aggregate: "thing", ID: "x"}
	const n = 60
	for i := range n {
		if _, err := s.Append(ctx, sid, eventstore.Exact(uint64(i)), eventstore.Metadata{}, wrapperspb.Int64(int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	var got []int64
	err := s.Subscribe(ctx, 0, nil, func(commit []eventstore.RecordedEvent) error {
		time.Sleep(time.Millisecond)
		got = append(got, commit[0].Event.(*wrapperspb.Int64Value).GetValue())
		if len(got) == n {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("%v after %d of %d commits", err, len(got), n)
	}
	for i, v := range got {
		if v != int64(i) {
			t.Fatalf("commit %d holds %d: %v", i, v, got)
		}
	}
	if len(got) != n {
		t.Fatalf("%d commits, want %d", len(got), n)
	}
}
