package jetstream_test

// What S2 compression of the event stream (StreamConfig.Compression) costs
// and saves (issue 16, item 5), uncompressed and compressed in the same run.
// The server compresses a message block (8 MB) once it is full, and a read
// of a message in a block not in its cache loads and decompresses the whole
// block: so the reads here start from a restarted server, as a service's
// cold start and the first loads after it do. docs/benchmarks.md records
// the figures.

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream/jsbench"
	"github.com/carecoop/carecoop/services/kit/natsserver"
)

var compressions = []struct {
	name string
	alg  natsjs.StoreCompression
}{{"none", natsjs.NoCompression}, {"s2", natsjs.S2Compression}}

// compressServer is a server on a data dir of its own whose event stream
// was created with a chosen compression, restartable on the same dir.
type compressServer struct {
	dir   string
	alg   natsjs.StoreCompression
	srv   *natsserver.Server
	nc    *nats.Conn
	js    natsjs.JetStream
	store *jetstream.Store
}

func newCompressServer(b testing.TB, alg natsjs.StoreCompression) *compressServer {
	b.Helper()
	s := startCompressServer(b)
	s.alg = alg
	cfg := jetstream.StreamConfig("CARECOOP_EVENTS", 1, 2*time.Minute)
	cfg.Compression = alg
	if _, err := s.js.CreateStream(context.Background(), cfg); err != nil {
		b.Fatal(err)
	}
	s.open(b)
	return s
}

// startCompressServer starts a server on a data dir of its own, with no
// stream yet.
func startCompressServer(tb testing.TB) *compressServer {
	tb.Helper()
	s := &compressServer{dir: tb.TempDir()}
	s.start(tb)
	tb.Cleanup(s.stop)
	return s
}

func (s *compressServer) start(b testing.TB) {
	b.Helper()
	srv, err := natsserver.Start(natsserver.Options{DataDir: s.dir, Port: -1})
	if err != nil {
		b.Fatal(err)
	}
	nc, err := srv.Connect(jetstream.ConnOptions()...)
	if err != nil {
		b.Fatal(err)
	}
	js, err := natsjs.New(nc, natsjs.WithPublishAsyncMaxPending(4096))
	if err != nil {
		b.Fatal(err)
	}
	s.srv, s.nc, s.js = srv, nc, js
}

func (s *compressServer) open(b testing.TB) {
	b.Helper()
	store, err := jetstream.New(context.Background(), s.js)
	if err != nil {
		b.Fatal(err)
	}
	s.store = store
}

func (s *compressServer) stop() {
	if s.srv != nil {
		s.nc.Close()
		s.srv.Shutdown()
		s.srv = nil
	}
}

// restart stops the server and starts it again on its data dir: every block
// cache is empty after it (the files may still be in the OS page cache, as
// on a service's restart).
func (s *compressServer) restart(b testing.TB) {
	b.Helper()
	s.stop()
	s.start(b)
	s.open(b)
}

