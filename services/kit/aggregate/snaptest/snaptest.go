// Package snaptest checks, in a service's tests over a real store, that the
// snapshots a repository persists of its aggregates are what folding their
// events gives, and that a repository started afresh loads from them the
// state a whole read gives.
package snaptest

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// Wait returns the snapshot repo saved of stream, waiting for the
// background save (up to 30 s).
func Wait[S any](t testing.TB, repo *aggregate.Repository[S], stream eventstore.StreamID) aggregate.Snapshot[S] {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		s, err := repo.Snapshot(ctx, stream)
		if err == nil {
			return s
		}
		if !errors.Is(err, snapshot.ErrNotFound) {
			t.Fatalf("snapshot of %s: %v", stream, err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no snapshot of %s was saved", stream)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// AssertSavedIsTheFold waits for repo's snapshot of stream and checks that
// its state is the fold (from initial) of the stream's events up to its
// version, and that restarted — a new repository over the same store, as
// after a restart — loads the fold of the whole stream at its last version.
// States are compared with protocmp and opts (for unexported fields).
func AssertSavedIsTheFold[S any](t testing.TB, store eventstore.Store, repo, restarted *aggregate.Repository[S], stream eventstore.StreamID, initial S, fold func(S, []proto.Message) S, opts ...cmp.Option) {
	t.Helper()
	saved := Wait(t, repo, stream)
	recorded, err := store.ReadStream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	var upTo, all []proto.Message
	for _, e := range recorded {
		if e.Version <= saved.Version {
			upTo = append(upTo, e.Event)
		}
		all = append(all, e.Event)
	}
	if d := cmp.Diff(fold(initial, upTo), saved.State, append(opts, protocmp.Transform())...); d != "" {
		t.Fatalf("snapshot of %s at version %d is not the fold of its events (-fold +snapshot):\n%s", stream, saved.Version, d)
	}
	loaded, err := restarted.Load(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(fold(initial, all), loaded.State, append(opts, protocmp.Transform())...); d != "" {
		t.Fatalf("%s loaded after a restart is not the fold of its stream (-fold +loaded):\n%s", stream, d)
	}
	if n := len(recorded); n == 0 || loaded.Version != recorded[n-1].Version {
		t.Fatalf("%s loaded at version %d, the stream has %d events", stream, loaded.Version, n)
	}
}

// Garbage is input no codec may read as a state: nothing, junk, 200
// random byte strings (the same each run) and every cut of each valid
// snapshot short of its end. A codec's Unmarshal should refuse each with
// an error, never panic.
func Garbage(valid ...[]byte) [][]byte {
	out := [][]byte{nil, {}, []byte("not a snapshot"), bytes.Repeat([]byte{0xff}, 64)}
	r := rand.New(rand.NewPCG(16, 16))
	for range 200 {
		b := make([]byte, r.IntN(256))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		out = append(out, b)
	}
	for _, v := range valid {
		for n := range len(v) {
			out = append(out, v[:n])
		}
	}
	return out
}
