//go:build unix

package web_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"syscall"
	"testing"
	"time"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/demand/demandbench"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream/jsbench"
)

// BenchmarkDemandPage measures what the portal adds to the gRPC calls
// behind the demand dashboard at national scale (the demand service's own
// fixture, services/demand/demandbench: 153 councils in one consortium,
// each with ~350 cells a return). "raw" is the page's three calls made over
// gRPC as Manchester's analyst (ListDps, GetDisclosurePolicy, GetDemand);
// "page" is GET /demand through the portal as that analyst (session from
// NATS KV, a token signed, the same calls, the tables built, the charts
// drawn as SVG and the page rendered). Each iteration groups by one or two
// dimensions, the same sequence in both. added-p50/p99 are the quantiles
// of each iteration's page time minus its raw time.
//
//	cd services/portal && go test -run '^$' -bench DemandPage -benchtime 300x ./web
func BenchmarkDemandPage(b *testing.B) {
	// The fixture is made before the stack starts its clock.
	councils := demandbench.CouncilCodes()
	returns, _ := demandbench.Returns(councils) // ten years of quarterly returns
	dps := demandbench.Supply(councils)[0][:1]  // the DPS and its 153 member councils

	s := startStack(b)
	ctx := context.Background()
	if err := demandbench.Append(ctx, s.Store, dps, false); err != nil {
		b.Fatal(err)
	}
	if err := demandbench.Append(ctx, s.Store, returns, true); err != nil {
		b.Fatal(err)
	}
	at := s.LastPosition()
	org := auth.CouncilOrg("352")
	purchasing, demand := s.purchasing(org, auth.CouncilAnalyst), s.demand(org, auth.CouncilAnalyst)
	// Until the services have read the fixture (each read waits a bounded
	// time for its position).
	for start := time.Now(); ; {
		_, err := demand.GetDisclosurePolicy(ctx, &demandv1.GetDisclosurePolicyRequest{Consortium: demandbench.Consortium, MinPosition: at})
		if err == nil {
			break
		}
		if time.Since(start) > 10*time.Minute {
			b.Fatal(err)
		}
	}

	dims := []string{"placement_group", "age_band", "need", "legal_status", "area", "distance_band"}
	choices := func() func() []string {
		rng := rand.New(rand.NewPCG(13, 13))
		return func() []string {
			perm := rng.Perm(len(dims))
			if rng.IntN(2) == 0 {
				return []string{dims[perm[0]]}
			}
			return []string{dims[perm[0]], dims[perm[1]]}
		}
	}
	raw := func(ds []string) {
		if _, err := purchasing.ListDps(ctx, &purchasingv1.ListDpsRequest{MinPosition: at}); err != nil {
			b.Fatal(err)
		}
		if _, err := demand.GetDisclosurePolicy(ctx, &demandv1.GetDisclosurePolicyRequest{Consortium: demandbench.Consortium, MinPosition: at}); err != nil {
			b.Fatal(err)
		}
		t, err := demand.GetDemand(ctx, &demandv1.GetDemandRequest{Consortium: demandbench.Consortium, Dimensions: ds, MinPosition: at})
		if err != nil || t.GetCouncils() != demandbench.Councils {
			b.Fatalf("GetDemand: %v (%d councils)", err, t.GetCouncils())
		}
	}
	// Signed in as Dev Patel (Manchester's analyst), as a browser would be.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	if _, err := c.PostForm(s.portal.URL+"/dev/sign-in", url.Values{"person": {"3"}}); err != nil {
		b.Fatal(err)
	}
	page := func(ds []string) {
		q := url.Values{"consortium": {demandbench.Consortium}, "by": {ds[0]}, "at": {fmt.Sprint(at)}}
		if len(ds) > 1 {
			q.Set("and", ds[1])
		}
		res, err := c.Get(s.portal.URL + "/demand?" + q.Encode())
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("GET /demand: %d", res.StatusCode)
		}
	}
	warm := choices()
	for range 20 { // both paths: connections, the service's protection cache
		ds := warm()
		raw(ds)
		page(ds)
	}
	// Interleaved, so that both see the same load of a shared machine: each
	// iteration makes the raw calls, then asks the page, for one grouping.
	// The process's CPU time is measured too: on a loaded machine the
	// latency tails are mostly waiting for a CPU, while the CPU a page
	// spends beyond its calls is what the portal costs.
	next := choices()
	var rawD, pageD, added []time.Duration
	var rawCPU, pageCPU time.Duration
	b.ResetTimer()
	for b.Loop() {
		ds := next()
		c0, t0 := demCPU(b), time.Now()
		raw(ds)
		c1, t1 := demCPU(b), time.Now()
		page(ds)
		c2, t2 := demCPU(b), time.Now()
		rawD, pageD, added = append(rawD, t1.Sub(t0)), append(pageD, t2.Sub(t1)), append(added, t2.Sub(t1)-t1.Sub(t0))
		rawCPU, pageCPU = rawCPU+c1-c0, pageCPU+c2-c1
	}
	b.StopTimer()
	jsbench.ReportLatency(b, rawD, "raw-")
	jsbench.ReportLatency(b, pageD, "page-")
	jsbench.ReportLatency(b, added, "added-")
	n := float64(len(rawD)) * float64(time.Millisecond)
	b.ReportMetric(float64(rawCPU)/n, "raw-cpu-ms")
	b.ReportMetric(float64(pageCPU)/n, "page-cpu-ms")
}

// demCPU is the CPU time (user and system) the test process has used: the
// services, the portal and the client are all in it.
func demCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
