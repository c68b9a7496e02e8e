package natsserver_test

import (
	"context"
	"testing"

	"github.com/carecoop/carecoop/services/kit/natsserver/natsperm"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// Each service saves and loads its snapshots as its own NATS user, and
// cannot read another service's.
func TestSnapEachServiceUsesItsOwnSnapshotBucket(t *testing.T) {
	srv, creds := authServer(t)
	ctx := testCtx(t)
	for _, svc := range natsperm.Services() {
		c := connectAs(t, srv, creds, svc)
		store := snapshot.NewObjectStore(c.js, svc, 0)
		want := snapshot.New(7, "v1", []byte("state of "+svc))
		if err := store.Save(ctx, "model", want); err != nil {
			t.Fatalf("%s saves its snapshot: %v", svc, err)
		}
		got, err := store.Load(ctx, "model")
		if err != nil || got.Position != 7 || string(got.Data) != "state of "+svc {
			t.Fatalf("%s loads %d %q, %v", svc, got.Position, got.Data, err)
		}
		if err := store.Save(ctx, "model", snapshot.New(8, "v1", []byte("replaced"))); err != nil {
			t.Fatalf("%s replaces its snapshot: %v", svc, err)
		}
		if got, err := store.Load(ctx, "model"); err != nil || got.Position != 8 {
			t.Fatalf("%s loads the replaced snapshot at %d: %v", svc, got.Position, err)
		}
		select {
		case err := <-c.violations:
			t.Fatalf("%s: %v", svc, err)
		default:
		}
	}
	other := connectAs(t, srv, creds, "demand")
	other.refused(t, "$JS.API.STREAM.INFO.OBJ_"+snapshot.Bucket("framework"), func(ctx context.Context) error {
		_, err := snapshot.NewObjectStore(other.js, "framework", 0).Load(ctx, "model")
		return err
	})
}
