package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream/jsbench"
	"github.com/carecoop/carecoop/services/kit/geo"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/purchasing/app"
)

// National-scale supply: 5,000 providers with 15,000 settings spread over
// England's outcodes, every provider admitted to the DPS category of its
// settings, two thirds of settings with a vacancy, and past awards giving
// price history. Referrals come from random English outcodes.
const (
	benchProviders = 5000
	benchSettings  = 3 // per provider
	benchDps       = "dps-national"
)

var benchNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

var benchCategories = []struct {
	id string
	t  purchasingv1.SettingType
}{
	{"residential", purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME},
	{"fostering", purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY},
	{"supported-16-plus", purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION},
}

var benchSpecialisms = [][]string{
	{"emotional_behavioural", "mental_health"}, {"emotional_behavioural", "sexual_exploitation"}, {"autism", "learning_disability"},
	{"criminal_exploitation", "emotional_behavioural", "solo_placement"}, {"therapeutic", "self_harm", "emotional_behavioural"},
}

// commit is one fixture commit: events on one stream.
type commit struct {
	stream eventstore.StreamID
	events []proto.Message
}

// nationalSupply builds the fixture's commits, deterministic for a seed.
func nationalSupply() []commit {
	rng := rand.New(rand.NewPCG(5000, 15000))
	england := geo.InCountry("England")
	dps := eventstore.StreamID{Context: app.Context, Aggregate: app.DpsAggregate, ID: benchDps}
	terms := &purchasingv1.DpsTerms{Title: "National DPS", EndsOn: "2029-02-23", MinOfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, MemberCouncils: []string{"352"}}
	for _, c := range benchCategories {
		terms.Categories = append(terms.Categories, &purchasingv1.Category{Id: c.id, Name: c.id, SettingTypes: []purchasingv1.SettingType{c.t}})
	}
	out := []commit{{dps, []proto.Message{&purchasingv1.DpsCreated{DpsId: benchDps, Consortium: "england", Terms: terms}, &purchasingv1.DpsOpened{DpsId: benchDps}}}}
	urn := 100000
	for i := range benchProviders {
		id := fmt.Sprintf("provider-%05d", i)
		cat := benchCategories[[]int{0, 0, 0, 1, 2}[rng.IntN(5)]]
		evs := []proto.Message{
			&purchasingv1.ProviderRegistered{ProviderId: id, Profile: &purchasingv1.ProviderProfile{LegalName: "Provider " + id + " Ltd"}},
			&purchasingv1.AccreditationRecorded{ProviderId: id, Accreditation: &purchasingv1.Accreditation{Kind: 1, Reference: "PL", ExpiresOn: "2027-06-30"}},
		}
		for range benchSettings {
			urn++
			o := england[rng.IntN(len(england))]
			st := &purchasingv1.Setting{Urn: fmt.Sprintf("SC%06d", urn), Name: "Home", Type: cat.t, RegisteredPlaces: uint32(2 + rng.IntN(4)),
				Outcode: o.Code, Specialisms: benchSpecialisms[rng.IntN(len(benchSpecialisms))],
				OfstedGrade: []purchasingv1.OfstedGrade{1, 2, 2, 2, 3}[rng.IntN(5)], OfstedDate: "2025-09-01"}
			evs = append(evs, &purchasingv1.SettingAdded{ProviderId: id, Setting: st})
			if rng.IntN(3) > 0 {
				evs = append(evs, &purchasingv1.VacancyPublished{ProviderId: id, Urn: st.Urn, FreePlaces: 1 + uint32(rng.IntN(2)), AvailableFrom: "2026-11-01", SettingType: st.Type, Outcode: st.Outcode})
			}
		}
		out = append(out, commit{eventstore.StreamID{Context: app.Context, Aggregate: app.ProviderAggregate, ID: id}, evs})
		out = append(out, commit{dps, []proto.Message{
			&purchasingv1.ApplicationReceived{DpsId: benchDps, ProviderId: id, CategoryIds: []string{cat.id}, ReceivedOn: "2026-10-01", DecisionDueOn: "2026-10-15"},
			&purchasingv1.ProviderAdmitted{DpsId: benchDps, ProviderId: id, CategoryId: cat.id, Reason: "meets criteria"},
		}})
		if i%5 == 0 { // a past award: price history for ranking
			ref := fmt.Sprintf("ref-past%05d", i)
			out = append(out, commit{eventstore.StreamID{Context: app.Context, Aggregate: app.ReferralAggregate, ID: ref}, []proto.Message{
				&purchasingv1.ReferralCreated{ReferralId: ref, Council: "352", DpsId: benchDps, Need: &purchasingv1.Need{CategoryId: cat.id}},
				&purchasingv1.PlacementAwarded{PlacementId: "pl-" + ref, ReferralId: ref, ProviderId: id, CategoryId: cat.id, WeeklyPricePence: int64(300000 + rng.IntN(500000))},
			}})
		}
	}
	return out
}

