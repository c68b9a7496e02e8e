package app

import (
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// A long history for what the read model retains: heldProviders providers
// with three homes each, a monthly return from every home for heldYears
// years, and each home's children placed one after another (six to
// thirteen months each, a start outcome and a review every quarter), all
// but the last placement ended. Events are kept wire-encoded and decoded
// as they are applied, as the store hands them over, so the model retains
// what it would retain of a decoded event.
const (
	heldProviders = 300
	heldSettings  = 3
	heldYears     = 10
)

type heldEvent struct {
	stream eventstore.StreamID
	typ    string
	wire   []byte
	new    func() proto.Message
}

func heldHistory() []heldEvent {
	var out []heldEvent
	add := func(stream eventstore.StreamID, m proto.Message) {
		out = append(out, heldEvent{stream: stream, typ: string(proto.MessageName(m)), wire: encode(m),
			new: func() proto.Message { return m.ProtoReflect().New().Interface() }})
	}
	first, _ := domain.ParseMonth("2016-11")
	months := domain.Month(12 * heldYears)
	for p := range heldProviders {
		pid := fmt.Sprintf("prov-%05d", p)
		for s := range heldSettings {
			urn := fmt.Sprintf("SC%06d", p*heldSettings+s)
			setting := eventstore.StreamID{Context: Context, Aggregate: SettingAggregate, ID: urn}
			// Placements: one after another from the first month.
			var contracts []heldEvent
			for start, n := first, 0; start < first+months; n++ {
				id := fmt.Sprintf("pl-%s-%03d", urn, n)
				cs := eventstore.StreamID{Context: Context, Aggregate: ContractAggregate, ID: id}
				length := domain.Month(6 + (p+s+n)%8)
				council := fmt.Sprint(300 + (p*7+n)%150)
				startOn := start.First().Format(domain.DateLayout)
				before := len(out)
				add(cs, &monitoringv1.ContractStarted{ContractId: id, Kind: monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT, Consortium: "national",
					Council: council, ProviderId: pid, SettingUrn: urn, StartDate: startOn, ExpectedEndDate: (start + 12).First().Format(domain.DateLayout),
					WeeklyPricePence: 480000 + int64(n%10)*10000, PlacementId: id, ReferralId: "ref-" + id, CategoryId: "residential", Source: "award"})
				for q := domain.Month(0); q < length && start+q < first+months; q += 3 {
					point := monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW
					if q == 0 {
						point = monitoringv1.OutcomePoint_OUTCOME_POINT_START
					}
					v := uint32(1 + (int(q)+n)%5)
					add(cs, &monitoringv1.OutcomeRecorded{ContractId: id, Point: point, RecordedOn: (start + q).First().AddDate(0, 0, 9).Format(domain.DateLayout),
						Scores: &monitoringv1.OutcomeScores{Stability: v, Education: 6 - v, Health: 3, Wellbeing: v, ChildsView: 4}, Council: council, ProviderId: pid, SettingUrn: urn})
				}
				if start+length < first+months {
					add(cs, &monitoringv1.ContractEnded{ContractId: id, EndDate: (start + length).First().Format(domain.DateLayout), ReasonCode: "E4A",
						Reason: "Returned home with support", Kind: monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT, Council: council, ProviderId: pid, SettingUrn: urn})
				}
				contracts = append(contracts, out[before:]...)
				out = out[:before]
				start += length
			}
			// The contracts' events first, then the returns: order does not
			// change what is retained.
			out = append(out, contracts...)
			for mo := first; mo < first+months; mo++ {
				due := domain.DueOn(mo, domain.DefaultDueWorkingDays)
				sub := mo.Last().AddDate(0, 0, 3+(p+s+int(mo))%12).Add(9*time.Hour + time.Duration(p*s+int(mo))*time.Millisecond)
				add(setting, &monitoringv1.MonitoringReturnSubmitted{Urn: urn, ProviderId: pid, Period: mo.String(), DueOn: due.Format(domain.DateLayout),
					Late: sub.After(due), SubmittedAt: timestamppb.New(sub), Revision: 1, Figures: &monitoringv1.ReturnFigures{RegisteredPlaces: 4,
						OccupiedPlaces: 3, StaffInPost: 12, StaffLeavers: uint32(int(mo) % 3), AgencyShiftPercent: 5, FeedbackResponses: 3, FeedbackScore: 4.2}})
			}
		}
	}
	return out
}

// recorded decodes the history's events as the store hands them over,
// with their streams' versions and positions.
func recorded(history []heldEvent, each func(eventstore.RecordedEvent)) {
	versions := map[eventstore.StreamID]uint64{}
	for i, h := range history {
		m := h.new()
		if err := proto.Unmarshal(h.wire, m); err != nil {
			panic(err)
		}
		versions[h.stream]++
		each(eventstore.RecordedEvent{StreamID: h.stream, Version: versions[h.stream], Position: uint64(i + 1), Type: h.typ, Event: m})
	}
}

// retained is the heap that what build returns keeps live.
func retained(build func() any) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	v := build()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(v)
	return after.HeapAlloc - before.HeapAlloc
}

