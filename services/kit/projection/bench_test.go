package projection_test

import (
	"context"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
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

// probeCounter is the store with its probes counted.
type probeCounter struct {
	*jetstream.Store
	last, first atomic.Int64
}

func (p *probeCounter) LastPosition(ctx context.Context) (uint64, error) {
	p.last.Add(1)
	return p.Store.LastPosition(ctx)
}

func (p *probeCounter) FirstPositionAfter(ctx context.Context, after uint64, filter string) (uint64, bool, error) {
	p.first.Add(1)
	return p.Store.FirstPositionAfter(ctx, after, filter)
}

// BenchmarkProjectionCatchUp: Start over the replay fixture (100k one-event
// commits of context "bench"), with the runner probing the store whenever a
// commit moved it (before issue 16, "probe-every-commit", which also hands
// several filters to the server) and only when nothing is pending for it
// (now), in the same run; "server-filters" is now's runner with several
// filters handed to the server (jetstream.WithServerFilters). "all" follows the whole stream; "two-filters"
// follows a context with no commits and "bench", as the services follow
// several contexts: a probe of the empty one makes the server look through
// the rest of the stream. probes/op counts stream-info calls and direct gets;
// cpu-µs/op is the process's CPU (client and embedded server) per event.
func BenchmarkProjectionCatchUp(b *testing.B) {
	r := jsbench.NewReplay(b, jsbench.ReplayEvents, nil)
	// Before issue 16 several filters went to the server.
	serverFiltered, err := jetstream.New(context.Background(), r.JS, jetstream.WithStreamName(r.Store.StreamName()), jetstream.WithServerFilters())
	if err != nil {
		b.Fatal(err)
	}
	for _, filters := range []struct {
		name    string
		filters []string
	}{{"all", nil}, {"two-filters", []string{eventstore.ContextFilter("quiet"), eventstore.ContextFilter("bench")}}} {
		for _, mode := range []string{"probe-every-commit", "probe-when-idle", "server-filters"} {
			if mode == "server-filters" && len(filters.filters) < 2 {
				continue
			}
			b.Run(filters.name+"/"+mode, func(b *testing.B) {
				store := &probeCounter{Store: r.Store}
				if mode != "probe-when-idle" {
					store.Store = serverFiltered
				}
				cpu := cpuClock(b)
				for range b.N {
					var n int
					apply := func(commit []eventstore.RecordedEvent) error { n += len(commit); return nil }
					ctx, cancel := context.WithCancel(context.Background())
					runner := projection.NewRunner("bench", store, filters.filters, apply, nil)
					if mode == "probe-every-commit" {
						projection.ProbeEveryCommit(runner)
					}
					if err := runner.Start(ctx); err != nil {
						b.Fatal(err)
					}
					cancel()
					if n != r.Events {
						b.Fatalf("replayed %d events, want %d", n, r.Events)
					}
				}
				b.ReportMetric(float64(cpuClock(b)-cpu)/float64(time.Microsecond)/float64(b.N*r.Events), "cpu-µs/op")
				b.ReportMetric(float64(store.last.Load()+store.first.Load())/float64(b.N), "probes/op")
				jsbench.ReportRate(b, r.Events, "events/s")
			})
		}
	}
}

// cpuClock is the process's CPU time so far, user and system.
func cpuClock(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