// benchNeed is a residential referral from a random English outcode.
func benchNeed(rng *rand.Rand, england []geo.Outcode) *purchasingv1.Need {
	return &purchasingv1.Need{CategoryId: "residential", AgeYears: 14, Sex: purchasingv1.Sex_SEX_FEMALE, NeededBy: purchasingv1.NeededBy_NEEDED_BY_TODAY,
		HomeOutcode: england[rng.IntN(len(england))].Code, MaxDistanceMiles: 30, StartBy: "2026-11-30", WeeklyBudgetPence: 700000,
		ExpectedDurationWeeks: 26, Needs: []string{"emotional_behavioural"}, Risks: &purchasingv1.Risks{Missing: true}}
}

// BenchmarkMatchReferral is the matching CreateReferral runs: a need against
// every live setting of the providers admitted to its category, with the
// reasons for each match and the ranking.
func BenchmarkMatchReferral(b *testing.B) {
	model := app.NewReadModel(func() time.Time { return benchNow })
	pos := uint64(0)
	for _, c := range nationalSupply() {
		pos++
		recs := make([]eventstore.RecordedEvent, len(c.events))
		for i, e := range c.events {
			recs[i] = eventstore.RecordedEvent{StreamID: c.stream, Version: uint64(i + 1), Position: pos, OccurredAt: benchNow, Type: string(proto.MessageName(e)), Event: e}
		}
		if err := model.Apply(recs); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	england := geo.InCountry("England")
	needs := make([]*purchasingv1.Need, 1024)
	for i := range needs {
		needs[i] = benchNeed(rng, england)
	}
	lat := make([]time.Duration, 0, b.N)
	matched := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		ms, _ := model.Match(benchDps, needs[i%len(needs)], benchNow)
		lat = append(lat, time.Since(t0))
		matched += len(ms)
	}
	b.StopTimer()
	jsbench.ReportLatency(b, lat, "")
	b.ReportMetric(float64(matched)/float64(len(lat)), "matches/op")
}

// BenchmarkCreateReferral is the whole command over a real JetStream store:
// load the DPS, match against national supply, decide, append. Compare it
// with BenchmarkRawJetStreamRequest, a synchronous JetStream publish of the
// same size in the same run.
func BenchmarkCreateReferral(b *testing.B) {
	_, store := natstest.Store(b)
	ctx := context.Background()
	for _, c := range nationalSupply() {
		if _, err := store.Append(ctx, c.stream, eventstore.Any, eventstore.Metadata{OccurredAt: benchNow}, c.events...); err != nil {
			b.Fatal(err)
		}
	}
	svc := app.New(store, nil, app.WithClock(func() time.Time { return benchNow }))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := svc.Start(runCtx); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	england := geo.InCountry("England")
	council := auth.Principal{Subject: "commissioner@352", Organisation: "council:352", Roles: []string{auth.CouncilCommissioner}}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r := app.Request{Principal: council, Role: auth.CouncilCommissioner, RequestID: fmt.Sprintf("bench-referral-%09d", i)}
		need := benchNeed(rng, england)
		t0 := time.Now()
		if _, err := svc.CreateReferral(ctx, r, benchDps, need); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	jsbench.ReportLatency(b, lat, "")
}

// BenchmarkRawJetStreamRequest is the baseline for BenchmarkCreateReferral: a
// synchronous publish of a referral-sized message to JetStream, nothing else.
func BenchmarkRawJetStreamRequest(b *testing.B) {
	js, _ := natstest.Store(b)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	payload, err := proto.Marshal(&purchasingv1.ReferralCreated{ReferralId: "ref-raw", Council: "352", DpsId: benchDps, Need: benchNeed(rng, geo.InCountry("England"))})
	if err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		msg := &nats.Msg{Subject: fmt.Sprintf("carecoop.evt.bench.raw.r%d", i), Data: payload}
		t0 := time.Now()
		if _, err := js.PublishMsg(ctx, msg); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	jsbench.ReportLatency(b, lat, "")
}
