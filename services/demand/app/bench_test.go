package app_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/demand/app"
	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream/jsbench"
	"github.com/carecoop/carecoop/services/kit/geo"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

// National scale: every English council (153 DfE LA codes) in one
// consortium, ten years of quarterly needs returns, and national live
// signals from purchasing.
const (
	benchConsortium = "national"
	benchDps        = "dps-national"
	benchCouncils   = 153
	benchQuarters   = 40 // 2016-06-30 … 2026-03-31
	benchSettings   = 15000
	benchProviders  = 5000
	benchOpen       = 5000  // open referrals
	benchAwards     = 20000 // awarded referrals
)

var benchNow = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

var benchDims = []string{"placement_group", "age_band", "need", "legal_status", "area", "distance_band"}

// benchCouncilCodes are 201 … 353.
func benchCouncilCodes() []string {
	out := make([]string, benchCouncils)
	for i := range out {
		out[i] = strconv.Itoa(201 + i)
	}
	return out
}

// benchDates are the quarter ends 2016-06-30 … 2026-03-31.
var benchDates = sync.OnceValue(func() []string {
	ends := []string{"03-31", "06-30", "09-30", "12-31"}
	var out []string
	for q := 1; len(out) < benchQuarters; q++ { // q = 1: 2016 Q2
		year, quarter := 2016+(q)/4, q%4
		out = append(out, fmt.Sprintf("%d-%s", year, ends[quarter]))
	}
	return out
})

// weighted picks a value by weight.
type weighted struct {
	values  []string
	weights []float64
	sum     float64
}

func w(pairs ...any) weighted {
	var out weighted
	for i := 0; i < len(pairs); i += 2 {
		out.values = append(out.values, pairs[i].(string))
		f := float64(pairs[i+1].(int))
		out.weights = append(out.weights, f)
		out.sum += f
	}
	return out
}

func (x weighted) pick(rng *rand.Rand) string {
	r := rng.Float64() * x.sum
	for i, f := range x.weights {
		if r < f {
			return x.values[i]
		}
		r -= f
	}
	return x.values[len(x.values)-1]
}

// The national mix of children looked after (weights per 1,000), with the
// correlations that shape the cells: age by placement, legal status by
// placement, distance by whether the placement is inside the council's area.
var (
	benchGroups = w("fostering", 700, "residential", 110, "supported-16-plus", 70, "with-parents", 50,
		"adoption", 30, "temporary", 15, "send-school", 10, "other", 10, "secure", 5)
	benchAges = map[string]weighted{
		"fostering":         w("under 1", 50, "1-4", 150, "5-9", 200, "10-15", 400, "16+", 200),
		"residential":       w("5-9", 50, "10-15", 600, "16+", 350),
		"supported-16-plus": w("16+", 1),
		"with-parents":      w("under 1", 200, "1-4", 400, "5-9", 300, "10-15", 100),
		"adoption":          w("under 1", 300, "1-4", 600, "5-9", 100),
		"secure":            w("10-15", 500, "16+", 500),
		"send-school":       w("5-9", 200, "10-15", 600, "16+", 200),
		"":                  w("under 1", 50, "1-4", 130, "5-9", 180, "10-15", 390, "16+", 250),
	}
	benchNeeds = w("N1", 660, "N2", 30, "N3", 30, "N4", 70, "N5", 130, "N6", 20, "N7", 2, "N8", 60)
	benchLegal = map[string]weighted{
		"adoption":          w("E1", 900, "C2", 100),
		"supported-16-plus": w("C2", 550, "V2", 430, "J2", 20),
		"secure":            w("C2", 500, "J2", 400, "C1", 100),
		"":                  w("C2", 760, "C1", 60, "V2", 150, "E1", 20, "J2", 5, "L1", 5),
	}
	benchArea = map[string]weighted{
		"residential": w("inside", 300, "outside", 680, "unknown", 20),
		"secure":      w("inside", 100, "outside", 900),
		"":            w("inside", 600, "outside", 380, "unknown", 20),
	}
	benchDistance = map[string]weighted{
		"inside":  w("0-5", 600, "5-10", 300, "10-20", 90, "unknown", 10),
		"outside": w("5-10", 100, "10-20", 300, "20-50", 330, "50+", 250, "unknown", 20),
		"unknown": w("unknown", 1),
	}
)

func by(m map[string]weighted, k string) weighted {
	if x, ok := m[k]; ok {
		return x
	}
	return m[""]
}

