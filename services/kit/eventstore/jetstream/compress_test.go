package jetstream_test

import (
	"context"
	"testing"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// compressTestReferrals fills more than one 8 MB message block with
// ReferralMatched commits of ~100 KB, so that at least one block is full
// and compressed.
const compressTestReferrals = 120

// appendReferrals appends referrals [from, to) one by one through the store.
func appendReferrals(t *testing.T, s *compressServer, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if _, err := s.store.Append(t.Context(), referralSID(i), eventstore.NoStream, eventstore.Metadata{}, appReferralMatched(i, true)); err != nil {
			t.Fatalf("append referral %d: %v", i, err)
		}
	}
}

// readReferrals checks that every referral [0, n) reads back whole, by
// aggregate (direct gets) and in a replay from the start.
func readReferrals(t *testing.T, s *compressServer, n int) {
	t.Helper()
	for i := range n {
		evs, err := s.store.ReadStream(t.Context(), referralSID(i))
		if err != nil || len(evs) != 1 || !proto.Equal(evs[0].Event, appReferralMatched(i, true)) {
			t.Fatalf("ReadStream referral %d: %d events, %v; want its match as appended", i, len(evs), err)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var got int
	_ = s.store.Subscribe(ctx, 0, nil, func(c []eventstore.RecordedEvent) error {
		if !proto.Equal(c[0].Event, appReferralMatched(got, true)) {
			t.Errorf("replayed commit %d is not the match appended", got)
		}
		if got++; got == n {
			cancel()
		}
		return nil
	})
	if got != n {
		t.Fatalf("replayed %d commits, want %d", got, n)
	}
}

// The event stream is not compressed by default (docs/benchmarks.md,
// "Compressing the event stream"), but an operator may create it with S2
// compression: the store opens it, its full blocks take a fraction of the
// bytes it holds, and every event reads back as appended after a restart.
func TestCompressedStreamReadsBack(t *testing.T) {
	s := newCompressServer(t, natsjs.S2Compression)
	appendReferrals(t, s, 0, compressTestReferrals)
	onDisk := s.settle(t)
	info, err := s.js.Stream(t.Context(), "CARECOOP_EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	if held := info.CachedInfo().State.Bytes; uint64(onDisk) > held/2 {
		t.Errorf("the stream takes %d bytes on disk for %d held: not compressed", onDisk, held)
	}
	s.restart(t)
	readReferrals(t, s, compressTestReferrals)
}

// An existing uncompressed stream keeps working as it is (the store never
// changes a stream). When an operator turns compression on (nats stream
// edit --compression s2), the server compresses only the blocks filled
// after its next restart (it takes the setting when it opens the stream),
// never the older ones, and both read back.
func TestUncompressedStreamFromBeforeKeepsWorking(t *testing.T) {
	s := newCompressServer(t, natsjs.NoCompression)
	appendReferrals(t, s, 0, compressTestReferrals)
	s.restart(t)
	info, err := s.js.Stream(t.Context(), "CARECOOP_EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	if c := info.CachedInfo().Config.Compression; c != natsjs.NoCompression {
		t.Fatalf("the stream's compression became %v", c)
	}
	appendReferrals(t, s, compressTestReferrals, compressTestReferrals+10)
	readReferrals(t, s, compressTestReferrals+10)
	oldFull, compressed, _ := s.diskState(t)
	if compressed != 0 {
		t.Fatalf("%d blocks compressed on a stream without compression", compressed)
	}

	// The operator's change (nats stream edit --compression s2).
	cfg := info.CachedInfo().Config
	cfg.Compression = natsjs.S2Compression
	if _, err := s.js.UpdateStream(t.Context(), cfg); err != nil {
		t.Fatalf("turning compression on: %v", err)
	}
	s.alg = natsjs.S2Compression
	s.restart(t)
	n := compressTestReferrals + 10
	appendReferrals(t, s, n, n+compressTestReferrals)
	n += compressTestReferrals
	s.waitBlocks(t, func(full, compressed int) bool { return full > oldFull && compressed == full-oldFull })
	readReferrals(t, s, n)
}