// blocks lists the stream's message block files.
func (s *compressServer) blocks(b testing.TB) []string {
	b.Helper()
	files, err := filepath.Glob(filepath.Join(s.dir, "nats", "jetstream", "*", "streams", "CARECOOP_EVENTS", "msgs", "*.blk"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no message blocks (%v)", err)
	}
	// In block order (<index>.blk): the last is the one being written.
	index := func(f string) int {
		n, _ := strconv.Atoi(strings.TrimSuffix(filepath.Base(f), ".blk"))
		return n
	}
	slices.SortFunc(files, func(a, b string) int { return cmp.Compare(index(a), index(b)) })
	return files
}

// settle waits until the server has compressed every full block (it does
// so in the background once the next block is begun), and returns the
// stream's size on disk.
func (s *compressServer) settle(tb testing.TB) int64 {
	tb.Helper()
	return s.waitBlocks(tb, func(full, compressed int) bool {
		return s.alg == natsjs.NoCompression || compressed == full
	})
}

// waitBlocks waits (a minute at most) until done holds of the stream's full
// and compressed blocks, and returns the stream's size on disk.
func (s *compressServer) waitBlocks(tb testing.TB, done func(full, compressed int) bool) int64 {
	tb.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		full, compressed, size := s.diskState(tb)
		if done(full, compressed) {
			tb.Logf("%d blocks, %d compressed, %d bytes", full+1, compressed, size)
			return size
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d of %d full blocks compressed after a minute", compressed, full)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// diskState counts the stream's full blocks (all but the last, being
// written) and those of them compressed, and sums the blocks' sizes.
func (s *compressServer) diskState(tb testing.TB) (full, compressed int, size int64) {
	tb.Helper()
	files := s.blocks(tb)
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		size += int64(len(data))
		if i < len(files)-1 {
			full++
			// A compressed block begins with the server's metadata "cmp".
			if bytes.HasPrefix(data, []byte("cmp")) {
				compressed++
			}
		}
	}
	return full, compressed, size
}

// loadReferrals publishes n ReferralMatched commits, each its own referral
// aggregate, as purchasing's matcher writes them.
func (s *compressServer) loadReferrals(b testing.TB, n int) {
	b.Helper()
	at := time.Now()
	for i := range n {
		msg, err := jetstream.CommitMsg(referralSID(i), 0, eventstore.Metadata{OccurredAt: at}, appReferralMatched(i, true))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.js.PublishMsgAsync(msg, natsjs.WithStallWait(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-s.js.PublishAsyncComplete():
	case <-time.After(2 * time.Minute):
		b.Fatal("loading the referrals timed out")
	}
}

func referralSID(i int) eventstore.StreamID {
	return eventstore.StreamID{Context: jsbench.Context, Aggregate: "referral", ID: fmt.Sprintf("r%05d", i)}
}

// compressReferrals is the read fixture: 1,000 matches of ~100 KB (the
// fixture's match list is longer-worded than the average), about 100 MB
// uncompressed, twelve 8 MB blocks.
const compressReferrals = 1_000

// BenchmarkStreamCompression: each workload on a stream created without
// compression and with S2, in the same run.
//
//   - append512: Store.Append of the 512-byte message of StoreAppend/msg512,
//     16 writers; disk-B/msg is the stream's size on disk per message.
//   - appendReferral: Store.Append of a ReferralMatched (200 matches with
//     their reasons), 16 writers.
//   - replay: a cold replay (server restarted before each) of the read
//     fixture through Store.Subscribe.
//   - load: after a restart, ReadStream of 10 referrals, one in each block:
//     each load reads a block from disk (and decompresses it).
func BenchmarkStreamCompression(b *testing.B) {
	for _, c := range compressions {
		b.Run("append512/"+c.name, func(b *testing.B) { benchCompressAppend(b, c.alg, false) })
	}
	for _, c := range compressions {
		b.Run("appendReferral/"+c.name, func(b *testing.B) { benchCompressAppend(b, c.alg, true) })
	}
	fixtures := map[string]*compressServer{}
	var onDisk []int64
	for _, c := range compressions {
		s := newCompressServer(b, c.alg)
		s.loadReferrals(b, compressReferrals)
		onDisk = append(onDisk, s.settle(b))
		fixtures[c.name] = s
	}
	for i, c := range compressions {
		s := fixtures[c.name]
		b.Run("replay/"+c.name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				s.restart(b)
				b.StartTimer()
				ctx, cancel := context.WithCancel(context.Background())
				var n int
				_ = s.store.Subscribe(ctx, 0, nil, func(c []eventstore.RecordedEvent) error {
					if n += len(c); n >= compressReferrals {
						cancel()
					}
					return nil
				})
				cancel()
				if n != compressReferrals {
					b.Fatalf("replayed %d, want %d", n, compressReferrals)
				}
			}
			jsbench.ReportRate(b, compressReferrals, "commits/s")
			b.ReportMetric(float64(onDisk[i])/compressReferrals, "disk-B/commit")
		})
	}
	for _, c := range compressions {
		s := fixtures[c.name]
		b.Run("load/"+c.name, func(b *testing.B) {
			const loads = 10
			var took time.Duration
			for range b.N {
				b.StopTimer()
				s.restart(b)
				b.StartTimer()
				at := time.Now()
				for j := range loads {
					evs, err := s.store.ReadStream(context.Background(), referralSID(j*compressReferrals/loads))
					if err != nil || len(evs) != 1 {
						b.Fatalf("ReadStream: %d events, %v", len(evs), err)
					}
				}
				took += time.Since(at)
			}
			b.ReportMetric(float64(took)/float64(time.Millisecond)/float64(b.N*loads), "ms/load")
		})
	}
}

// benchCompressAppend appends one event per call from 16 writers: the
// 512-byte message of StoreAppend/msg512, each writer to its own aggregate,
// or (referrals) a ReferralMatched, each a new referral.
func benchCompressAppend(b *testing.B, alg natsjs.StoreCompression, referrals bool) {
	s := newCompressServer(b, alg)
	ctx := context.Background()
	// Built before the clock starts: making a match list is the matcher's
	// cost, not the store's.
	var matched []proto.Message
	if referrals {
		for i := range 64 {
			matched = append(matched, appReferralMatched(i, true))
		}
	}
	var next, seq atomic.Int64
	b.SetParallelism(jsbench.Parallelism())
	b.ResetTimer()
	cpu := cpuClock(b)
	b.RunParallel(func(pb *testing.PB) {
		w := int(next.Add(1))
		item := eventstore.StreamID{Context: jsbench.Context, Aggregate: "item", ID: fmt.Sprintf("w%d", w)}
		event := jsbench.SizedEvent(jsbench.MessageSized, w)
		var version uint64
		for pb.Next() {
			if referrals {
				i := int(seq.Add(1))
				if _, err := s.store.Append(ctx, referralSID(i), eventstore.NoStream, eventstore.Metadata{}, matched[i%len(matched)]); err != nil {
					b.Error(err)
					return
				}
				continue
			}
			res, err := s.store.Append(ctx, item, eventstore.Exact(version), eventstore.Metadata{}, event)
			if err != nil {
				b.Error(err)
				return
			}
			version = res.StreamVersion
		}
	})
	jsbench.ReportRate(b, 1, "appends/s")
	reportCPU(b, cpu, 1)
	b.StopTimer()
	b.ReportMetric(float64(s.settle(b))/float64(b.N), "disk-B/append")
}
