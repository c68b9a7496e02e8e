package aggregate_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// BenchmarkFirstLoadAfterRestart: the first load of a long aggregate by a
// new repository, as after a restart: 1,000 commits spread over a store of
// 21,000 (about 170 MB, some twenty 8 MB blocks), each of the other commits
// carrying 8 KB. "whole" reads the stream from its first commit (the
// server walks every block between its first and last); "snapshot" reads
// the persisted snapshot and the commits after it.
func BenchmarkFirstLoadAfterRestart(b *testing.B) {
	js, store := natstest.Store(b)
	snaps := snapshot.NewObjectStore(js, "bench", 0)
	ctx := context.Background()
	sid := stream("long")
	filler := wrapperspb.String(strings.Repeat("x", 8<<10))
	const long, between = 1000, 20
	for i := range long {
		if _, err := store.Append(ctx, sid, eventstore.Any, eventstore.Metadata{}, wrapperspb.String(fmt.Sprint("n", i))); err != nil {
			b.Fatal(err)
		}
		for j := range between {
			other := stream(fmt.Sprint("other-", j))
			if _, err := store.Append(ctx, other, eventstore.Any, eventstore.Metadata{}, proto.Clone(filler)); err != nil {
				b.Fatal(err)
			}
		}
	}
	saver, saved := snapshotting(b, store, snaps, rosterCodec("roster-1"))
	if _, err := saver.Load(ctx, sid); err != nil {
		b.Fatal(err)
	}
	waitSaved(b, saved)

	for _, c := range []struct {
		name string
		repo func() *aggregate.Repository[roster]
	}{
		{"whole", func() *aggregate.Repository[roster] { return aggregate.New(store, rosterEvolver) }},
		{"snapshot", func() *aggregate.Repository[roster] {
			return aggregate.New(store, rosterEvolver).WithSnapshots(snaps, rosterCodec("roster-1"))
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				l, err := c.repo().Load(ctx, sid)
				if err != nil || l.Version != long {
					b.Fatalf("load: version %d, %v", l.Version, err)
				}
			}
		})
	}
}
