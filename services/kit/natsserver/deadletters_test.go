package natsserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
)

// waitFor polls cond until it holds; the bound only stops a broken test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// deadLetter makes durable's reaction, running as svc, give up on an event
// of svc's own and returns the letter's position. The reaction runs as the
// services run theirs (bus.Follow) until the test ends, failing while
// broken holds.
func deadLetter(t *testing.T, c *client, operator *client, svc, durable string, broken *atomic.Bool) uint64 {
	t.Helper()
	ctx := testCtx(t)
	store := c.store(t)
	sid := eventstore.StreamID{Context: svc, Aggregate: "thing", ID: durable}
	res, err := store.Append(ctx, sid, eventstore.NoStream,
		eventstore.Metadata{RequestID: durable}, wrapperspb.String("poison"))
	if err != nil {
		t.Fatal(err)
	}
	fctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		bus.Follow(fctx, store, bus.Config{Durable: durable, FilterSubjects: []string{sid.Subject()},
			MaxDeliver: 1, AckWait: time.Second}, func(context.Context, eventstore.RecordedEvent) error {
			if broken.Load() {
				return errors.New("cannot handle it yet")
			}
			return nil
		})
	}()
	t.Cleanup(func() { stop(); <-done })
	waitFor(t, durable+"'s letter is recorded", func() bool {
		l, err := bus.DeadLetterState(ctx, operator.js, durable, res.Position)
		return err == nil && l.State == bus.StateDead
	})
	return res.Position
}

// Each service records, watches and replays its own durables' dead letters
// under its own user, and the operator lists and replays them, without a
// single permission violation.
func TestDeadLettersWorkUnderEachServicesUser(t *testing.T) {
	srv, creds := authServer(t)
	ctx := testCtx(t)
	op := connectAs(t, srv, creds, natsperm.Operator)
	for _, svc := range natsperm.Services() {
		c := connectAs(t, srv, creds, svc)
		for _, durable := range natsperm.Durables(svc) {
			var broken atomic.Bool
			broken.Store(true)
			pos := deadLetter(t, c, op, svc, durable, &broken)
			ls, err := bus.ListDeadLetters(ctx, op.js, durable)
			if err != nil || len(ls) != 1 || ls[0].Position != pos {
				t.Fatalf("operator lists %s's letters: %+v, %v", durable, ls, err)
			}
			broken.Store(false)
			if _, err := bus.RequestReplay(ctx, op.js, durable, pos); err != nil {
				t.Fatalf("operator replays %s: %v", durable, err)
			}
			waitFor(t, durable+"'s letter is replayed", func() bool {
				_, err := bus.DeadLetterState(ctx, op.js, durable, pos)
				return errors.Is(err, bus.ErrNoDeadLetter)
			})
		}
		select {
		case err := <-c.violations:
			t.Fatalf("%s: permission violation: %v", svc, err)
		default:
		}
	}
	select {
	case err := <-op.violations:
		t.Fatalf("operator: permission violation: %v", err)
	default:
	}
	if all, err := bus.ListDeadLetters(ctx, op.js, ""); err != nil || len(all) != 0 {
		t.Fatalf("letters left: %+v, %v", all, err)
	}
}

