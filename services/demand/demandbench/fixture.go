// Package demandbench is the demand service's national-scale fixture, for
// benchmarks (the service's own and the portal's demand dashboard): every
// English council in one consortium, ten years of quarterly needs returns,
// and national live signals from purchasing, all from fixed seeds. It is
// imported by benchmarks only.
package demandbench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/demand/app"
	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/geo"
)

// National scale: every English council (153 DfE LA codes) in one
// consortium, ten years of quarterly needs returns, and national live
// signals from purchasing.
const (
	Consortium    = "national"
	DpsID         = "dps-national"
	Councils      = 153
	Quarters      = 40 // 2016-06-30 … 2026-03-31
	Settings      = 15000
	Providers     = 5000
	OpenReferrals = 5000  // open referrals
	Awards        = 20000 // awarded referrals
)

var Now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

var Dimensions = []string{"placement_group", "age_band", "need", "legal_status", "area", "distance_band"}

// CouncilCodes are 201 … 353.
func CouncilCodes() []string {
	out := make([]string, Councils)
	for i := range out {
		out[i] = strconv.Itoa(201 + i)
	}
	return out
}

// Dates are the quarter ends 2016-06-30 … 2026-03-31.
var Dates = sync.OnceValue(func() []string {
	ends := []string{"03-31", "06-30", "09-30", "12-31"}
	var out []string
	for q := 1; len(out) < Quarters; q++ { // q = 1: 2016 Q2
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

// Return is a council's needs return as at one quarter: its children's
// attributes drawn from the national mix, counted per combination.
func Return(la string, q int, base int) *demandv1.NeedsReturnSubmitted {
	n, _ := strconv.Atoi(la)
	rng := rand.New(rand.NewPCG(uint64(n), uint64(q)))
	// Ten years of growth (≈ +20%) with some noise.
	children := int(float64(base) * (0.9 + 0.2*float64(q)/Quarters) * (0.95 + 0.1*rng.Float64()))
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
	ev := &demandv1.NeedsReturnSubmitted{ReturnId: domain.ReturnID(la, Dates()[q]), Council: la, AsAt: Dates()[q], Children: uint32(children), Submission: 1, Source: "ssda903-import"}
	for _, k := range order {
		ev.Cells = append(ev.Cells, &demandv1.NeedsCell{PlacementGroup: k[0], AgeBand: k[1], Need: k[2], LegalStatus: k[3], Area: k[4], DistanceBand: k[5], Count: counts[k]})
	}
	return ev
}

// Commit is one fixture commit: events on one stream.
type Commit struct {
	Stream eventstore.StreamID
	Events []proto.Message
}

var categories = []struct {
	id string
	t  purchasingv1.SettingType
}{
	{"residential", purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME},
	{"fostering", purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY},
	{"supported-16-plus", purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION},
}

// Supply is purchasing's national supply and live demand, in phases
// whose commits may be appended concurrently (phase order matters: a setting
// before the award that fills it).
func Supply(councils []string) [][]Commit {
	rng := rand.New(rand.NewPCG(153, 40))
	england := geo.InCountry("England")
	stream := func(agg, id string) eventstore.StreamID {
		return eventstore.StreamID{Context: "purchasing", Aggregate: agg, ID: id}
	}
	dps := stream("dps", DpsID)
	terms := &purchasingv1.DpsTerms{Title: "National DPS", EndsOn: "2029-02-23", MinOfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, MemberCouncils: councils}
	for _, c := range categories {
		terms.Categories = append(terms.Categories, &purchasingv1.Category{Id: c.id, Name: c.id, SettingTypes: []purchasingv1.SettingType{c.t}})
	}
	phase0 := []Commit{{dps, []proto.Message{&purchasingv1.DpsCreated{DpsId: DpsID, Consortium: Consortium, Terms: terms}, &purchasingv1.DpsOpened{DpsId: DpsID}}}}

	// Providers, each with settings of its category's type, two thirds with
	// a vacancy; admissions batched on the DPS stream.
	type setting struct{ provider, urn, outcode, category string }
	var settings []setting
	var phase1 []Commit
	var admitted []proto.Message
	for i := range Providers {
		id := fmt.Sprintf("provider-%05d", i)
		cat := categories[[]int{0, 0, 0, 1, 2}[rng.IntN(5)]]
		evs := []proto.Message{&purchasingv1.ProviderRegistered{ProviderId: id, Profile: &purchasingv1.ProviderProfile{LegalName: "Provider " + id + " Ltd"}}}
		for range Settings / Providers {
			o := england[rng.IntN(len(england))]
			st := &purchasingv1.Setting{Urn: fmt.Sprintf("SC%06d", 100000+len(settings)), Name: "Home", Type: cat.t, RegisteredPlaces: uint32(2 + rng.IntN(4)),
				Outcode: o.Code, OfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, OfstedDate: "2025-09-01"}
			settings = append(settings, setting{id, st.Urn, o.Code, cat.id})
			evs = append(evs, &purchasingv1.SettingAdded{ProviderId: id, Setting: st})
			if rng.IntN(3) > 0 {
				evs = append(evs, &purchasingv1.VacancyPublished{ProviderId: id, Urn: st.Urn, FreePlaces: 1 + uint32(rng.IntN(2)), AvailableFrom: "2026-11-01", SettingType: st.Type, Outcode: st.Outcode})
			}
		}
		phase1 = append(phase1, Commit{stream("provider", id), evs})
		admitted = append(admitted,
			&purchasingv1.ApplicationReceived{DpsId: DpsID, ProviderId: id, CategoryIds: []string{cat.id}, ReceivedOn: "2026-10-01", DecisionDueOn: "2026-10-15"},
			&purchasingv1.ProviderAdmitted{DpsId: DpsID, ProviderId: id, CategoryId: cat.id, Reason: "meets criteria"})
	}
	for chunk := range slices.Chunk(admitted, 500) {
		phase0 = append(phase0, Commit{dps, chunk})
	}

	// Referrals: open ones, and awarded ones with the price and the setting.
	need := func() *purchasingv1.Need {
		return &purchasingv1.Need{CategoryId: categories[[]int{0, 0, 1, 1, 1, 2}[rng.IntN(6)]].id, AgeYears: uint32(rng.IntN(18)),
			HomeOutcode: england[rng.IntN(len(england))].Code, MaxDistanceMiles: 30, WeeklyBudgetPence: 700000, ExpectedDurationWeeks: 26}
	}
	var phase2 []Commit
	for i := range OpenReferrals + Awards {
		ref := fmt.Sprintf("ref-%06d", i)
		la := councils[rng.IntN(len(councils))]
		n := need()
		evs := []proto.Message{&purchasingv1.ReferralCreated{ReferralId: ref, Council: la, DpsId: DpsID, Consortium: Consortium, Need: n}}
		if i >= OpenReferrals {
			st := settings[rng.IntN(len(settings))]
			evs = append(evs, &purchasingv1.PlacementAwarded{PlacementId: "pl-" + ref, ReferralId: ref, Council: la, Consortium: Consortium, DpsId: DpsID,
				CategoryId: st.category, ProviderId: st.provider, SettingUrn: st.urn, WeeklyPricePence: int64(250000 + rng.IntN(700000)),
				HomeOutcode: n.HomeOutcode, SettingOutcode: st.outcode, DistanceMiles: float64(rng.IntN(120)), AgeYears: n.AgeYears})
		}
		phase2 = append(phase2, Commit{stream("referral", ref), evs})
	}
	return [][]Commit{phase0, phase1, phase2}
}

// Append appends commits, concurrently when they are on distinct streams.
func Append(ctx context.Context, store eventstore.Store, commits []Commit, concurrent bool) error {
	workers := 1
	if concurrent {
		workers = 16
	}
	next := make(chan Commit)
	var wg sync.WaitGroup
	var once sync.Once
	var failed error
	for range workers {
		wg.Go(func() {
			for c := range next {
				if _, err := store.Append(ctx, c.Stream, eventstore.Any, eventstore.Metadata{OccurredAt: Now}, c.Events...); err != nil {
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
	return failed
}

// Returns are every council's needs returns for every date (one commit
// each) and the cells they hold: a council has 100–1,500 children looked
// after, growing over the ten years.
func Returns(councils []string) (commits []Commit, cells int) {
	baseRng := rand.New(rand.NewPCG(1, 1500))
	for _, la := range councils {
		base := 100 + baseRng.IntN(1401) // 100–1,500 children looked after
		for q := range Dates() {
			ev := Return(la, q, base)
			cells += len(ev.Cells)
			commits = append(commits, Commit{eventstore.StreamID{Context: app.Context, Aggregate: app.ReturnAggregate, ID: ev.ReturnId}, []proto.Message{ev}})
		}
	}
	return commits, cells
}
