package jetstream_test

// Benchmarks of the JetStream event store against raw JetStream in the same
// run; figures and the command live in docs/benchmarks.md. Write benchmarks
// run jsbench.Concurrency publishers; read benchmarks read the jsbench replay
// fixture. BenchmarkProjectionReplay (services/kit/projection) uses the same
// fixture through jsbench.NewReplay, so its figure compares with the two
// replay benchmarks here.

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream/jsbench"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

// benchJetStream starts a server with the event stream created as the store
// creates it, so raw and store benchmarks write to identical streams.
func benchJetStream(b *testing.B) (natsjs.JetStream, *jetstream.Store) {
	b.Helper()
	return natstest.Store(b)
}

// BenchmarkRawJetStreamPublish: synchronous js.Publish of MessageSize-byte
// payloads, Concurrency publishers on distinct subjects. The baseline of
// BenchmarkStoreAppend.
func BenchmarkRawJetStreamPublish(b *testing.B) {
	js, _ := benchJetStream(b)
	ctx := context.Background()
	payload := make([]byte, jsbench.MessageSize)
	var next atomic.Int64
	b.SetParallelism(jsbench.Parallelism())
	b.ResetTimer()
	cpu := cpuClock(b)
	b.RunParallel(func(pb *testing.PB) {
		subject := fmt.Sprintf("carecoop.evt.%s.raw.p%d", jsbench.Context, next.Add(1))
		for pb.Next() {
			if _, err := js.Publish(ctx, subject, payload); err != nil {
				b.Error(err)
				return
			}
		}
	})
	jsbench.ReportRate(b, 1, "msgs/s")
	reportCPU(b, cpu, 1)
}

// BenchmarkRawJetStreamPublishOCC splits the store's write cost from the
// server's: raw js.PublishMsg of MessageSize-byte messages (headers included,
// like BenchmarkStoreAppend/msg512) carrying only the optimistic-concurrency
// header ("expect"), or the store's whole header set as well ("headers"),
// or that set without the headers a one-event commit repeats ("trimmed"),
// or that set published with PublishMsgAsync, each publisher waiting for
// its ack before its next message as an append must ("async"),
// Concurrency publishers on distinct subjects.
func BenchmarkRawJetStreamPublishOCC(b *testing.B) {
	for _, variant := range []string{"expect", "headers", "trimmed", "async"} {
		b.Run(variant, func(b *testing.B) {
			js, _ := benchJetStream(b)
			ctx := context.Background()
			var next atomic.Int64
			b.SetParallelism(jsbench.Parallelism())
			b.ResetTimer()
			cpu := cpuClock(b)
			b.RunParallel(func(pb *testing.PB) {
				sid := eventstore.StreamID{Context: jsbench.Context, Aggregate: "raw", ID: fmt.Sprintf("p%d", next.Add(1))}
				var template nats.Header
				if variant != "expect" {
					msg, err := jetstream.CommitMsg(sid, 0, eventstore.Metadata{}, jsbench.Event(0))
					if err != nil {
						b.Error(err)
						return
					}
					template = msg.Header
				}
				if variant == "trimmed" {
					// What a one-event commit could go without (issue 16):
					// two constant CloudEvents headers, and the event-type
					// list, equal to ce-type for one event.
					delete(template, "ce-specversion")
					delete(template, "ce-datacontenttype")
					delete(template, jetstream.HeaderEventTypes)
				}
				var seq uint64
				for pb.Next() {
					msg := &nats.Msg{Subject: sid.Subject(), Header: make(nats.Header, len(template)+1)}
					for k, v := range template {
						msg.Header[k] = v
					}
					msg.Header[natsjs.ExpectedLastSubjSeqHeader] = []string{strconv.FormatUint(seq, 10)}
					msg.Data = make([]byte, max(0, jsbench.MessageSize-headerSize(msg.Header)))
					var ack *natsjs.PubAck
					var err error
					if variant == "async" {
						ack, err = publishAsync(js, msg)
					} else {
						ack, err = js.PublishMsg(ctx, msg)
					}
					if err != nil {
						b.Error(err)
						return
					}
					seq = ack.Sequence
				}
			})
			jsbench.ReportRate(b, 1, "msgs/s")
			reportCPU(b, cpu, 1)
		})
	}
}

