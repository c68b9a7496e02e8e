package server_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/framework/server"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore/jetstream"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/natsserver"
	"github.com/carecoop/carecoop/services/kit/natstest"
)

// The harness runs the framework service as it runs in production, minus the
// wall clock: a real embedded nats-server with JetStream on a temp dir, the
// JetStream event store, the gRPC server on a loopback port with the kit's
// interceptors, Ed25519-signed bearer tokens, and one gRPC connection per
// caller. Bidding deadlines are driven by a clock the test moves.

// start is the service clock's first reading: a Monday morning in January 2026.
var start = time.Date(2026, time.January, 12, 9, 0, 0, 0, time.UTC)

// clock is a test clock: it stands still until the test moves it.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }
func (c *clock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }

type harness struct {
	t        *testing.T
	ctx      context.Context
	nats     *natsserver.Server
	store    *jetstream.Store
	key      ed25519.PrivateKey
	verifier auth.Verifier
	clock    *clock
	svc      *server.Running

	mu      sync.Mutex
	callers map[string]*caller // by subject, organisation and role, for the running service
}

// newHarness starts NATS, the store and the service.
func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	_, ns := natstest.JetStream(t)
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := auth.NewKeyVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ctx: ctx, nats: ns, key: key, verifier: verifier, clock: newClock(start)}
	h.store = h.newStore()
	h.startService()
	t.Cleanup(func() { h.svc.Stop() })
	return h
}

// newStore opens the event store over a fresh connection to the NATS server.
func (h *harness) newStore() *jetstream.Store {
	h.t.Helper()
	nc, err := h.nats.Connect()
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(nc.Close)
	js, err := natsjs.New(nc)
	if err != nil {
		h.t.Fatal(err)
	}
	store, err := jetstream.New(h.ctx, js)
	if err != nil {
		h.t.Fatal(err)
	}
	return store
}

