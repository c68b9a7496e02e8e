package jetstream_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream/jsbench"
)

// BenchmarkRawJetStreamAtomicBatchOCC is the best that coalescing
// concurrent appends into atomic batches (nats-server 2.12+) could give:
// Concurrency aggregates' commits (the store's headers, MessageSize bytes
// stored, each expecting its subject's last sequence) published as batches
// of `size` messages on distinct subjects, Concurrency/size batches in
// flight, one acknowledgement a batch. The stream needs AllowAtomicPublish,
// which the event stream does not have. Compare msgs/s with
// RawJetStreamPublish and RawJetStreamPublishOCC/headers.
func BenchmarkRawJetStreamAtomicBatchOCC(b *testing.B) {
	for _, size := range []int{4, 16} {
		b.Run(fmt.Sprintf("batch%d", size), func(b *testing.B) {
			js, s := benchJetStream(b)
			ctx := context.Background()
			stream, err := js.Stream(ctx, s.StreamName())
			if err != nil {
				b.Fatal(err)
			}
			cfg := stream.CachedInfo().Config
			cfg.AllowAtomicPublish = true
			if _, err := js.UpdateStream(ctx, cfg); err != nil {
				b.Fatal(err)
			}
			nc := js.Conn()
			publishers := jsbench.Concurrency / size
			var left atomic.Int64
			left.Store(int64(b.N))
			var wg sync.WaitGroup
			b.ResetTimer()
			cpu := cpuClock(b)
			for p := range publishers {
				wg.Go(func() {
					sids := make([]eventstore.StreamID, size)
					templates := make([]nats.Header, size)
					seqs := make([]uint64, size)
					for i := range sids {
						sids[i] = eventstore.StreamID{Context: jsbench.Context, Aggregate: "raw", ID: fmt.Sprintf("b%d-%d", p, i)}
						msg, err := jetstream.CommitMsg(sids[i], 0, eventstore.Metadata{}, jsbench.Event(0))
						if err != nil {
							b.Error(err)
							return
						}
						templates[i] = msg.Header
					}
					for n := 0; left.Add(-int64(size)) > -int64(size); n++ {
						id := fmt.Sprintf("p%d-%d", p, n)
						var last *nats.Msg
						for i := range sids {
							msg := &nats.Msg{Subject: sids[i].Subject(), Header: make(nats.Header, len(templates[i])+4)}
							for k, v := range templates[i] {
								msg.Header[k] = v
							}
							msg.Header[natsjs.ExpectedLastSubjSeqHeader] = []string{strconv.FormatUint(seqs[i], 10)}
							msg.Header["Nats-Batch-Id"] = []string{id}
							msg.Header["Nats-Batch-Sequence"] = []string{strconv.Itoa(i + 1)}
							if i == size-1 {
								msg.Header["Nats-Batch-Commit"] = []string{"1"}
							}
							msg.Data = make([]byte, max(0, jsbench.MessageSize-headerSize(msg.Header)))
							if i < size-1 {
								if err := nc.PublishMsg(msg); err != nil {
									b.Error(err)
									return
								}
								continue
							}
							last = msg
						}
						resp, err := nc.RequestMsgWithContext(ctx, last)
						if err != nil {
							b.Error(err)
							return
						}
						var ack struct {
							Seq   uint64           `json:"seq"`
							Error *natsjs.APIError `json:"error"`
						}
						if err := jsonUnmarshal(resp.Data, &ack); err != nil || ack.Error != nil {
							b.Errorf("batch ack %s: %v", resp.Data, err)
							return
						}
						for i := range seqs {
							seqs[i] = ack.Seq - uint64(size-1-i)
						}
					}
				})
			}
			wg.Wait()
			jsbench.ReportRate(b, 1, "msgs/s")
			reportCPU(b, cpu, 1)
		})
	}
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
