package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream/jsbench"
	"github.com/carecoop/carecoop/services/kit/natstest"
	"github.com/carecoop/carecoop/services/monitoring/app"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// National scale: 5,000 providers with 3 settings each (15,000), each
// setting under a placement contract for ten years and with a monthly
// return for each of the 120 months to October 2026 (1.8 million returns),
// every provider assessed by one consortium under the default policy.
const (
	benchProviders  = 5000
	benchSettings   = 3
	benchMonths     = 120
	benchConsortium = "national"
)

var benchNow = time.Date(2026, time.December, 5, 10, 0, 0, 0, time.UTC)

func benchURN(p, s int) string { return fmt.Sprintf("SC%06d", p*benchSettings+s) }

func benchProvider(p int) string { return fmt.Sprintf("prov-%05d", p) }

// benchFigures varies a return from a seed: most homes healthy, some with
// high turnover, agency use or incidents, so assessments reach every level.
func benchFigures(rng *rand.Rand) *monitoringv1.ReturnFigures {
	f := &monitoringv1.ReturnFigures{RegisteredPlaces: 4, OccupiedPlaces: 3, StaffInPost: 12, StaffLeavers: uint32(rng.IntN(3)),
		AgencyShiftPercent: float64(rng.IntN(35)), MissingEpisodes: uint32(rng.IntN(4)), Restraints: uint32(rng.IntN(3)),
		EducationAttendancePercent: 80 + float64(rng.IntN(20)), Complaints: uint32(rng.IntN(2)), FeedbackResponses: 3, FeedbackScore: 3 + rng.Float64()*2}
	if rng.IntN(10) == 0 {
		f.Incidents = []*monitoringv1.IncidentCount{{Type: monitoringv1.IncidentType_INCIDENT_TYPE_POLICE_INVOLVEMENT, Count: uint32(1 + rng.IntN(4))}}
	}
	return f
}

type fixture struct {
	model *app.ReadModel
	pos   uint64
	risk  map[string]domain.RiskState
}

func (f *fixture) apply(b *testing.B, stream eventstore.StreamID, events ...proto.Message) {
	f.pos++
	recs := make([]eventstore.RecordedEvent, len(events))
	for i, e := range events {
		recs[i] = eventstore.RecordedEvent{StreamID: stream, Version: uint64(i + 1), Position: f.pos, OccurredAt: benchNow, Type: string(proto.MessageName(e)), Event: e}
	}
	if err := f.model.Apply(recs); err != nil {
		b.Fatal(err)
	}
}

// nationalMonitoring builds the read model and every provider's risk state
// as the reaction would have left them.
func nationalMonitoring(b *testing.B) *fixture {
	b.Helper()
	f := &fixture{model: app.NewReadModel(), risk: map[string]domain.RiskState{}}
	rng := rand.New(rand.NewPCG(15000, 120))
	first := domain.MonthOf(benchNow) - benchMonths - 1
	figures := make([]*monitoringv1.ReturnFigures, 256)
	for i := range figures {
		figures[i] = benchFigures(rng)
	}
	dps := eventstore.StreamID{Context: "purchasing", Aggregate: "dps", ID: "dps-national"}
	for p := range benchProviders {
		pid := benchProvider(p)
		f.apply(b, dps, &purchasingv1.ProviderAdmitted{DpsId: dps.ID, ProviderId: pid, CategoryId: "residential", Consortium: benchConsortium})
		for s := range benchSettings {
			urn := benchURN(p, s)
			f.apply(b, eventstore.StreamID{Context: "purchasing", Aggregate: "provider", ID: pid}, &purchasingv1.SettingAdded{ProviderId: pid,
				Setting: &purchasingv1.Setting{Urn: urn, RegisteredPlaces: 4, OfstedGrade: purchasingv1.OfstedGrade(1 + rng.IntN(3)), OfstedDate: "2024-06-01"}})
			f.apply(b, eventstore.StreamID{Context: app.Context, Aggregate: app.ContractAggregate, ID: "pl-" + urn}, &monitoringv1.ContractStarted{
				ContractId: "pl-" + urn, Kind: monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT, Consortium: benchConsortium, Council: fmt.Sprint(300 + rng.IntN(150)),
				ProviderId: pid, SettingUrn: urn, StartDate: first.First().Format(time.DateOnly)})
			sid := eventstore.StreamID{Context: app.Context, Aggregate: app.SettingAggregate, ID: urn}
			for m := first; m < first+benchMonths; m++ {
				f.apply(b, sid, &monitoringv1.MonitoringReturnSubmitted{Urn: urn, ProviderId: pid, Period: m.String(), Figures: figures[rng.IntN(len(figures))],
					DueOn: domain.DueOn(m, 10).Format(time.DateOnly), Revision: 1, SubmittedAt: timestamppb.New(m.Last())})
			}
		}
		f.assess(b, pid)
	}
	return f
}

