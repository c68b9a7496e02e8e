package snapshot_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// A snapshot read longer than the client's default timeout is still read
// when the caller sets no deadline: a large read model's snapshot (hundreds
// of megabytes after years) must not turn every start into a whole replay.
func TestALargeSnapshotIsReadPastTheClientsDefaultTimeout(t *testing.T) {
	js, _ := natstest.Store(t)
	// A client whose default timeout no read of 16 MB can meet.
	quick, err := natsjs.New(js.Conn(), natsjs.WithDefaultTimeout(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	data := bytes.Repeat([]byte("carecoop"), 2<<20)
	if err := snapshot.NewObjectStore(js, "test", 1).Save(ctx, "model", snapshot.New(42, "v1", data)); err != nil {
		t.Fatal(err)
	}
	got, err := snapshot.NewObjectStore(quick, "test", 1).Load(ctx, "model")
	if err != nil {
		t.Fatalf("Load without a deadline = %v", err)
	}
	if got.Position != 42 || !bytes.Equal(got.Data, data) {
		t.Fatalf("Load read %d bytes at %d; want %d at 42", len(got.Data), got.Position, len(data))
	}
	// A caller's own deadline still rules.
	short, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	if _, err := snapshot.NewObjectStore(js, "test", 1).Load(short, "model"); err == nil {
		t.Fatal("Load within a millisecond read 16 MB; want the caller's deadline to end it")
	}
}
