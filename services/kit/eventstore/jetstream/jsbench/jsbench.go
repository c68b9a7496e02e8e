// Package jsbench is the shared fixture of the event-store benchmarks: the
// benchmarks in eventstore/jetstream and BenchmarkProjectionReplay in
// services/kit/projection read the same data, sized and loaded the same way,
// so their figures in docs/benchmarks.md compare directly.
//
// Hook for the projection benchmark:
//
//	r := jsbench.NewReplay(b, jsbench.ReplayEvents, nil) // or an event factory of your own
//	b.ResetTimer()
//	for range b.N {
//		// run the projection over r.Store from position 0 until it has
//		// applied r.Last, e.g. by subscribing to r.Filter.
//	}
//	jsbench.ReportRate(b, r.Events, "events/s")
package jsbench

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

const (
	// ReplayEvents is how many events the replay benchmarks read.
	ReplayEvents = 100_000
	// MessageSize is the payload size of a benchmark message: the raw
	// publishes' payload, and the encoded commit of one Event.
	MessageSize = 512
	// Concurrency is the number of concurrent publishers in the write benchmarks.
	Concurrency = 16
	// Context is the bounded context of every fixture stream.
	Context = "bench"
	// eventsPerStream spreads the replay fixture over many aggregates, as a
	// real context is.
	eventsPerStream = 100
)

// Parallelism is the b.SetParallelism argument that makes RunParallel run
// Concurrency goroutines whatever GOMAXPROCS is.
func Parallelism() int {
	p := runtime.GOMAXPROCS(0)
	return (Concurrency + p - 1) / p
}

// Sizing of the benchmark event.
type Sizing int

const (
	// PayloadSized events make a MessageSize-byte commit payload; the message
	// adds the store's headers (CloudEvents, types, expected sequence) on top.
	PayloadSized Sizing = iota
	// MessageSized events make the whole stored message, headers included,
	// MessageSize bytes: the same bytes per message as the raw benchmarks.
	MessageSized
)

var paddings = map[Sizing]int{
	PayloadSized: padding(func(m *nats.Msg) int { return len(m.Data) }),
	MessageSized: padding(messageSize),
}

// messageSize is the size of a message as stored (NATS/1.0 header block and
// payload), with the expected-sequence header Append adds.
func messageSize(m *nats.Msg) int {
	n := len("NATS/1.0\r\n\r\n") + len(natsjs.ExpectedLastSubjSeqHeader) + len(": 12345\r\n")
	for k, vs := range m.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n + len(m.Data)
}

// padding finds the BytesValue length that makes size(message) MessageSize
// (by encoding, so it follows the envelope and headers).
func padding(size func(*nats.Msg) int) int {
	sid := eventstore.StreamID{Context: Context, Aggregate: "item", ID: "i00000"}
	sizeWith := func(pad int) int {
		msg, err := jetstream.CommitMsg(sid, 1, eventstore.Metadata{OccurredAt: time.Now()}, wrapperspb.Bytes(make([]byte, pad)))
		if err != nil {
			panic(err)
		}
		return size(msg)
	}
	pad := max(0, MessageSize-sizeWith(0)-8)
	for pad > 0 && sizeWith(pad) > MessageSize {
		pad--
	}
	for sizeWith(pad+1) <= MessageSize {
		pad++
	}
	return pad
}

// Event returns a PayloadSized benchmark event.
func Event(i int) proto.Message { return SizedEvent(PayloadSized, i) }

// SizedEvent returns a BytesValue event sized as s says.
func SizedEvent(s Sizing, i int) proto.Message {
	b := make([]byte, paddings[s])
	for j := range b {
		b[j] = byte(i + j)
	}
	return wrapperspb.Bytes(b)
}

// Replay is a server whose event store holds Events one-event commits of the
// Context context, spread over Events/100 aggregates.
type Replay struct {
	Server *natsserver.Server
	JS     natsjs.JetStream
	Store  *jetstream.Store
	Events int
	// Filter matches exactly the fixture's commits.
	Filter string
	// Last is the position of the last commit.
	Last uint64
}

// NewReplay starts a fresh server (stopped when tb ends) and loads n events
// made by event (Event if nil). Loading publishes the store's own commit
// messages asynchronously: appending 100k events one by one would make the
// fixture slower than the benchmark.
func NewReplay(tb testing.TB, n int, event func(i int) proto.Message) *Replay {
	tb.Helper()
	if event == nil {
		event = Event
	}
	nc, srv := natstest.JetStream(tb)
	js, err := natsjs.New(nc, natsjs.WithPublishAsyncMaxPending(4096))
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	store, err := jetstream.New(ctx, js)
	if err != nil {
		tb.Fatal(err)
	}
	at := time.Now()
	for i := range n {
		sid := eventstore.StreamID{Context: Context, Aggregate: "item", ID: fmt.Sprintf("i%05d", i%(max(1, n/eventsPerStream)))}
		prev := uint64(i / max(1, n/eventsPerStream))
		msg, err := jetstream.CommitMsg(sid, prev, eventstore.Metadata{OccurredAt: at}, event(i))
		if err != nil {
			tb.Fatal(err)
		}
		// A loaded machine may keep the window of 4,096 acks full for longer
		// than the default 200 ms stall wait.
		if _, err := js.PublishMsgAsync(msg, natsjs.WithStallWait(time.Minute)); err != nil {
			tb.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		tb.Fatal("jsbench: loading the replay fixture timed out")
	}
	last, err := store.LastPosition(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if last != uint64(n) {
		tb.Fatalf("jsbench: stream holds %d commits, want %d", last, n)
	}
	return &Replay{Server: srv, JS: js, Store: store, Events: n, Filter: eventstore.ContextFilter(Context), Last: last}
}

// ReportRate reports perOp items per second over the benchmark's run.
func ReportRate(b *testing.B, perOp int, unit string) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(perOp)*float64(b.N)/s, unit)
	}
}

// ReportLatency reports the p50 and p99 of measured durations in
// milliseconds, as "<prefix>p50-ms" and "<prefix>p99-ms". It sorts d.
func ReportLatency(b *testing.B, d []time.Duration, prefix string) {
	if len(d) == 0 {
		return
	}
	slices.Sort(d)
	at := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(at(0.50), prefix+"p50-ms")
	b.ReportMetric(at(0.99), prefix+"p99-ms")
}
