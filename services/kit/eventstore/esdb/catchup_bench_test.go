package esdb

import (
	"fmt"
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/esdb/esdbtest"
	"github.com/carecoop/carecoop/services/kit/projection"
)

// BenchmarkProjectionCatchUp is a read model's start on a store holding
// b.N commits, every other one of its own context: how a runner catches up
// through the ESDB store (Subscribe plus its probes).
func BenchmarkProjectionCatchUp(b *testing.B) {
	srv := esdbtest.Start(b)
	s, err := New(srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for i := range b.N {
		ctx := "mine"
		if i%2 == 1 {
			ctx = "theirs"
		}
		sid := eventstore.StreamID{Context: ctx, Aggregate: "thing", ID: fmt.Sprint("t", i%50)}
		if _, err := s.Append(b.Context(), sid, eventstore.Any, eventstore.Metadata{}, wrapperspb.String("x")); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	n := 0
	r := projection.NewRunner("bench", s, []string{eventstore.ContextFilter("mine")}, func(c []eventstore.RecordedEvent) error {
		n++
		return nil
	}, nil)
	if err := r.Start(b.Context()); err != nil {
		b.Fatal(err)
	}
	if n != (b.N+1)/2 {
		b.Fatalf("applied %d commits, want %d", n, (b.N+1)/2)
	}
}
