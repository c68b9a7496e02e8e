package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream/jsbench"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// BenchmarkFrameworksPage measures what the portal adds to the gRPC query
// behind a page: "raw" is ListFrameworks called as the lead over gRPC;
// "page" is GET /frameworks through the portal (session lookup in NATS KV,
// a token signed for the person, the same ListFrameworks, the page
// rendered). Both over 20 frameworks of 3 lots each, in the same run.
//
//	cd services/portal && go test -run '^$' -bench FrameworksPage -benchtime 2000x ./web
func BenchmarkFrameworksPage(b *testing.B) {
	s := startStack(b)
	lead := s.framework(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	for i := range 20 {
		terms := &frameworkv1.FrameworkTerms{Title: fmt.Sprintf("North West Framework %d", i+1), Category: frameworkv1.Category_CATEGORY_RESIDENTIAL,
			Description: "Children's homes.", MemberCouncils: []string{"350", "351", "352", "353"},
			TermStart: "2027-04-01", TermEnd: "2030-03-31", QualityWeight: 70, PriceWeight: 30}
		for l := range 3 {
			terms.Lots = append(terms.Lots, &frameworkv1.LotTerms{LotId: fmt.Sprintf("lot-%d", l+1), Name: fmt.Sprintf("Lot %d", l+1),
				PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 300000, MaxWeeklyPence: 700000}, QualityThreshold: 60})
		}
		servicetest.Must(lead.DraftFramework(s.Ctx, &frameworkv1.DraftFrameworkRequest{RequestId: fmt.Sprintf("bench-draft-%04d", i), Terms: terms})).OK(b)
	}
	at := s.LastPosition()
	// Signed in as the lead (the first demo person), as a browser would be.
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	if _, err := c.PostForm(s.portal.URL+"/dev/sign-in", url.Values{"person": {"0"}}); err != nil {
		b.Fatal(err)
	}
	page := s.portal.URL + "/frameworks?at=" + fmt.Sprint(at)
	get := func() {
		res, err := c.Get(page)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("GET /frameworks: %d", res.StatusCode)
		}
	}
	for range 20 { // warm both paths: connections, caches
		get()
		servicetest.Must(lead.ListFrameworks(s.Ctx, &frameworkv1.ListFrameworksRequest{Consortium: "north-west", MinPosition: at})).OK(b)
	}
	b.Run("raw", func(b *testing.B) {
		d := make([]time.Duration, 0, b.N)
		for b.Loop() {
			t0 := time.Now()
			servicetest.Must(lead.ListFrameworks(s.Ctx, &frameworkv1.ListFrameworksRequest{Consortium: "north-west", MinPosition: at})).OK(b)
			d = append(d, time.Since(t0))
		}
		jsbench.ReportLatency(b, d, "")
	})
	b.Run("page", func(b *testing.B) {
		d := make([]time.Duration, 0, b.N)
		for b.Loop() {
			t0 := time.Now()
			get()
			d = append(d, time.Since(t0))
		}
		jsbench.ReportLatency(b, d, "")
	})
}
