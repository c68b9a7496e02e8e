package server_test

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/framework/server"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// The harness runs the framework service as it runs in production, minus the
// wall clock (servicetest.Env: embedded NATS with JetStream, the JetStream
// event store, Ed25519 bearer tokens, gRPC over loopback, one connection per
// caller). Bidding deadlines are driven by a clock the test moves.

// start is the service clock's first reading: a Monday morning in January 2026.
var start = time.Date(2026, time.January, 12, 9, 0, 0, 0, time.UTC)

type harness struct {
	*servicetest.Env
	t     *testing.T
	store eventstore.Store
	svc   *server.Running

	mu      sync.Mutex
	callers map[string]*caller // by subject, organisation and role, for the running service
}

// newHarness starts NATS, the store and the service.
func newHarness(t *testing.T) *harness {
	t.Helper()
	env := servicetest.New(t, start)
	h := &harness{Env: env, t: t, store: env.Store}
	h.startService()
	t.Cleanup(func() { h.svc.Stop() })
	return h
}

func (h *harness) startService() {
	h.t.Helper()
	svc, err := server.Start(h.Ctx, server.Config{
		Addr:     "127.0.0.1:0",
		Store:    h.store,
		Verifier: h.Verifier,
		Clock:    h.Clock.Now,
	})
	if err != nil {
		h.t.Fatalf("server.Start: %v", err)
	}
	h.mu.Lock()
	h.svc, h.callers = svc, map[string]*caller{}
	h.mu.Unlock()
}

// restart stops the service and starts a new one on the same NATS server,
// through a new connection and a new store: nothing survives but the stream.
func (h *harness) restart() {
	h.t.Helper()
	h.svc.Stop()
	h.store = h.NewStore()
	h.startService()
}

// caller is one person with a signed token and their own gRPC connection.
type caller struct {
	Subject, Org, Role string
	frameworkv1.FrameworkServiceClient
}

// as returns the caller with this identity, connected to the running service.
func (h *harness) as(subject, org, role string) *caller {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	k := subject + "|" + org + "|" + role
	if c, ok := h.callers[k]; ok {
		return c
	}
	conn := h.Dial(h.svc.Addr.String(), h.Token(subject, org, role))
	c := &caller{Subject: subject, Org: org, Role: role, FrameworkServiceClient: frameworkv1.NewFrameworkServiceClient(conn)}
	h.callers[k] = c
	return c
}

// anonymous is a client sending token as its bearer token ("" sends none).
func (h *harness) anonymous(token string) frameworkv1.FrameworkServiceClient {
	h.t.Helper()
	return frameworkv1.NewFrameworkServiceClient(h.Dial(h.svc.Addr.String(), token))
}

// The cast.
const (
	consortium = "north-west"
	p1         = "northern-lights-care"
	p2         = "pennine-pathways"
	p3         = "irwell-house"
)

func (h *harness) lead() *caller {
	return h.as("amara.okafor", auth.ConsortiumOrg(consortium), auth.ConsortiumLead)
}

// otherLead runs another consortium's frameworks.
func (h *harness) otherLead() *caller {
	return h.as("ben.hartley", auth.ConsortiumOrg("yorkshire-humber"), auth.ConsortiumLead)
}

func (h *harness) provider(id string) *caller {
	return h.as("admin."+id, auth.ProviderOrg(id), auth.ProviderAdmin)
}

// council is a commissioner of a council: 352 (Manchester) is a member of
// the standard framework, 341 (Liverpool) is not.
func (h *harness) council(laCode string) *caller {
	return h.as("commissioner."+laCode, auth.CouncilOrg(laCode), auth.CouncilCommissioner)
}

func (h *harness) auditor() *caller {
	return h.as("ines.auditor", auth.OrgPlatform, auth.Auditor)
}

// Framework terms: the ten Greater Manchester councils, two lots, 70/30,
// three years plus one 12-month extension (exactly 4 years in all).

var greaterManchester = []string{"350", "351", "352", "353", "354", "355", "356", "357", "358", "359"}

func gmTerms() *frameworkv1.FrameworkTerms {
	return &frameworkv1.FrameworkTerms{
		Title:       "Greater Manchester Residential Children's Homes 2026-2030",
		Category:    frameworkv1.Category_CATEGORY_RESIDENTIAL,
		Description: "Children's homes places for the ten Greater Manchester councils.",
		Lots: []*frameworkv1.LotTerms{
			{LotId: "lot-1", Name: "Residential: emotional and behavioural needs", PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 350000, MaxWeeklyPence: 650000}, QualityThreshold: 60},
			{LotId: "lot-2", Name: "Residential: complex needs and disabilities", PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 450000, MaxWeeklyPence: 900000}, QualityThreshold: 65},
		},
		MemberCouncils:         slices.Clone(greaterManchester),
		TermStart:              "2026-04-01",
		TermEnd:                "2029-03-31",
		ExtensionOptionsMonths: []uint32{12},
		QualityWeight:          70,
		PriceWeight:            30,
	}
}

func answers(text string) []*frameworkv1.QualityAnswer {
	return []*frameworkv1.QualityAnswer{
		{Question: "How do you keep children safe from exploitation?", Answer: text},
		{Question: "How do you support education attendance?", Answer: "A virtual-school link worker in every home."},
	}
}

// bid is one standard bid: price in pence and the quality score the lead gives it.
type bid struct {
	provider, lot string
	pence         int64
	quality       uint32
}

// standardBids: on lot-1 Northern Lights is dearer but better and ranks
// first; on lot-2 Irwell House ranks above Northern Lights.
var standardBids = []bid{
	{p1, "lot-1", 465000, 82},
	{p1, "lot-2", 690000, 74},
	{p2, "lot-1", 430000, 71},
	{p3, "lot-2", 745000, 81},
}

