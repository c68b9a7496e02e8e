package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream/jsbench"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/notify/app"
	"github.com/carecoop/carecoop/services/notify/channel"
	"github.com/carecoop/carecoop/services/notify/channel/outbox"
)

// benchMatched is how many providers a referral is sent to (purchasing's MaxSent).
const benchMatched = 200

func benchReferral(i int) []proto.Message {
	id := fmt.Sprintf("ref-%06d", i)
	m := &purchasingv1.ReferralMatched{ReferralId: id, Considered: 3000}
	for p := range benchMatched {
		m.Matches = append(m.Matches, &purchasingv1.MatchedSetting{Rank: uint32(p + 1), ProviderId: fmt.Sprintf("prov-%03d", p), SettingUrn: fmt.Sprintf("SC%06d", p),
			SettingName: "A home", SettingType: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, Outcode: "M14", DistanceMiles: 3.5, FreePlaces: 1})
	}
	return []proto.Message{&purchasingv1.ReferralCreated{ReferralId: id, Council: "352", DpsId: "dps-1", Consortium: "north-west",
		Need: &purchasingv1.Need{CategoryId: "residential", AgeYears: 14, HomeOutcode: "M14", StartBy: "2026-12-10", WeeklyBudgetPence: 550000}}, m}
}

// BenchmarkReferralToChannel: a ReferralCreated (with its match to 200
// providers, one commit as purchasing appends it) committed, until the
// 200th provider's notification is handed to the channel — the reaction
// consuming it through the bus, deciding the 200 notifications and
// recording them (one commit), rendering and handing each over, and
// recording the deliveries (one commit). Compare
// BenchmarkRawJetStreamPublishConsume in the same run.
func BenchmarkReferralToChannel(b *testing.B) {
	_, store := natstest.Store(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	handed := map[string]int{}
	done := map[string]chan time.Time{}
	ch := outbox.Channel{Handed: func(m channel.Message) {
		mu.Lock()
		defer mu.Unlock()
		ref := m.Personalisation["reference"]
		if handed[ref]++; handed[ref] == benchMatched {
			done[ref] <- time.Now()
		}
	}}
	for p := range benchMatched {
		id := fmt.Sprintf("prov-%03d", p)
		if _, err := store.Append(ctx, eventstore.StreamID{Context: "purchasing", Aggregate: "provider", ID: id}, eventstore.NoStream, eventstore.Metadata{OccurredAt: time.Now()},
			&purchasingv1.ProviderRegistered{ProviderId: id, Profile: &purchasingv1.ProviderProfile{LegalName: "Provider " + id,
				Contacts: []*purchasingv1.Contact{{Name: "Referrals", Role: "referrals", Email: "referrals@" + id + ".example"}}}}); err != nil {
			b.Fatal(err)
		}
	}
	svc := app.New(store, nil, app.WithChannel(ch), app.WithSweepEvery(0), app.WithDigests(false))
	if err := svc.Start(ctx); err != nil {
		b.Fatal(err)
	}
	// Warm up: the durable consumer is created and the first commit handled.
	run := func(i int) time.Duration {
		ref := fmt.Sprintf("ref-%06d", i)
		c := make(chan time.Time, 1)
		mu.Lock()
		done[ref] = c
		mu.Unlock()
		if _, err := store.Append(ctx, eventstore.StreamID{Context: "purchasing", Aggregate: "referral", ID: ref}, eventstore.NoStream,
			eventstore.Metadata{OccurredAt: time.Now()}, benchReferral(i)...); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		select {
		case t := <-c:
			return t.Sub(t0)
		case <-time.After(30 * time.Second):
			b.Fatalf("%s: %d of %d handed after 30s", ref, handed[ref], benchMatched)
		}
		return 0
	}
	run(0)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 1; b.Loop(); i++ {
		lat = append(lat, run(i))
	}
	b.StopTimer()
	jsbench.ReportLatency(b, lat, "")
	jsbench.ReportRate(b, benchMatched, "notifications/s")
}

// BenchmarkRawJetStreamPublishConsume is the baseline: the same referral
// commit's bytes published to JetStream, until a durable pull consumer
// (one message in flight, as the bus) receives and acknowledges it.
func BenchmarkRawJetStreamPublishConsume(b *testing.B) {
	js, store := natstest.Store(b)
	ctx := context.Background()
	payload, err := proto.Marshal(benchReferral(0)[1])
	if err != nil {
		b.Fatal(err)
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, store.StreamName(), natsjs.ConsumerConfig{Durable: "raw", FilterSubject: "carecoop.evt.bench.>",
		AckPolicy: natsjs.AckExplicitPolicy, MaxAckPending: 1})
	if err != nil {
		b.Fatal(err)
	}
	got := make(chan time.Time, 1)
	cc, err := cons.Consume(func(m natsjs.Msg) {
		_ = m.DoubleAck(ctx)
		got <- time.Now()
	})
	if err != nil {
		b.Fatal(err)
	}
	defer cc.Stop()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := js.PublishMsg(ctx, &nats.Msg{Subject: fmt.Sprintf("carecoop.evt.bench.raw.r%d", i), Data: payload}); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		lat = append(lat, (<-got).Sub(t0))
	}
	b.StopTimer()
	jsbench.ReportLatency(b, lat, "")
}