// benchReturn is a council's needs return as at one quarter: its children's
// attributes drawn from the national mix, counted per combination.
func benchReturn(la string, q int, base int) *demandv1.NeedsReturnSubmitted {
	n, _ := strconv.Atoi(la)
	rng := rand.New(rand.NewPCG(uint64(n), uint64(q)))
	// Ten years of growth (≈ +20%) with some noise.
	children := int(float64(base) * (0.9 + 0.2*float64(q)/benchQuarters) * (0.95 + 0.1*rng.Float64()))
	type key [6]string
	counts := map[key]uint32{}
	var order []key
	for range children {
		g := benchGroups.pick(rng)
		area := by(benchArea, g).pick(rng)
		k := key{g, by(benchAges, g).pick(rng), benchNeeds.pick(rng), by(benchLegal, g).pick(rng), area, benchDistance[area].pick(rng)}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	ev := &demandv1.NeedsReturnSubmitted{ReturnId: domain.ReturnID(la, benchDates()[q]), Council: la, AsAt: benchDates()[q], Children: uint32(children), Submission: 1, Source: "ssda903-import"}
	for _, k := range order {
		ev.Cells = append(ev.Cells, &demandv1.NeedsCell{PlacementGroup: k[0], AgeBand: k[1], Need: k[2], LegalStatus: k[3], Area: k[4], DistanceBand: k[5], Count: counts[k]})
	}
	return ev
}

// benchCommit is one fixture commit: events on one stream.
type benchCommit struct {
	stream eventstore.StreamID
	events []proto.Message
}

var benchCategories = []struct {
	id string
	t  purchasingv1.SettingType
}{
	{"residential", purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME},
	{"fostering", purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY},
	{"supported-16-plus", purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION},
}

// benchSupply is purchasing's national supply and live demand, in phases
// whose commits may be appended concurrently (phase order matters: a setting
// before the award that fills it).
func benchSupply(councils []string) [][]benchCommit {
	rng := rand.New(rand.NewPCG(153, 40))
	england := geo.InCountry("England")
	stream := func(agg, id string) eventstore.StreamID {
		return eventstore.StreamID{Context: "purchasing", Aggregate: agg, ID: id}
	}
	dps := stream("dps", benchDps)
	terms := &purchasingv1.DpsTerms{Title: "National DPS", EndsOn: "2029-02-23", MinOfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, MemberCouncils: councils}
	for _, c := range benchCategories {
		terms.Categories = append(terms.Categories, &purchasingv1.Category{Id: c.id, Name: c.id, SettingTypes: []purchasingv1.SettingType{c.t}})
	}
	phase0 := []benchCommit{{dps, []proto.Message{&purchasingv1.DpsCreated{DpsId: benchDps, Consortium: benchConsortium, Terms: terms}, &purchasingv1.DpsOpened{DpsId: benchDps}}}}

	// Providers, each with settings of its category's type, two thirds with
	// a vacancy; admissions batched on the DPS stream.
	type setting struct{ provider, urn, outcode, category string }
	var settings []setting
	var phase1 []benchCommit
	var admitted []proto.Message
	for i := range benchProviders {
		id := fmt.Sprintf("provider-%05d", i)
		cat := benchCategories[[]int{0, 0, 0, 1, 2}[rng.IntN(5)]]
		evs := []proto.Message{&purchasingv1.ProviderRegistered{ProviderId: id, Profile: &purchasingv1.ProviderProfile{LegalName: "Provider " + id + " Ltd"}}}
		for range benchSettings / benchProviders {
			o := england[rng.IntN(len(england))]
			st := &purchasingv1.Setting{Urn: fmt.Sprintf("SC%06d", 100000+len(settings)), Name: "Home", Type: cat.t, RegisteredPlaces: uint32(2 + rng.IntN(4)),
				Outcode: o.Code, OfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, OfstedDate: "2025-09-01"}
			settings = append(settings, setting{id, st.Urn, o.Code, cat.id})
			evs = append(evs, &purchasingv1.SettingAdded{ProviderId: id, Setting: st})
			if rng.IntN(3) > 0 {
				evs = append(evs, &purchasingv1.VacancyPublished{ProviderId: id, Urn: st.Urn, FreePlaces: 1 + uint32(rng.IntN(2)), AvailableFrom: "2026-11-01", SettingType: st.Type, Outcode: st.Outcode})
			}
		}
		phase1 = append(phase1, benchCommit{stream("provider", id), evs})
		admitted = append(admitted,
			&purchasingv1.ApplicationReceived{DpsId: benchDps, ProviderId: id, CategoryIds: []string{cat.id}, ReceivedOn: "2026-10-01", DecisionDueOn: "2026-10-15"},
			&purchasingv1.ProviderAdmitted{DpsId: benchDps, ProviderId: id, CategoryId: cat.id, Reason: "meets criteria"})
	}
	for chunk := range slices.Chunk(admitted, 500) {
		phase0 = append(phase0, benchCommit{dps, chunk})
	}

	// Referrals: open ones, and awarded ones with the price and the setting.
	need := func() *purchasingv1.Need {
		return &purchasingv1.Need{CategoryId: benchCategories[[]int{0, 0, 1, 1, 1, 2}[rng.IntN(6)]].id, AgeYears: uint32(rng.IntN(18)),
			HomeOutcode: england[rng.IntN(len(england))].Code, MaxDistanceMiles: 30, WeeklyBudgetPence: 700000, ExpectedDurationWeeks: 26}
	}
	var phase2 []benchCommit
	for i := range benchOpen + benchAwards {
		ref := fmt.Sprintf("ref-%06d", i)
		la := councils[rng.IntN(len(councils))]
		n := need()
		evs := []proto.Message{&purchasingv1.ReferralCreated{ReferralId: ref, Council: la, DpsId: benchDps, Consortium: benchConsortium, Need: n}}
		if i >= benchOpen {
			st := settings[rng.IntN(len(settings))]
			evs = append(evs, &purchasingv1.PlacementAwarded{PlacementId: "pl-" + ref, ReferralId: ref, Council: la, Consortium: benchConsortium, DpsId: benchDps,
				CategoryId: st.category, ProviderId: st.provider, SettingUrn: st.urn, WeeklyPricePence: int64(250000 + rng.IntN(700000)),
				HomeOutcode: n.HomeOutcode, SettingOutcode: st.outcode, DistanceMiles: float64(rng.IntN(120)), AgeYears: n.AgeYears})
		}
		phase2 = append(phase2, benchCommit{stream("referral", ref), evs})
	}
	return [][]benchCommit{phase0, phase1, phase2}
}

// appendAll appends commits, concurrently when they are on distinct streams.
func appendAll(b *testing.B, store eventstore.Store, commits []benchCommit, concurrent bool) {
	ctx := context.Background()
	workers := 1
	if concurrent {
		workers = 16
	}
	next := make(chan benchCommit)
	var wg sync.WaitGroup
	var once sync.Once
	var failed error
	for range workers {
		wg.Go(func() {
			for c := range next {
				if _, err := store.Append(ctx, c.stream, eventstore.Any, eventstore.Metadata{OccurredAt: benchNow}, c.events...); err != nil {
					once.Do(func() { failed = err })
				}
			}
		})
	}
	for _, c := range commits {
		next <- c
	}
	close(next)
	wg.Wait()
	if failed != nil {
		b.Fatal(failed)
	}
}

// BenchmarkAggregateQuery times the demand service's queries at national
// scale through the application (no gRPC), with the read lock and disclosure
// control: GetDemand for a random member council or the consortium lead, a
// random as-at date of the 40 and a random grouping by one or two of the six
// dimensions (sometimes filtered), and now and then GetSufficiency or
// GetPriceBenchmarks. A GetDemand is "cold" when its (date, viewer) has not
// been asked before in the run, so its protection is computed; otherwise the
// protection comes from the service's cache.
func BenchmarkAggregateQuery(b *testing.B) {
	// The store's defaults: its subscription pulls at most 16 MB at a time
	// (returns are ~15 KB), so request replies are not starved at start.
	_, store := natstest.Store(b)
	ctx := context.Background()
	councils := benchCouncilCodes()
	dates := benchDates()

	t0 := time.Now()
	baseRng := rand.New(rand.NewPCG(1, 1500))
	var returns []benchCommit
	cells := 0
	for _, la := range councils {
		base := 100 + baseRng.IntN(1401) // 100–1,500 children looked after
		for q := range dates {
			ev := benchReturn(la, q, base)
			cells += len(ev.Cells)
			returns = append(returns, benchCommit{eventstore.StreamID{Context: app.Context, Aggregate: app.ReturnAggregate, ID: ev.ReturnId}, []proto.Message{ev}})
		}
	}
	supply := benchSupply(councils)
	appendAll(b, store, supply[0], false) // one DPS stream, in order
	appendAll(b, store, supply[1], true)
	appendAll(b, store, supply[2], true)
	appendAll(b, store, returns, true)
	returns = nil
	appended := time.Since(t0)

	svc := app.New(store, nil, app.WithClock(func() time.Time { return benchNow }))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	t1 := time.Now()
	if err := svc.Start(runCtx); err != nil {
		b.Fatal(err)
	}
	b.Logf("fixture: %d returns, %d cells (%.0f per return); appended in %s, read model built in %s",
		len(councils)*len(dates), cells, float64(cells)/float64(len(councils)*len(dates)), appended.Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))

	lead := auth.Principal{Subject: "lead@national", Organisation: "consortium:" + benchConsortium, Roles: []string{auth.ConsortiumLead}}
	council := func(la string) auth.Principal {
		return auth.Principal{Subject: "analyst@" + la, Organisation: "council:" + la, Roles: []string{auth.CouncilAnalyst}}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	values := map[string][]string{
		"placement_group": domain.PlacementGroups, "age_band": {"under 1", "1-4", "5-9", "10-15", "16+"}, "need": {"N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"},
		"legal_status": {"C2", "C1", "V2", "E1", "J2", "L1"}, "area": {"inside", "outside", "unknown"}, "distance_band": {"0-5", "5-10", "10-20", "20-50", "50+", "unknown"},
	}
	seen := map[[2]string]bool{} // (date, viewer) asked before: its protection is cached
	var all, cold, cached, suff, prices []time.Duration
	suppressed, shown := 0, 0
	b.ResetTimer()
	for b.Loop() {
		var err error
		switch x := rng.IntN(100); {
		case x < 5:
			t := time.Now()
			_, err = svc.GetSufficiency(ctx, council(councils[rng.IntN(len(councils))]), benchConsortium, 0)
			suff = append(suff, time.Since(t))
			all = append(all, time.Since(t))
		case x < 10:
			t := time.Now()
			_, err = svc.GetPriceBenchmarks(ctx, lead, benchConsortium, 0)
			prices = append(prices, time.Since(t))
			all = append(all, time.Since(t))
		default:
			p, viewer := lead, ""
			if x >= 28 { // 80% of queries: a member council
				viewer = councils[rng.IntN(len(councils))]
				p = council(viewer)
			}
			q := &demandv1.GetDemandRequest{Consortium: benchConsortium, AsAt: dates[rng.IntN(len(dates))]}
			perm := rng.Perm(len(benchDims))
			q.Dimensions = []string{benchDims[perm[0]]}
			if rng.IntN(2) == 0 {
				q.Dimensions = append(q.Dimensions, benchDims[perm[1]])
			}
			if rng.IntN(5) == 0 {
				vs := values[q.Dimensions[0]]
				q.Filters = map[string]string{q.Dimensions[0]: vs[rng.IntN(len(vs))]}
			}
			k := [2]string{q.AsAt, viewer}
			t := time.Now()
			var out *demandv1.DemandTable
			out, err = svc.GetDemand(ctx, p, q.GetConsortium(), q.GetAsAt(), q.GetDimensions(), q.GetFilters(), 0)
			d := time.Since(t)
			all = append(all, d)
			if seen[k] {
				cached = append(cached, d)
			} else {
				cold = append(cold, d)
				if len(seen) > 4096 { // as the service's cache: bounded, starts again
					seen = map[[2]string]bool{}
				}
				seen[k] = true
			}
			if err == nil {
				for _, c := range out.GetConsortiumTable().GetCells() {
					if c.GetSuppressed() {
						suppressed++
					} else if c.GetCount() > 0 {
						shown++
					}
				}
			}
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	jsbench.ReportLatency(b, all, "")
	jsbench.ReportLatency(b, cold, "cold-")
	jsbench.ReportLatency(b, cached, "cached-")
	jsbench.ReportLatency(b, suff, "sufficiency-")
	jsbench.ReportLatency(b, prices, "prices-")
	b.ReportMetric(float64(len(cached))/float64(len(cached)+len(cold)), "cached-frac")
	b.ReportMetric(float64(suppressed)/float64(max(1, suppressed+shown)), "suppressed-frac")
}