// BenchmarkHeldHistoryModel is the whole read model's retained heap after
// the long history, per setting-year.
func BenchmarkHeldHistoryModel(b *testing.B) {
	history := heldHistory()
	settingYears := float64(heldProviders * heldSettings * heldYears)
	var bytes uint64
	for b.Loop() {
		bytes = retained(func() any {
			m := NewReadModel()
			recorded(history, func(e eventstore.RecordedEvent) { _ = m.Apply([]eventstore.RecordedEvent{e}) })
			return m
		})
	}
	b.ReportMetric(float64(bytes)/settingYears, "B/setting-year")
	b.ReportMetric(float64(bytes)/(1<<20), "MiB")
}

// legacyPutReturn is putReturn as it was before issue 16: an entry for
// every month, raw dropped before the held window.
func legacyPutReturn(returns []returnRM, r returnRM) []returnRM {
	i, found := slices.BinarySearchFunc(returns, r.month, byMonth)
	if found {
		returns[i] = r
	} else {
		returns = slices.Insert(returns, i, r)
	}
	cut := returns[len(returns)-1].month - returnsHeld
	if r.month < cut {
		returns[i].raw = nil
	}
	j, _ := slices.BinarySearchFunc(returns, cut, byMonth)
	for k := j - 1; k >= 0 && returns[k].raw != nil; k-- {
		returns[k].raw = nil
	}
	return returns
}

// legacyContract is contractRM as it was before issue 16.
type legacyContract struct {
	c        *monitoringv1.ContractStarted
	ended    *monitoringv1.ContractEnded
	outcomes [][]byte
	version  uint64
}

// BenchmarkHeldHistoryParts compares, in one run, what the two structures
// issue 16 changed retain over the long history, as they were and as they
// are: the returns' index (per setting-year) and the contracts (per
// contract).
func BenchmarkHeldHistoryParts(b *testing.B) {
	history := heldHistory()
	settingYears := float64(heldProviders * heldSettings * heldYears)
	returns := func(put func(map[string]any, returnRM, string)) func() any {
		return func() any {
			held := map[string]any{}
			recorded(history, func(e eventstore.RecordedEvent) {
				if r, ok := e.Event.(*monitoringv1.MonitoringReturnSubmitted); ok {
					mo, _ := domain.ParseMonth(r.GetPeriod())
					put(held, returnRM{month: mo, raw: encode(r), submitted: r.GetSubmittedAt().AsTime().UnixNano()}, r.GetUrn())
				}
			})
			return held
		}
	}
	contracts := func(apply func(map[string]any, eventstore.RecordedEvent)) func() any {
		return func() any {
			held := map[string]any{}
			recorded(history, func(e eventstore.RecordedEvent) { apply(held, e) })
			return held
		}
	}
	n := 0
	recorded(history, func(e eventstore.RecordedEvent) {
		if _, ok := e.Event.(*monitoringv1.ContractStarted); ok {
			n++
		}
	})
	for _, c := range []struct {
		name  string
		build func() any
		per   float64
		unit  string
	}{
		{"returns/entry-per-month", returns(func(held map[string]any, r returnRM, urn string) {
			rs, _ := held[urn].([]returnRM)
			held[urn] = legacyPutReturn(rs, r)
		}), settingYears, "B/setting-year"},
		{"returns/packed", returns(func(held map[string]any, r returnRM, urn string) {
			s, _ := held[urn].(*settingRM)
			if s == nil {
				s = &settingRM{}
				held[urn] = s
			}
			s.putReturn(r)
		}), settingYears, "B/setting-year"},
		{"contracts/decoded-events", contracts(func(held map[string]any, re eventstore.RecordedEvent) {
			switch e := re.Event.(type) {
			case *monitoringv1.ContractStarted:
				held[e.GetContractId()] = &legacyContract{c: e, version: re.Version}
			case *monitoringv1.ContractEnded:
				c := held[e.GetContractId()].(*legacyContract)
				c.ended, c.version = e, re.Version
			case *monitoringv1.OutcomeRecorded:
				c := held[e.GetContractId()].(*legacyContract)
				c.outcomes, c.version = append(c.outcomes, encode(e)), re.Version
			}
		}), float64(n), "B/contract"},
		{"contracts/plain", contracts(func(held map[string]any, re eventstore.RecordedEvent) {
			switch e := re.Event.(type) {
			case *monitoringv1.ContractStarted:
				held[e.GetContractId()] = newContract(e, re.Version)
			case *monitoringv1.ContractEnded:
				c := held[e.GetContractId()].(*contractRM)
				c.ended, c.end, c.endCode, c.version = true, textOf(e.GetEndDate()), textOf(e.GetReasonCode()), re.Version
			case *monitoringv1.OutcomeRecorded:
				c := held[e.GetContractId()].(*contractRM)
				c.outcomes, c.version = append(c.outcomes, outcomeOf(e)), re.Version
			}
		}), float64(n), "B/contract"},
	} {
		b.Run(c.name, func(b *testing.B) {
			var bytes uint64
			for b.Loop() {
				bytes = retained(c.build)
			}
			b.ReportMetric(float64(bytes)/c.per, c.unit)
			b.ReportMetric(float64(bytes)/(1<<20), "MiB")
		})
	}
}
