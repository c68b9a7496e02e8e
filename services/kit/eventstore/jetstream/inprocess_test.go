package jetstream_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

// inProcessOnce answers the next publish after arm as a clustered stream's
// leader does while the subject's previous message, though stored and
// acknowledged, is still marked in process: error 10164, nothing stored.
// Under load that window made TestConformanceR3/LargeHistory fail about one
// run in fifteen; here it is hit every time.
type inProcessOnce struct {
	natsjs.JetStream
	armed atomic.Bool
}

func (j *inProcessOnce) arm() { j.armed.Store(true) }

func (j *inProcessOnce) PublishMsg(ctx context.Context, msg *nats.Msg, opts ...natsjs.PublishOpt) (*natsjs.PubAck, error) {
	if j.armed.CompareAndSwap(true, false) {
		return nil, fmt.Errorf("nats: %w", &natsjs.APIError{Code: 400, ErrorCode: 10164, Description: "wrong last sequence"})
	}
	return j.JetStream.PublishMsg(ctx, msg, opts...)
}

func storeOver(t *testing.T, nc *nats.Conn) (*jetstream.Store, *inProcessOnce) {
	t.Helper()
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	faulty := &inProcessOnce{JetStream: js}
	s, err := jetstream.New(t.Context(), faulty)
	if err != nil {
		t.Fatal(err)
	}
	return s, faulty
}

// A subject in process is no conflict: the append whose expectation holds
// is stored, once, at the next version.
func TestAppendRefusedInProcessIsNotAConflict(t *testing.T) {
	nc, _ := natstest.JetStream(t)
	s, faulty := storeOver(t, nc)
	ctx := t.Context()
	sid, _ := eventstore.NewStreamID("conf", "thing", "in-process")
	if _, err := s.Append(ctx, sid, eventstore.NoStream, eventstore.Metadata{}, wrapperspb.String("a")); err != nil {
		t.Fatal(err)
	}
	faulty.arm()
	res, err := s.Append(ctx, sid, eventstore.Exact(1), eventstore.Metadata{}, wrapperspb.String("b"))
	if err != nil {
		t.Fatalf("append after the leader answered 'in process': %v, want it stored", err)
	}
	if faulty.armed.Load() {
		t.Fatal("the in-process answer was never given")
	}
	if res.StreamVersion != 2 {
		t.Fatalf("version %d, want 2", res.StreamVersion)
	}
	evs, err := s.ReadStream(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[1].Event.(*wrapperspb.StringValue).GetValue() != "b" {
		t.Fatalf("stream holds %v, want a then b once", evs)
	}
}

// Asking again never hides a conflict: when another writer has moved the
// tip, the leader's answer to the second publish is the conflict.
func TestAppendRefusedInProcessThenConflict(t *testing.T) {
	nc, srv := natstest.JetStream(t)
	s, faulty := storeOver(t, nc)
	nc2, err := srv.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc2.Close()
	other, _ := storeOver(t, nc2)
	ctx := t.Context()
	sid, _ := eventstore.NewStreamID("conf", "thing", "in-process-conflict")
	if _, err := s.Append(ctx, sid, eventstore.NoStream, eventstore.Metadata{}, wrapperspb.String("a")); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Append(ctx, sid, eventstore.Exact(1), eventstore.Metadata{}, wrapperspb.String("other")); err != nil {
		t.Fatal(err)
	}
	faulty.arm()
	_, err = s.Append(ctx, sid, eventstore.Exact(1), eventstore.Metadata{}, wrapperspb.String("b"))
	if !errors.Is(err, eventstore.ErrConcurrency) {
		t.Fatalf("append at a moved tip after 'in process': %v, want ErrConcurrency", err)
	}
	evs, err := s.ReadStream(ctx, sid)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[1].Event.(*wrapperspb.StringValue).GetValue() != "other" {
		t.Fatalf("stream holds %v, want a then other", evs)
	}
}
