package app_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/demand/app"
	"github.com/carecoop/carecoop/services/demand/demandbench"
	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream/jsbench"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

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
	councils := demandbench.CouncilCodes()
	dates := demandbench.Dates()

	t0 := time.Now()
	returns, cells := demandbench.Returns(councils)
	supply := demandbench.Supply(councils)
	for i, phase := range append(supply, returns) {
		if err := demandbench.Append(ctx, store, phase, i > 0); err != nil { // the DPS stream in order
			b.Fatal(err)
		}
	}
	returns = nil
	appended := time.Since(t0)

	svc := app.New(store, nil, app.WithClock(func() time.Time { return demandbench.Now }))
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	t1 := time.Now()
	if err := svc.Start(runCtx); err != nil {
		b.Fatal(err)
	}
	b.Logf("fixture: %d returns, %d cells (%.0f per return); appended in %s, read model built in %s",
		len(councils)*len(dates), cells, float64(cells)/float64(len(councils)*len(dates)), appended.Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))

	lead := auth.Principal{Subject: "lead@national", Organisation: "consortium:" + demandbench.Consortium, Roles: []string{auth.ConsortiumLead}}
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
			_, err = svc.GetSufficiency(ctx, council(councils[rng.IntN(len(councils))]), demandbench.Consortium, 0)
			suff = append(suff, time.Since(t))
			all = append(all, time.Since(t))
		case x < 10:
			t := time.Now()
			_, err = svc.GetPriceBenchmarks(ctx, lead, demandbench.Consortium, 0)
			prices = append(prices, time.Since(t))
			all = append(all, time.Since(t))
		default:
			p, viewer := lead, ""
			if x >= 28 { // 80% of queries: a member council
				viewer = councils[rng.IntN(len(councils))]
				p = council(viewer)
			}
			q := &demandv1.GetDemandRequest{Consortium: demandbench.Consortium, AsAt: dates[rng.IntN(len(dates))]}
			perm := rng.Perm(len(demandbench.Dimensions))
			q.Dimensions = []string{demandbench.Dimensions[perm[0]]}
			if rng.IntN(2) == 0 {
				q.Dimensions = append(q.Dimensions, demandbench.Dimensions[perm[1]])
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
