package projection_test

import (
	"context"
	"testing"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream/jsbench"
	"github.com/carecoop/carecoop/services/kit/projection"
)

// BenchmarkProjectionReplay: a service starting up — a new runner rebuilds a
// read model (a count per stream) from the jsbench replay fixture, the same
// 100k events that BenchmarkRawOrderedConsumer reads, until Start reports it
// has caught up. Compare with BenchmarkRawOrderedConsumer in the same run.
func BenchmarkProjectionReplay(b *testing.B) {
	r := jsbench.NewReplay(b, jsbench.ReplayEvents, nil)
	b.ResetTimer()
	for range b.N {
		perStream := map[string]int{}
		var n int
		apply := func(commit []eventstore.RecordedEvent) error {
			for _, e := range commit {
				perStream[e.StreamID.ID]++
				n++
			}
			return nil
		}
		ctx, cancel := context.WithCancel(context.Background())
		runner := projection.NewRunner("bench", r.Store, nil, apply, nil)
		if err := runner.Start(ctx); err != nil {
			b.Fatal(err)
		}
		cancel()
		if n != r.Events {
			b.Fatalf("replayed %d events, want %d", n, r.Events)
		}
	}
	jsbench.ReportRate(b, r.Events, "events/s")
}