// assess is the recompute: the provider and its settings under the
// consortium's policy, decided against the levels last recorded.
func (f *fixture) assess(b *testing.B, pid string) []proto.Message {
	cmd := f.model.Assess(benchConsortium, pid, benchNow)
	st := f.risk[pid]
	events, err := domain.DecideRisk(st, cmd)
	if err != nil {
		b.Fatal(err)
	}
	f.risk[pid] = domain.FoldRisk(st, events)
	return events
}

// BenchmarkRiskRecompute is what one new monthly return costs the early
// warning: the return applied to the read model, then its provider and
// each of its settings assessed on every indicator of the policy over
// their windows, and the change of level (if any) decided.
func BenchmarkRiskRecompute(b *testing.B) {
	f := nationalMonitoring(b)
	rng := rand.New(rand.NewPCG(7, 8))
	period := (domain.MonthOf(benchNow) - 1).String()
	lat := make([]time.Duration, 0, b.N)
	changed := 0
	b.ResetTimer()
	for b.Loop() {
		p, s := rng.IntN(benchProviders), rng.IntN(benchSettings)
		pid, urn := benchProvider(p), benchURN(p, s)
		ret := &monitoringv1.MonitoringReturnSubmitted{Urn: urn, ProviderId: pid, Period: period, Figures: benchFigures(rng), DueOn: "2026-12-14", Revision: 1,
			SubmittedAt: timestamppb.New(benchNow)}
		t0 := time.Now()
		f.apply(b, eventstore.StreamID{Context: app.Context, Aggregate: app.SettingAggregate, ID: urn}, ret)
		changed += len(f.assess(b, pid))
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	jsbench.ReportLatency(b, lat, "")
	b.ReportMetric(float64(changed)/float64(len(lat)), "changes/op")
}

// BenchmarkRiskRecomputeStored adds what the reaction does with the store:
// load the provider's risk stream, decide, and append a change of level
// when there is one (one JetStream round trip); compare with
// BenchmarkRawJetStreamPublish in the same run.
func BenchmarkRiskRecomputeStored(b *testing.B) {
	f := nationalMonitoring(b)
	_, store := natstest.Store(b)
	ctx := context.Background()
	risks := aggregate.New(store, aggregate.Evolver[domain.RiskState]{Initial: func() domain.RiskState { return domain.RiskState{} }, Evolve: domain.EvolveRisk, Fold: domain.FoldRisk})
	rng := rand.New(rand.NewPCG(9, 10))
	period := (domain.MonthOf(benchNow) - 1).String()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p, s := rng.IntN(benchProviders), rng.IntN(benchSettings)
		pid, urn := benchProvider(p), benchURN(p, s)
		ret := &monitoringv1.MonitoringReturnSubmitted{Urn: urn, ProviderId: pid, Period: period, Figures: benchFigures(rng), DueOn: "2026-12-14", Revision: 1,
			SubmittedAt: timestamppb.New(benchNow)}
		t0 := time.Now()
		f.apply(b, eventstore.StreamID{Context: app.Context, Aggregate: app.SettingAggregate, ID: urn}, ret)
		cmd := f.model.Assess(benchConsortium, pid, benchNow)
		_, err := risks.Handle(ctx, aggregate.Command[domain.RiskState]{
			Stream: eventstore.StreamID{Context: app.Context, Aggregate: app.RiskAggregate, ID: domain.RiskID(benchConsortium, pid)},
			Meta:   eventstore.Metadata{OccurredAt: benchNow, RequestID: fmt.Sprintf("bench-%d", i)},
			Decide: func(st domain.RiskState) ([]proto.Message, error) { return domain.DecideRisk(st, cmd) },
		})
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	jsbench.ReportLatency(b, lat, "")
}

// BenchmarkRawJetStreamPublish is the baseline: a synchronous JetStream
// publish of a risk-change-sized message, nothing else.
func BenchmarkRawJetStreamPublish(b *testing.B) {
	js, _ := natstest.Store(b)
	ctx := context.Background()
	payload, err := proto.Marshal(&monitoringv1.RiskLevelChanged{Consortium: benchConsortium, ProviderId: "prov-00001", SettingUrn: "SC000003",
		Scope: monitoringv1.RiskScope_RISK_SCOPE_SETTING, From: domain.Green, To: domain.Amber, NotifiedCouncils: []string{"352", "353"},
		Reasons: []*monitoringv1.RiskReason{{Indicator: monitoringv1.Indicator_INDICATOR_AGENCY_STAFF, Level: domain.Amber, Value: 24, Threshold: 20,
			Detail: "24% of shifts covered by agency staff in the 3 months to 2026-11", SettingUrn: "SC000003"}}})
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