func (h *harness) startService() {
	h.t.Helper()
	svc, err := server.Start(h.ctx, server.Config{
		Addr:     "127.0.0.1:0",
		Store:    h.store,
		Verifier: h.verifier,
		Clock:    h.clock.Now,
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
	h.store = h.newStore()
	h.startService()
}

// lastPosition is the store's newest global position: it does not move when
// nothing is written.
func (h *harness) lastPosition() uint64 {
	h.t.Helper()
	pos, err := h.store.LastPosition(h.ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return pos
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
	tok, err := auth.IssueToken(h.key, auth.Principal{Subject: subject, Organisation: org, Roles: []string{role}}, time.Hour)
	if err != nil {
		h.t.Fatal(err)
	}
	conn := h.dial(tok)
	c := &caller{Subject: subject, Org: org, Role: role, FrameworkServiceClient: frameworkv1.NewFrameworkServiceClient(conn)}
	h.callers[k] = c
	return c
}

// anonymous is a client sending token as its bearer token ("" sends none).
func (h *harness) anonymous(token string) frameworkv1.FrameworkServiceClient {
	return frameworkv1.NewFrameworkServiceClient(h.dial(token))
}

func (h *harness) dial(token string) *grpc.ClientConn {
	h.t.Helper()
	conn, err := grpcserver.NewClient(h.svc.Addr.String(), token)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { conn.Close() })
	return conn
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
	return must(h.lead().DraftFramework(h.ctx, &frameworkv1.DraftFrameworkRequest{RequestId: reqID, Terms: gmTerms()})).ok(h.t)
}

// closeIn is how long bidding stays open in the stages below.
const closeIn = 14 * 24 * time.Hour

func (h *harness) open(id string) *frameworkv1.CommandResponse {
	h.t.Helper()
	return must(h.lead().OpenForBids(h.ctx, &frameworkv1.OpenForBidsRequest{
		RequestId: "open-" + id, FrameworkId: id, BidsCloseAt: timestamppb.New(h.clock.Now().Add(closeIn)),
	})).ok(h.t)
}

func (h *harness) submit(id string, b bid, reqID string) *frameworkv1.CommandResponse {
	h.t.Helper()
	return must(h.provider(b.provider).SubmitBid(h.ctx, &frameworkv1.SubmitBidRequest{
		RequestId: reqID, FrameworkId: id, LotId: b.lot, WeeklyPricePence: b.pence, QualityAnswers: answers("Trained staff and a missing-from-care protocol."),
	})).ok(h.t)
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
	fw := must(h.lead().GetFramework(h.ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.lastPosition()})).ok(h.t)
	h.clock.Set(fw.GetBidsCloseAt().AsTime())
}

// scored is openWithBids, then bidding closes and every bid is scored.
func (h *harness) scored(reqID string) string {
	h.t.Helper()
	id := h.openWithBids(reqID)
	h.closeBidding(id)
	for _, b := range standardBids {
		must(h.lead().ScoreBid(h.ctx, &frameworkv1.ScoreBidRequest{
			RequestId: "score-" + b.provider + "-" + b.lot, FrameworkId: id, LotId: b.lot, ProviderId: b.provider,
			QualityScore: b.quality, Reason: "Scored against the published quality criteria by the evaluation panel",
		})).ok(h.t)
	}
	return id
}

func standardAward() []*frameworkv1.LotAwardDecision {
	return []*frameworkv1.LotAwardDecision{
		{LotId: "lot-1", ProviderIds: []string{p2, p1}},
		{LotId: "lot-2", ProviderIds: []string{p1, p3}},
	}
}

// active is scored, then awarded and activated.
func (h *harness) active(reqID string) string {
	h.t.Helper()
	id := h.scored(reqID)
	must(h.lead().AwardFramework(h.ctx, &frameworkv1.AwardFrameworkRequest{
		RequestId: "award-" + id, FrameworkId: id, Lots: standardAward(), Reason: "Every bidder met the quality threshold",
	})).ok(h.t)
	must(h.lead().ActivateFramework(h.ctx, &frameworkv1.ActivateFrameworkRequest{
		RequestId: "activate-" + id, FrameworkId: id, Reason: "Contracts signed with every admitted provider",
	})).ok(h.t)
	return id
}

// Assertions.

// result is the answer of one call: must(client.Call(ctx, req)).ok(t).
type result[T any] struct {
	v   T
	err error
}

func must[T any](v T, err error) result[T] { return result[T]{v, err} }

// ok fails the test if the call failed, and returns its answer.
func (r result[T]) ok(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatalf("call failed: %v", r.err)
	}
	return r.v
}

// wantCode fails unless err is a gRPC status with code.
func wantCode(t *testing.T, err error, code codes.Code) *status.Status {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got success", code)
	}
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("want %s, got a non-status error %v", code, err)
	}
	if st.Code() != code {
		t.Fatalf("want %s, got %s: %s", code, st.Code(), st.Message())
	}
	return st
}

// wantRule fails unless err is FAILED_PRECONDITION naming the domain rule,
// in the message and in a google.rpc.PreconditionFailure detail.
func wantRule(t *testing.T, err error, rule string) {
	t.Helper()
	st := wantCode(t, err, codes.FailedPrecondition)
	if !strings.Contains(st.Message(), rule) {
		t.Errorf("message %q does not name the rule %s", st.Message(), rule)
	}
	for _, d := range st.Details() {
		if pf, ok := d.(*errdetails.PreconditionFailure); ok {
			for _, v := range pf.GetViolations() {
				if v.GetType() == rule {
					if v.GetDescription() == "" {
						t.Errorf("the violation of %s does not say what to change", rule)
					}
					return
				}
			}
		}
	}
	t.Errorf("no PreconditionFailure detail names %s: %v", rule, st.Details())
}

// fieldViolations fails unless err is INVALID_ARGUMENT with a
// google.rpc.BadRequest detail, and returns the fields it names.
func fieldViolations(t *testing.T, err error) []string {
	t.Helper()
	st := wantCode(t, err, codes.InvalidArgument)
	var fields []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				if fv.GetDescription() == "" {
					t.Errorf("field violation of %s has no description", fv.GetField())
				}
				fields = append(fields, fv.GetField())
			}
		}
	}
	if len(fields) == 0 {
		t.Fatalf("INVALID_ARGUMENT without field violations: %s", st.Message())
	}
	return fields
}

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