// Purchasing can neither write, delete, read nor watch monitoring's dead
// letters, nor reconfigure the bucket; demand, without reactions, cannot
// touch it at all; the operator can do nothing but dead letters.
func TestAServiceCannotTouchAnothersDeadLetters(t *testing.T) {
	srv, creds := authServer(t)
	ctx := testCtx(t)
	op := connectAs(t, srv, creds, natsperm.Operator)
	mo := connectAs(t, srv, creds, "monitoring")
	var broken atomic.Bool
	broken.Store(true)
	pos := deadLetter(t, mo, op, "monitoring", "monitoring-risk", &broken)
	before, err := bus.DeadLetterState(ctx, op.js, "monitoring-risk", pos)
	if err != nil {
		t.Fatal(err)
	}
	key := bus.DeadLetterKey("monitoring-risk", pos)
	api := "$JS.API."

	pu := connectAs(t, srv, creds, "purchasing")
	kv, err := pu.js.KeyValue(ctx, bus.DeadLetterBucket)
	if err != nil {
		t.Fatalf("purchasing opens the bucket: %v", err)
	}
	pu.refused(t, bus.DeadLetterSubject(key), func(ctx context.Context) error {
		_, err := kv.Put(ctx, key, []byte(`{"state":"replay"}`))
		return err
	})
	pu.refused(t, bus.DeadLetterSubject(key), func(ctx context.Context) error {
		return kv.Delete(ctx, key)
	})
	pu.refused(t, api+"DIRECT.GET."+bus.DeadLetterStream+"."+bus.DeadLetterSubject(key), func(ctx context.Context) error {
		_, err := kv.Get(ctx, key)
		return err
	})
	theirs := bus.DeadLetterSubject("monitoring-risk.>")
	pu.refused(t, api+"CONSUMER.CREATE."+bus.DeadLetterStream+".peek."+theirs, func(ctx context.Context) error {
		_, err := pu.js.CreateConsumer(ctx, bus.DeadLetterStream, natsjs.ConsumerConfig{Name: "peek", FilterSubject: theirs})
		return err
	})
	// Its own filter in the subject and every letter in the body: the
	// server refuses the mismatch.
	req, err := json.Marshal(map[string]any{"stream_name": bus.DeadLetterStream, "config": map[string]any{
		"name": "peek", "filter_subject": bus.DeadLetterSubject(">"), "ack_policy": "none", "deliver_policy": "last_per_subject"}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := pu.nc.RequestWithContext(ctx, api+"CONSUMER.CREATE."+bus.DeadLetterStream+".peek."+bus.DeadLetterSubject("purchasing-risk-levels.>"), req)
	if err != nil {
		t.Fatal(err)
	}
	var answer struct {
		Error *struct{ Description string } `json:"error"`
	}
	if err := json.Unmarshal(resp.Data, &answer); err != nil || answer.Error == nil || !strings.Contains(answer.Error.Description, "did not match") {
		t.Fatalf("a consumer over every letter, disguised as purchasing's own: answer %s, want an error", resp.Data)
	}
	pu.refused(t, api+"STREAM.UPDATE."+bus.DeadLetterStream, func(ctx context.Context) error {
		_, err := pu.js.UpdateStream(ctx, natsjs.StreamConfig{Name: bus.DeadLetterStream, Subjects: []string{bus.DeadLetterSubject(">")},
			RePublish: &natsjs.RePublish{Source: bus.DeadLetterSubject(">"), Destination: "carecoop.evt.monitoring.>"}})
		return err
	})
	pu.refused(t, api+"STREAM.PURGE."+bus.DeadLetterStream, func(ctx context.Context) error {
		_, err := pu.nc.RequestWithContext(ctx, api+"STREAM.PURGE."+bus.DeadLetterStream, nil)
		return err
	})
	pu.refused(t, api+"STREAM.DELETE."+bus.DeadLetterStream, func(ctx context.Context) error {
		return pu.js.DeleteStream(ctx, bus.DeadLetterStream)
	})

	de := connectAs(t, srv, creds, "demand")
	de.refused(t, api+"STREAM.INFO."+bus.DeadLetterStream, func(ctx context.Context) error {
		_, err := de.js.KeyValue(ctx, bus.DeadLetterBucket)
		return err
	})
	de.refusedPublish(t, bus.DeadLetterSubject(key), []byte(`{}`))

	op.refusedPublish(t, "carecoop.evt.monitoring.risk.forged", []byte("forged"))
	op.refused(t, api+"STREAM.DELETE."+bus.DeadLetterStream, func(ctx context.Context) error {
		return op.js.DeleteStream(ctx, bus.DeadLetterStream)
	})
	op.refused(t, api+"CONSUMER.CREATE."+natsperm.Stream+".peek", func(ctx context.Context) error {
		_, err := op.js.CreateConsumer(ctx, natsperm.Stream, natsjs.ConsumerConfig{Name: "peek", FilterSubjects: []string{"a.>", "b.>"}})
		return err
	})

	after, err := bus.DeadLetterState(ctx, op.js, "monitoring-risk", pos)
	if err != nil || after.Revision != before.Revision || after.State != bus.StateDead {
		t.Fatalf("monitoring's letter was %+v, is %+v (%v)", before, after, err)
	}
	if n := len(mo.violations); n != 0 {
		t.Fatalf("monitoring saw %d violations: %v", n, fmt.Sprint(<-mo.violations))
	}
}
