package esdbtest_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/carecoop/carecoop/services/kit/eventstore/esdb/esdbtest"
)

// The test server's documented semantics, through the real client.

func client(t *testing.T) *esdb.Client {
	t.Helper()
	srv := esdbtest.Start(t)
	cfg, err := esdb.ParseConnectionString(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Logger = func(esdb.LogLevel, string, ...any) {}
	c, err := esdb.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func evs(ids ...uuid.UUID) []esdb.EventData {
	out := make([]esdb.EventData, len(ids))
	for i, id := range ids {
		out[i] = esdb.EventData{EventID: id, EventType: "t", ContentType: esdb.ContentTypeBinary, Data: []byte{byte(i)}}
	}
	return out
}

func code(err error) esdb.ErrorCode {
	var e *esdb.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return -1
}

func readStream(t *testing.T, c *esdb.Client, name string) ([]*esdb.ResolvedEvent, error) {
	t.Helper()
	rs, err := c.ReadStream(t.Context(), name, esdb.ReadStreamOptions{}, 100)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []*esdb.ResolvedEvent
	for {
		ev, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, ev)
	}
}

func TestExpectedRevisions(t *testing.T) {
	c, ctx := client(t), t.Context()
	a, b := uuid.New(), uuid.New()
	app := func(rev esdb.ExpectedRevision, ids ...uuid.UUID) (*esdb.WriteResult, error) {
		return c.AppendToStream(ctx, "s", esdb.AppendToStreamOptions{ExpectedRevision: rev}, evs(ids...)...)
	}
	if _, err := app(esdb.StreamExists{}, uuid.New()); code(err) != esdb.ErrorCodeWrongExpectedVersion {
		t.Fatalf("stream exists on no stream: %v", err)
	}
	if _, err := app(esdb.Revision(0), uuid.New()); code(err) != esdb.ErrorCodeWrongExpectedVersion {
		t.Fatalf("revision 0 on no stream: %v", err)
	}
	w, err := app(esdb.NoStream{}, a, b)
	if err != nil || w.NextExpectedVersion != 1 || w.CommitPosition == 0 {
		t.Fatalf("no stream: %+v %v", w, err)
	}
	// The same ids after the same expectation: success, nothing written.
	again, err := app(esdb.NoStream{}, a, b)
	if err != nil || *again != *w {
		t.Fatalf("idempotent retry = %+v %v, want %+v", again, err, w)
	}
	if _, err := app(esdb.NoStream{}, uuid.New()); code(err) != esdb.ErrorCodeWrongExpectedVersion ||
		!strings.Contains(err.Error(), "got '1'") {
		t.Fatalf("no stream on a stream at 1: %v (want the current revision)", err)
	}
	if _, err := app(esdb.Revision(0), uuid.New()); code(err) != esdb.ErrorCodeWrongExpectedVersion {
		t.Fatalf("stale revision: %v", err)
	}
	if w, err := app(esdb.Revision(1), uuid.New()); err != nil || w.NextExpectedVersion != 2 {
		t.Fatalf("exact: %+v %v", w, err)
	}
	if w, err := app(esdb.StreamExists{}, uuid.New()); err != nil || w.NextExpectedVersion != 3 {
		t.Fatalf("stream exists: %+v %v", w, err)
	}
	if w, err := app(esdb.Any{}, a, b); err != nil || w.NextExpectedVersion != 1 {
		t.Fatalf("any with known ids: %+v %v, want the original", w, err)
	}
	got, err := readStream(t, c, "s")
	if err != nil || len(got) != 4 {
		t.Fatalf("read %d events, %v; want 4", len(got), err)
	}
}

func TestAllOrderFilteredSubscriptionAndCheckpoints(t *testing.T) {
	c := client(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for i := range 40 {
		name := "other-x"
		if i%10 == 9 {
			name = "wanted-y"
		}
		if _, err := c.AppendToStream(ctx, name, esdb.AppendToStreamOptions{}, evs(uuid.New())...); err != nil {
			t.Fatal(err)
		}
	}
	sub, err := c.SubscribeToAll(ctx, esdb.SubscribeToAllOptions{From: esdb.Start{}, MaxSearchWindow: 5, CheckpointInterval: 2,
		Filter: &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: []string{"wanted-"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sub.Close() }()
	var events, checkpoints int
	var last uint64
	for events < 4 || checkpoints < 4 {
		ev := sub.Recv()
		switch {
		case ev.SubscriptionDropped != nil:
			t.Fatalf("dropped after %d events, %d checkpoints: %v", events, checkpoints, ev.SubscriptionDropped.Error)
		case ev.EventAppeared != nil:
			re := ev.EventAppeared.OriginalEvent()
			if re.StreamID != "wanted-y" || re.Position.Commit <= last {
				t.Fatalf("event %s at %d after %d", re.StreamID, re.Position.Commit, last)
			}
			last = re.Position.Commit
			events++
		case ev.CheckPointReached != nil:
			checkpoints++
		}
	}
}

func TestDeletedStreams(t *testing.T) {
	c, ctx := client(t), t.Context()
	if _, err := c.AppendToStream(ctx, "soft", esdb.AppendToStreamOptions{}, evs(uuid.New(), uuid.New())...); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteStream(ctx, "soft", esdb.DeleteStreamOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := readStream(t, c, "soft"); code(err) != esdb.ErrorCodeResourceNotFound {
		t.Fatalf("soft-deleted read: %v, want not found", err)
	}
	w, err := c.AppendToStream(ctx, "soft", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, evs(uuid.New())...)
	if err != nil || w.NextExpectedVersion != 2 {
		t.Fatalf("append after soft delete: %+v %v, want revision 2", w, err)
	}
	if _, err := c.TombstoneStream(ctx, "soft", esdb.TombstoneStreamOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := readStream(t, c, "soft"); code(err) != esdb.ErrorCodeStreamDeleted {
		t.Fatalf("tombstoned read: %v, want stream deleted", err)
	}
	if _, err := c.AppendToStream(ctx, "soft", esdb.AppendToStreamOptions{}, evs(uuid.New())...); code(err) != esdb.ErrorCodeStreamDeleted {
		t.Fatalf("append to tombstoned: %v, want stream deleted", err)
	}
}
