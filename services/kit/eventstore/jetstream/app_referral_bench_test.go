package jetstream_test

// What a referral's match list costs in replay (issue 16, item 5): the
// ReferralMatched event purchasing appends, 200 settings each with the
// reasons it matched, replayed through a bare ordered consumer and through
// Store.Subscribe, with the reasons and without them, in the same run.
// docs/benchmarks.md records the figures and what could be left out.

import (
	"context"
	"fmt"
	"testing"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream/jsbench"
)

// appReferralCommits is how many referral matches the fixture replays.
const appReferralCommits = 2_000

// appReferralMatched is a ReferralMatched as purchasing's matcher writes it:
// 200 settings (its MaxSent), ranked, each with the ten criteria's reasons
// in the matcher's words (services/purchasing/domain/match.go). withReasons
// false keeps everything else.
func appReferralMatched(i int, withReasons bool) *purchasingv1.ReferralMatched {
	m := &purchasingv1.ReferralMatched{ReferralId: fmt.Sprintf("ref-%016x", i), Considered: 3120}
	for p := range 200 {
		ms := &purchasingv1.MatchedSetting{
			Rank: uint32(p + 1), ProviderId: fmt.Sprintf("prov-%04d", (i*7+p)%5209), SettingUrn: fmt.Sprintf("SC%06d", (i*13+p)%15000),
			SettingName: fmt.Sprintf("Meadow View House %d", p), SettingType: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME,
			Outcode: "M14", DistanceMiles: 1.5 + float64(p)/10, OfstedGrade: purchasingv1.OfstedGrade(1 + p%3),
			MedianAwardedPricePence: 520000 + int64(p)*100, FreePlaces: uint32(1 + p%3),
		}
		if withReasons {
			ms.Reasons = []*purchasingv1.MatchReason{
				{Criterion: "admitted", Met: true, Detail: "admitted to the DPS in the residential category"},
				{Criterion: "early_warning", Met: true, Detail: "no early warning"},
				{Criterion: "accreditations", Met: true, Detail: "no accreditation required"},
				{Criterion: "setting_type", Met: true, Detail: "a children's home, as the need asks"},
				{Criterion: "suitability", Met: true, Detail: "takes girls aged 14"},
				{Criterion: "specialisms", Met: true, Detail: "offers autism, child sexual exploitation"},
				{Criterion: "pets", Met: true, Detail: "no pets to place"},
				{Criterion: "vacancy", Met: true, Detail: fmt.Sprintf("%d places free (1 needed)", 1+p%3)},
				{Criterion: "ofsted", Met: true, Detail: "Ofsted: Good"},
				{Criterion: "distance", Met: true, Detail: fmt.Sprintf("%.1f miles from M14 (limit 20)", 1.5+float64(p)/10)},
			}
		}
		m.Matches = append(m.Matches, ms)
	}
	return m
}

func BenchmarkAppReferralReplay(b *testing.B) {
	for _, variant := range []struct {
		name    string
		reasons bool
	}{{"reasons", true}, {"noreasons", false}} {
		r := jsbench.NewReplay(b, appReferralCommits, func(i int) proto.Message { return appReferralMatched(i, variant.reasons) })
		size := proto.Size(appReferralMatched(0, variant.reasons))
		b.Run(variant.name+"/raw", func(b *testing.B) {
			ctx := context.Background()
			cpu := cpuClock(b)
			for range b.N {
				cons, err := r.JS.OrderedConsumer(ctx, r.Store.StreamName(), natsjs.OrderedConsumerConfig{})
				if err != nil {
					b.Fatal(err)
				}
				var n int
				done := make(chan struct{})
				cc, err := cons.Consume(func(natsjs.Msg) {
					if n++; n == r.Events {
						close(done)
					}
				}, natsjs.PullMaxMessages(jetstream.DefaultSubscribeBatch))
				if err != nil {
					b.Fatal(err)
				}
				<-done
				cc.Stop()
			}
			jsbench.ReportRate(b, r.Events, "commits/s")
			reportCPU(b, cpu, r.Events)
			b.ReportMetric(float64(size), "event-bytes")
		})
		b.Run(variant.name+"/store", func(b *testing.B) {
			cpu := cpuClock(b)
			for range b.N {
				ctx, cancel := context.WithCancel(context.Background())
				var n int
				_ = r.Store.Subscribe(ctx, 0, nil, func(c []eventstore.RecordedEvent) error {
					if _, ok := c[0].Event.(*purchasingv1.ReferralMatched); !ok {
						b.Errorf("decoded %T", c[0].Event)
					}
					if n += len(c); n >= r.Events {
						cancel()
					}
					return nil
				})
				cancel()
				if n != r.Events {
					b.Fatalf("replayed %d, want %d", n, r.Events)
				}
			}
			jsbench.ReportRate(b, r.Events, "commits/s")
			reportCPU(b, cpu, r.Events)
			b.ReportMetric(float64(size), "event-bytes")
		})
	}
}