// The stages of a framework, each built through gRPC by the right people.

func (h *harness) draft(reqID string) *frameworkv1.CommandResponse {
	h.t.Helper()
	return must(h.lead().DraftFramework(h.Ctx, &frameworkv1.DraftFrameworkRequest{RequestId: reqID, Terms: gmTerms()})).OK(h.t)
}

// closeIn is how long bidding stays open in the stages below.
const closeIn = 14 * 24 * time.Hour

func (h *harness) open(id string) *frameworkv1.CommandResponse {
	h.t.Helper()
	return must(h.lead().OpenForBids(h.Ctx, &frameworkv1.OpenForBidsRequest{
		RequestId: "open-" + id, FrameworkId: id, BidsCloseAt: timestamppb.New(h.Clock.Now().Add(closeIn)),
	})).OK(h.t)
}

func (h *harness) submit(id string, b bid, reqID string) *frameworkv1.CommandResponse {
	h.t.Helper()
	return must(h.provider(b.provider).SubmitBid(h.Ctx, &frameworkv1.SubmitBidRequest{
		RequestId: reqID, FrameworkId: id, LotId: b.lot, WeeklyPricePence: b.pence, QualityAnswers: answers("Trained staff and a missing-from-care protocol."),
	})).OK(h.t)
}

// openWithBids drafts, opens and takes the standard bids; bidding is still open.
func (h *harness) openWithBids(reqID string) string {
	h.t.Helper()
	id := h.draft(reqID).GetFrameworkId()
	h.open(id)
	for i, b := range standardBids {
		h.submit(id, b, bidRequestID(id, i))
	}
	return id
}

func bidRequestID(id string, i int) string { return "bid-" + id + "-" + string(rune('a'+i)) }

// closeBidding moves the clock to the close of bidding.
func (h *harness) closeBidding(id string) {
	h.t.Helper()
	fw := must(h.lead().GetFramework(h.Ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(h.t)
	h.Clock.Set(fw.GetBidsCloseAt().AsTime())
}

// scored is openWithBids, then bidding closes and every bid is scored.
func (h *harness) scored(reqID string) string {
	h.t.Helper()
	id := h.openWithBids(reqID)
	h.closeBidding(id)
	for _, b := range standardBids {
		must(h.lead().ScoreBid(h.Ctx, &frameworkv1.ScoreBidRequest{
			RequestId: "score-" + b.provider + "-" + b.lot, FrameworkId: id, LotId: b.lot, ProviderId: b.provider,
			QualityScore: b.quality, Reason: "Scored against the published quality criteria by the evaluation panel",
		})).OK(h.t)
	}
	return id
}

func standardAward() []*frameworkv1.LotAwardDecision {
	return []*frameworkv1.LotAwardDecision{
		{LotId: "lot-1", ProviderIds: []string{p2, p1}},
		{LotId: "lot-2", ProviderIds: []string{p1, p3}},
	}
}

// active is scored, then awarded and, once the standstill is over, activated.
func (h *harness) active(reqID string) string {
	h.t.Helper()
	id := h.scored(reqID)
	must(h.lead().AwardFramework(h.Ctx, &frameworkv1.AwardFrameworkRequest{
		RequestId: "award-" + id, FrameworkId: id, Lots: standardAward(), Reason: "Every bidder met the quality threshold",
	})).OK(h.t)
	h.sstPass(id)
	must(h.lead().ActivateFramework(h.Ctx, &frameworkv1.ActivateFrameworkRequest{
		RequestId: "activate-" + id, FrameworkId: id, Reason: "Contracts signed with every admitted provider",
	})).OK(h.t)
	return id
}

// Assertions.

// must captures a call's two results: must(c.Call(ctx, req)).OK(t).
func must[T any](v T, err error) servicetest.Result[T] { return servicetest.Must(v, err) }

// rankedProviders is a lot's admitted providers, "id:rank:status" each, in
// the order GetFramework lists them.
func rankedProviders(fw *frameworkv1.Framework, lotID string) []string {
	var out []string
	for _, l := range fw.GetLots() {
		if l.GetTerms().GetLotId() != lotID {
			continue
		}
		for _, p := range l.GetProviders() {
			out = append(out, p.GetProviderId()+":"+strconv.Itoa(int(p.GetRank()))+":"+strings.TrimPrefix(p.GetStatus().String(), "PROVIDER_LOT_STATUS_"))
		}
	}
	return out
}

func lotProvider(fw *frameworkv1.Framework, lotID, providerID string) *frameworkv1.LotProvider {
	for _, l := range fw.GetLots() {
		if l.GetTerms().GetLotId() == lotID {
			for _, p := range l.GetProviders() {
				if p.GetProviderId() == providerID {
					return p
				}
			}
		}
	}
	return nil
}

// expectedTotal is the total score the domain's published formula gives a
// standard bid: the cheapest bid on the lot scores 100 for price.
func expectedTotal(b bid, bids []bid) float64 {
	lowest := b.pence
	for _, o := range bids {
		if o.lot == b.lot {
			lowest = min(lowest, o.pence)
		}
	}
	return domain.TotalScore(b.quality, domain.PriceScore(lowest, b.pence), 70, 30)
}

// sstPass moves the clock to 09:00 on the day after the framework's
// standstill ends, when it may be activated.
func (h *harness) sstPass(id string) {
	h.t.Helper()
	fw := must(h.lead().GetFramework(h.Ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(h.t)
	ends, err := time.Parse(time.DateOnly, fw.GetStandstillEnds())
	if err != nil {
		h.t.Fatalf("framework %s has no standstill end after its award: %q", id, fw.GetStandstillEnds())
	}
	h.Clock.Set(ends.AddDate(0, 0, 1).Add(9 * time.Hour))
}