// publishAsync publishes msg asynchronously and waits for its ack.
func publishAsync(js natsjs.JetStream, msg *nats.Msg) (*natsjs.PubAck, error) {
	f, err := js.PublishMsgAsync(msg)
	if err != nil {
		return nil, err
	}
	select {
	case ack := <-f.Ok():
		return ack, nil
	case err := <-f.Err():
		return nil, err
	}
}

// headerSize is the size of the NATS/1.0 header block h encodes to.
func headerSize(h nats.Header) int {
	n := len("NATS/1.0\r\n\r\n")
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(": ") + len(v) + len("\r\n")
		}
	}
	return n
}

// BenchmarkStoreAppend: Store.Append of one event, Concurrency writers on
// distinct streams, each with the exact expected version: optimistic
// concurrency on every append. Two sizes: msg512 stores as many bytes per
// message as the raw benchmark (headers included); payload512 has a
// MessageSize-byte commit and the store's headers on top.
func BenchmarkStoreAppend(b *testing.B) {
	for _, tc := range []struct {
		name   string
		sizing jsbench.Sizing
	}{{"msg512", jsbench.MessageSized}, {"payload512", jsbench.PayloadSized}} {
		b.Run(tc.name, func(b *testing.B) {
			_, s := benchJetStream(b)
			ctx := context.Background()
			var next atomic.Int64
			b.SetParallelism(jsbench.Parallelism())
			b.ResetTimer()
			cpu := cpuClock(b)
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(1))
				sid := eventstore.StreamID{Context: jsbench.Context, Aggregate: "item", ID: fmt.Sprintf("w%d", i)}
				event := jsbench.SizedEvent(tc.sizing, i)
				var version uint64
				for pb.Next() {
					res, err := s.Append(ctx, sid, eventstore.Exact(version), eventstore.Metadata{}, event)
					if err != nil {
						b.Error(err)
						return
					}
					version = res.StreamVersion
				}
			})
			jsbench.ReportRate(b, 1, "appends/s")
			reportCPU(b, cpu, 1)
		})
	}
}

// BenchmarkStoreAppendSync is BenchmarkStoreAppend/msg512 on a single
// server in each durability mode: "interval" syncs to disk every 2 minutes
// (JetStream's default, what the other benchmarks run on), "always" syncs
// every write before acknowledging it (natsserver.Options.SyncAlways, the
// dev stack's default). The data dir is t.TempDir(): put TMPDIR on the disk
// the store would use, or the fsync cost is not the real one.
func BenchmarkStoreAppendSync(b *testing.B) {
	for _, mode := range []struct {
		name   string
		always bool
	}{{"interval", false}, {"always", true}} {
		b.Run(mode.name, func(b *testing.B) {
			srv, err := natsserver.Start(natsserver.Options{DataDir: b.TempDir(), Port: -1, SyncAlways: mode.always})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(srv.Shutdown)
			nc, err := srv.Connect()
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(nc.Close)
			js, err := natsjs.New(nc)
			if err != nil {
				b.Fatal(err)
			}
			s, err := jetstream.New(context.Background(), js)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			var next atomic.Int64
			b.SetParallelism(jsbench.Parallelism())
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(1))
				sid := eventstore.StreamID{Context: jsbench.Context, Aggregate: "item", ID: fmt.Sprintf("w%d", i)}
				event := jsbench.SizedEvent(jsbench.MessageSized, i)
				var version uint64
				for pb.Next() {
					res, err := s.Append(ctx, sid, eventstore.Exact(version), eventstore.Metadata{}, event)
					if err != nil {
						b.Error(err)
						return
					}
					version = res.StreamVersion
				}
			})
			jsbench.ReportRate(b, 1, "appends/s")
		})
	}
}

// BenchmarkRawOrderedConsumer: the replay fixture's messages through a bare
// ordered consumer on the whole stream, counted and not decoded, pushed to a
// callback exactly as Store.Subscribe consumes them. The baseline of
// BenchmarkStoreSubscribeReplay.
func BenchmarkRawOrderedConsumer(b *testing.B) {
	r := jsbench.NewReplay(b, jsbench.ReplayEvents, nil)
	ctx := context.Background()
	b.ResetTimer()
	cpu := cpuClock(b)
	for range b.N {
		cons, err := r.JS.OrderedConsumer(ctx, r.Store.StreamName(), natsjs.OrderedConsumerConfig{})
		if err != nil {
			b.Fatal(err)
		}
		var n, bytes int
		done := make(chan struct{})
		cc, err := cons.Consume(func(msg natsjs.Msg) {
			bytes += len(msg.Data())
			if n++; n == r.Events {
				close(done)
			}
		}, natsjs.PullMaxMessages(jetstream.DefaultSubscribeBatch))
		if err != nil {
			b.Fatal(err)
		}
		<-done
		cc.Stop()
		if bytes == 0 {
			b.Fatal("no data")
		}
	}
	jsbench.ReportRate(b, r.Events, "msgs/s")
	reportCPU(b, cpu, r.Events)
}

// BenchmarkStoreSubscribeReplay: the same messages through Store.Subscribe,
// each decoded into its RecordedEvent.
func BenchmarkStoreSubscribeReplay(b *testing.B) {
	r := jsbench.NewReplay(b, jsbench.ReplayEvents, nil)
	b.ResetTimer()
	cpu := cpuClock(b)
	for range b.N {
		ctx, cancel := context.WithCancel(context.Background())
		var n int
		err := r.Store.Subscribe(ctx, 0, nil, func(c []eventstore.RecordedEvent) error {
			if n += len(c); n >= r.Events {
				cancel()
			}
			return nil
		})
		cancel()
		if n != r.Events {
			b.Fatalf("replayed %d events, want %d (%v)", n, r.Events, err)
		}
	}
	jsbench.ReportRate(b, r.Events, "events/s")
	reportCPU(b, cpu, r.Events)
}

// BenchmarkStoreReadStream: loading one 100-event aggregate (ReadStream),
// what every command handler does before deciding.
func BenchmarkStoreReadStream(b *testing.B) {
	r := jsbench.NewReplay(b, 10_000, nil)
	ctx := context.Background()
	sid := eventstore.StreamID{Context: jsbench.Context, Aggregate: "item", ID: "i00042"}
	b.ResetTimer()
	for range b.N {
		evs, err := r.Store.ReadStream(ctx, sid)
		if err != nil || len(evs) != 100 {
			b.Fatalf("ReadStream: %d events, %v", len(evs), err)
		}
	}
	jsbench.ReportRate(b, 1, "loads/s")
}

// BenchmarkReplayCodec: the replay fixture through an ordered consumer,
// decoded on another goroutine as Subscribe does, with the store's decoder
// and the generated code's; compare with RawOrderedConsumer.
func BenchmarkReplayCodec(b *testing.B) {
	r := jsbench.NewReplay(b, jsbench.ReplayEvents, nil)
	ctx := context.Background()
	for _, codec := range jetstream.BenchDecoders {
		b.Run(codec.Name, func(b *testing.B) {
			cpu := cpuClock(b)
			for range b.N {
				cons, err := r.JS.OrderedConsumer(ctx, r.Store.StreamName(), natsjs.OrderedConsumerConfig{})
				if err != nil {
					b.Fatal(err)
				}
				msgs := make(chan natsjs.Msg, jetstream.DefaultSubscribeBatch)
				cc, err := cons.Consume(func(msg natsjs.Msg) { msgs <- msg }, natsjs.PullMaxMessages(jetstream.DefaultSubscribeBatch))
				if err != nil {
					b.Fatal(err)
				}
				for n := 0; n < r.Events; {
					evs, err := codec.Decode(<-msgs)
					if err != nil {
						b.Fatal(err)
					}
					n += len(evs)
				}
				cc.Stop()
			}
			jsbench.ReportRate(b, r.Events, "events/s")
			reportCPU(b, cpu, r.Events)
		})
	}
}
