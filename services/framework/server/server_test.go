package server_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/framework/grpcapi"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Every RPC of FrameworkService has a policy entry, and every entry is an RPC
// of FrameworkService: a forgotten entry would refuse a whole feature, a
// stale one would hide a renamed RPC's missing entry.
func TestPolicyCoversEveryRPC(t *testing.T) {
	gs := grpc.NewServer()
	grpcapi.Register(gs, nil)
	if err := grpcserver.CheckPolicyCoverage(gs, grpcapi.Policy); err != nil {
		t.Fatal(err)
	}
	if err := grpcapi.Policy.Validate(); err != nil {
		t.Fatal(err)
	}
	registered := map[string]bool{}
	for svc, info := range gs.GetServiceInfo() {
		for _, m := range info.Methods {
			registered["/"+svc+"/"+m.Name] = true
		}
	}
	if want := len(frameworkv1.FrameworkService_ServiceDesc.Methods); len(registered) != want {
		t.Fatalf("registered %d methods, the service declares %d", len(registered), want)
	}
	for method := range grpcapi.Policy {
		if !registered[method] {
			t.Errorf("policy entry %s names no RPC of FrameworkService", method)
		}
	}
}

// wantDecision is what the decision log should say about one command.
type wantDecision struct {
	decision   string
	by         *caller
	at         time.Time
	reason     string
	requestID  string
	lotID      string
	providerID string
	res        *frameworkv1.CommandResponse
}

// The whole life of a framework, through gRPC, each step by the person whose
// job it is; then the decision log tells the story in order.
func TestLifecycle(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	lead, manchester := h.lead(), h.council("352")
	var log []wantDecision
	// did records a command for the decision log and reads it back at once
	// through min_position (read-your-writes).
	did := func(decision string, by *caller, reqID, reason, lotID, providerID string, res *frameworkv1.CommandResponse) *frameworkv1.Framework {
		t.Helper()
		if want := uint64(len(log) + 1); res.GetStreamVersion() != want {
			t.Fatalf("%s answered stream version %d, want %d", decision, res.GetStreamVersion(), want)
		}
		if n := len(log); n > 0 && res.GetPosition() <= log[n-1].res.GetPosition() {
			t.Fatalf("%s answered position %d, not after %d", decision, res.GetPosition(), log[n-1].res.GetPosition())
		}
		log = append(log, wantDecision{decision, by, h.Clock.Now(), reason, reqID, lotID, providerID, res})
		fw := must(lead.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: res.GetFrameworkId(), MinPosition: res.GetPosition()})).OK(t)
		if fw.GetVersion() != res.GetStreamVersion() {
			t.Fatalf("after %s, GetFramework(min_position=%d) shows version %d, want %d", decision, res.GetPosition(), fw.GetVersion(), res.GetStreamVersion())
		}
		h.Clock.Advance(time.Hour)
		return fw
	}

	// The lead drafts.
	res := must(lead.DraftFramework(ctx, &frameworkv1.DraftFrameworkRequest{RequestId: "gm-resi-draft-0001", Terms: gmTerms()})).OK(t)
	id := res.GetFrameworkId()
	if !strings.HasPrefix(id, "fw-") {
		t.Fatalf("framework id %q", id)
	}
	fw := did("FrameworkDrafted", lead, "gm-resi-draft-0001", "", "", "", res)
	if fw.GetStatus() != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_DRAFT || fw.GetConsortium() != consortium ||
		!slices.Equal(fw.GetMemberCouncils(), greaterManchester) || len(fw.GetLots()) != 2 ||
		fw.GetQualityWeight() != 70 || fw.GetPriceWeight() != 30 || fw.GetTermEnd() != "2029-03-31" || fw.GetCurrentEnd() != "2029-03-31" {
		t.Fatalf("drafted framework: %v", fw)
	}
	if !fw.GetCreatedAt().AsTime().Equal(start) {
		t.Errorf("created_at %v, want the service clock's %v", fw.GetCreatedAt().AsTime(), start)
	}

	// The lead opens it for bids; a member council sees it published.
	closeAt := h.Clock.Now().Add(closeIn)
	res = must(lead.OpenForBids(ctx, &frameworkv1.OpenForBidsRequest{RequestId: "gm-resi-open-0001", FrameworkId: id, BidsCloseAt: timestamppb.New(closeAt)})).OK(t)
	did("FrameworkOpenedForBids", lead, "gm-resi-open-0001", "", "", "", res)
	list := must(manchester.ListFrameworks(ctx, &frameworkv1.ListFrameworksRequest{Status: frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS, MinPosition: h.LastPosition()})).OK(t)
	if len(list.GetFrameworks()) != 1 || !list.GetFrameworks()[0].GetBidsCloseAt().AsTime().Equal(closeAt) {
		t.Fatalf("Manchester's open frameworks: %v", list.GetFrameworks())
	}

	// Three providers bid; Northern Lights bids first at £4,800 on lot-1...
	for _, b := range []bid{{p1, "lot-1", 480000, 0}, {p1, "lot-2", 690000, 0}, {p2, "lot-1", 430000, 0}, {p3, "lot-2", 745000, 0}} {
		reqID := fmt.Sprintf("bid-%s-%s-v1", b.provider, b.lot)
		res = h.submit(id, b, reqID)
		did("BidSubmitted", h.provider(b.provider), reqID, "", b.lot, b.provider, res)
	}
	// ... then sharpens it to £4,650.
	res = h.submit(id, bid{p1, "lot-1", 465000, 0}, "bid-northern-lights-care-lot-1-v2")
	fw = did("BidAmended", h.provider(p1), "bid-northern-lights-care-lot-1-v2", "", "lot-1", p1, res)
	for _, l := range fw.GetLots() {
		if l.GetBidCount() != 2 {
			t.Errorf("lot %s counts %d bids, want 2 (an amendment is not a new bid)", l.GetTerms().GetLotId(), l.GetBidCount())
		}
	}
	bids := must(lead.ListBids(ctx, &frameworkv1.ListBidsRequest{FrameworkId: id, MinPosition: res.GetPosition()})).OK(t).GetBids()
	if len(bids) != 4 {
		t.Fatalf("the lead sees %d bids, want 4", len(bids))
	}
	for _, b := range bids {
		if b.GetProviderId() == p1 && b.GetLotId() == "lot-1" {
			if b.GetWeeklyPricePence() != 465000 || b.GetAmendedAt() == nil || !b.GetSubmittedAt().AsTime().Before(b.GetAmendedAt().AsTime()) {
				t.Errorf("amended bid: %v", b)
			}
		}
	}

	// Bidding closes when the clock passes bids_close_at: no event, but the
	// framework is being evaluated.
	h.Clock.Set(closeAt)
	if fw := must(manchester.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t); fw.GetStatus() != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EVALUATING {
		t.Fatalf("at the close of bidding the framework is %v, want EVALUATING", fw.GetStatus())
	}

	// The lead scores every bid, then awards.
	for _, b := range standardBids {
		reqID := "score-" + b.provider + "-" + b.lot
		reason := fmt.Sprintf("Panel consensus score for %s", b.provider)
		res = must(lead.ScoreBid(ctx, &frameworkv1.ScoreBidRequest{RequestId: reqID, FrameworkId: id, LotId: b.lot, ProviderId: b.provider, QualityScore: b.quality, Reason: reason})).OK(t)
		did("BidScored", lead, reqID, reason, b.lot, b.provider, res)
	}
	res = must(lead.AwardFramework(ctx, &frameworkv1.AwardFrameworkRequest{RequestId: "gm-resi-award-0001", FrameworkId: id, Lots: standardAward(), Reason: "All four bids met their lot's quality threshold"})).OK(t)
	fw = did("FrameworkAwarded", lead, "gm-resi-award-0001", "All four bids met their lot's quality threshold", "", "", res)
	if fw.GetStatus() != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_AWARDED {
		t.Fatalf("after the award the framework is %v", fw.GetStatus())
	}
	// The standstill runs eight working days; activation waits for its end.
	_, err := lead.ActivateFramework(ctx, &frameworkv1.ActivateFrameworkRequest{RequestId: "gm-resi-activate-00", FrameworkId: id, Reason: "Too soon"})
	servicetest.WantRule(t, err, domain.RuleStandstill)
	h.sstPass(id)
	res = must(lead.ActivateFramework(ctx, &frameworkv1.ActivateFrameworkRequest{RequestId: "gm-resi-activate-01", FrameworkId: id, Reason: "Call-off terms signed by every admitted provider"})).OK(t)
	did("FrameworkActivated", lead, "gm-resi-activate-01", "Call-off terms signed by every admitted provider", "", "", res)

	// Councils see the lots with the admitted providers, ranked by total score.
	fw = must(manchester.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)
	if fw.GetStatus() != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE {
		t.Fatalf("framework is %v, want ACTIVE", fw.GetStatus())
	}
	if got, want := rankedProviders(fw, "lot-1"), []string{p1 + ":1:ACTIVE", p2 + ":2:ACTIVE"}; !slices.Equal(got, want) {
		t.Errorf("lot-1 providers %v, want %v", got, want)
	}
	if got, want := rankedProviders(fw, "lot-2"), []string{p3 + ":1:ACTIVE", p1 + ":2:ACTIVE"}; !slices.Equal(got, want) {
		t.Errorf("lot-2 providers %v, want %v", got, want)
	}
	for _, b := range standardBids {
		lp := lotProvider(fw, b.lot, b.provider)
		if want := expectedTotal(b, standardBids); lp.GetTotalScore() != want || lp.GetWeeklyPricePence() != b.pence {
			t.Errorf("%s on %s: total %v at %d pence, want %v at %d", b.provider, b.lot, lp.GetTotalScore(), lp.GetWeeklyPricePence(), want, b.pence)
		}
	}

	// Pennine Pathways asks for an inflationary uplift; the lead approves it.
	const justification = "Real Living Wage rise of 6.7% from April"
	res = must(h.provider(p2).RequestPriceUplift(ctx, &frameworkv1.RequestPriceUpliftRequest{
		RequestId: "uplift-pennine-2026", FrameworkId: id, LotId: "lot-1", RequestedWeeklyPence: 452000, EffectiveFrom: "2026-04-01", Justification: justification,
	})).OK(t)
	if res.GetUpliftId() != "up-1" {
		t.Fatalf("uplift id %q, want up-1", res.GetUpliftId())
	}
	did("PriceUpliftRequested", h.provider(p2), "uplift-pennine-2026", justification, "lot-1", p2, res)
	res = must(lead.ApprovePriceUplift(ctx, &frameworkv1.DecidePriceUpliftRequest{RequestId: "approve-up-1-0001", FrameworkId: id, UpliftId: "up-1", Reason: "In line with the consortium's 2026 uplift policy"})).OK(t)
	fw = did("PriceUpliftApproved", lead, "approve-up-1-0001", "In line with the consortium's 2026 uplift policy", "lot-1", p2, res)
	if p := lotProvider(fw, "lot-1", p2); p.GetWeeklyPricePence() != 452000 {
		t.Errorf("after the approval Pennine's price on lot-1 is %d, want 452000", p.GetWeeklyPricePence())
	}
	ups := must(h.provider(p2).ListPriceUplifts(ctx, &frameworkv1.ListPriceUpliftsRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t).GetUplifts()
	if len(ups) != 1 || ups[0].GetStatus() != frameworkv1.UpliftStatus_UPLIFT_STATUS_APPROVED || ups[0].GetCurrentWeeklyPence() != 430000 ||
		ups[0].GetDecisionReason() != "In line with the consortium's 2026 uplift policy" || ups[0].GetDecidedAt() == nil {
		t.Errorf("Pennine's uplifts: %v", ups)
	}

	// Irwell House is suspended after an Inadequate judgement, then reinstated.
	const suspension = "Ofsted judged the home Inadequate on 3 February 2026"
	res = must(lead.SuspendProvider(ctx, &frameworkv1.ProviderOnLotRequest{RequestId: "suspend-irwell-0001", FrameworkId: id, LotId: "lot-2", ProviderId: p3, Reason: suspension})).OK(t)
	fw = did("ProviderSuspendedFromLot", lead, "suspend-irwell-0001", suspension, "lot-2", p3, res)
	if p := lotProvider(fw, "lot-2", p3); p.GetStatus() != frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_SUSPENDED || p.GetSuspensionReason() != suspension {
		t.Errorf("suspended provider: %v", p)
	}
	const reinstatement = "Re-inspected and judged Good"
	res = must(lead.ReinstateProvider(ctx, &frameworkv1.ProviderOnLotRequest{RequestId: "reinstate-irwell-01", FrameworkId: id, LotId: "lot-2", ProviderId: p3, Reason: reinstatement})).OK(t)
	fw = did("ProviderReinstatedOnLot", lead, "reinstate-irwell-01", reinstatement, "lot-2", p3, res)
	if p := lotProvider(fw, "lot-2", p3); p.GetStatus() != frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_ACTIVE || p.GetSuspensionReason() != "" {
		t.Errorf("reinstated provider: %v", p)
	}

	// The lead uses the extension option: the framework now runs to 2030-03-31.
	res = must(lead.ExtendFramework(ctx, &frameworkv1.ExtendFrameworkRequest{RequestId: "extend-gm-resi-01", FrameworkId: id, Reason: "Market stable; re-procurement planned for 2030"})).OK(t)
	fw = did("FrameworkExtended", lead, "extend-gm-resi-01", "Market stable; re-procurement planned for 2030", "", "", res)
	if fw.GetStatus() != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXTENDED || fw.GetCurrentEnd() != "2030-03-31" || fw.GetExtensionsUsed() != 1 || fw.GetTermEnd() != "2029-03-31" {
		t.Errorf("extended framework: status %v, current end %s, %d extensions used", fw.GetStatus(), fw.GetCurrentEnd(), fw.GetExtensionsUsed())
	}

	// The decision log, as Manchester's governance panel and the platform's
	// auditor read it, right after the last command.
	last := log[len(log)-1].res.GetPosition()
	for _, reader := range []*caller{manchester, h.auditor(), lead} {
		got := must(reader.GetDecisionLog(ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: id, MinPosition: last})).OK(t)
		if got.GetPosition() < last {
			t.Errorf("decision log answered at position %d, before %d", got.GetPosition(), last)
		}
		checkDecisionLog(t, got.GetDecisions(), log)
	}
}

func checkDecisionLog(t *testing.T, got []*frameworkv1.Decision, want []wantDecision) {
	t.Helper()
	if len(got) != len(want) {
		var names []string
		for _, d := range got {
			names = append(names, d.GetDecision())
		}
		t.Fatalf("decision log has %d decisions %v, want %d", len(got), names, len(want))
	}
	for i, w := range want {
		d := got[i]
		where := fmt.Sprintf("decision %d (%s)", i+1, w.decision)
		if d.GetDecision() != w.decision {
			t.Errorf("%s: is %s", where, d.GetDecision())
			continue
		}
		if d.GetVersion() != uint64(i+1) || d.GetPosition() != w.res.GetPosition() {
			t.Errorf("%s: version %d at position %d, want %d at %d", where, d.GetVersion(), d.GetPosition(), i+1, w.res.GetPosition())
		}
		if a := d.GetActor(); a.GetSubject() != w.by.Subject || a.GetOrganisation() != w.by.Org || a.GetRole() != w.by.Role {
			t.Errorf("%s: actor %v, want %s of %s as %s", where, a, w.by.Subject, w.by.Org, w.by.Role)
		}
		if !d.GetOccurredAt().AsTime().Equal(w.at) {
			t.Errorf("%s: occurred at %v, want %v (the service clock when it was decided)", where, d.GetOccurredAt().AsTime(), w.at)
		}
		if d.GetReason() != w.reason || d.GetRequestId() != w.requestID || d.GetLotId() != w.lotID || d.GetProviderId() != w.providerID {
			t.Errorf("%s: reason %q request %q lot %q provider %q; want %q %q %q %q", where,
				d.GetReason(), d.GetRequestId(), d.GetLotId(), d.GetProviderId(), w.reason, w.requestID, w.lotID, w.providerID)
		}
		if d.GetSummary() == "" || d.GetEventId() == "" || d.GetCorrelationId() == "" {
			t.Errorf("%s: summary %q, event id %q, correlation id %q", where, d.GetSummary(), d.GetEventId(), d.GetCorrelationId())
		}
		if w.providerID != "" && !strings.Contains(d.GetSummary(), w.providerID) {
			t.Errorf("%s: summary %q does not name provider %s", where, d.GetSummary(), w.providerID)
		}
		if (w.decision == "BidSubmitted" || w.decision == "BidAmended") && strings.Contains(d.GetSummary(), "£") {
			t.Errorf("%s: the summary %q discloses a bid price to every reader of the log", where, d.GetSummary())
		}
	}
}

// A request the transport can tell is wrong is refused with
// INVALID_ARGUMENT naming every bad field, and nothing is written.
func TestBadInputIsRefusedWithFieldViolations(t *testing.T) {
	h := newHarness(t)
	lead := h.lead()
	before := h.LastPosition()

	bad := gmTerms()
	bad.Title = "GM"
	bad.MemberCouncils = []string{"350", "35X", "352"}
	bad.Lots[1].PriceBand = nil
	bad.ExtensionOptionsMonths = []uint32{0}
	_, err := lead.DraftFramework(h.Ctx, &frameworkv1.DraftFrameworkRequest{RequestId: "bad", Terms: bad})
	fields := servicetest.FieldViolations(t, err)
	for _, want := range []string{"request_id", "terms.title", "terms.member_councils[1]", "terms.lots[1].price_band", "terms.extension_options_months[0]"} {
		if !slices.Contains(fields, want) {
			t.Errorf("field violations %v do not name %s", fields, want)
		}
	}

	_, err = lead.DraftFramework(h.Ctx, &frameworkv1.DraftFrameworkRequest{RequestId: "no-terms-0001"})
	if fields := servicetest.FieldViolations(t, err); !slices.Equal(fields, []string{"terms"}) {
		t.Errorf("draft without terms: field violations %v, want [terms]", fields)
	}

	noCategory := gmTerms()
	noCategory.Category = frameworkv1.Category_CATEGORY_UNSPECIFIED
	_, err = lead.DraftFramework(h.Ctx, &frameworkv1.DraftFrameworkRequest{RequestId: "no-category-01", Terms: noCategory})
	if fields := servicetest.FieldViolations(t, err); !slices.Equal(fields, []string{"terms.category"}) {
		t.Errorf("draft without a category: field violations %v", fields)
	}

	if after := h.LastPosition(); after != before {
		t.Fatalf("refused drafts wrote to the store: position %d → %d", before, after)
	}
	if list := must(lead.ListFrameworks(h.Ctx, &frameworkv1.ListFrameworksRequest{MinPosition: h.LastPosition()})).OK(t); len(list.GetFrameworks()) != 0 {
		t.Fatalf("refused drafts created %d frameworks", len(list.GetFrameworks()))
	}

	// A value only the domain can judge (a reason of blanks) is a field error too.
	id := h.draft("draft-for-bad-input").GetFrameworkId()
	before = h.LastPosition()
	_, err = lead.AddMemberCouncil(h.Ctx, &frameworkv1.AddMemberCouncilRequest{RequestId: "add-blank-reason", FrameworkId: id, LaCode: "341", Reason: "    "})
	if fields := servicetest.FieldViolations(t, err); !slices.Equal(fields, []string{"reason"}) {
		t.Errorf("blank reason: field violations %v, want [reason]", fields)
	}
	_, err = h.provider(p1).SubmitBid(h.Ctx, &frameworkv1.SubmitBidRequest{RequestId: "bid-no-answers", FrameworkId: id, LotId: "lot-1", WeeklyPricePence: 450000})
	if fields := servicetest.FieldViolations(t, err); !slices.Equal(fields, []string{"quality_answers"}) {
		t.Errorf("bid without answers: field violations %v", fields)
	}

	if after := h.LastPosition(); after != before {
		t.Fatalf("refused requests wrote to the store: position %d → %d", before, after)
	}
	list := must(lead.ListFrameworks(h.Ctx, &frameworkv1.ListFrameworksRequest{MinPosition: h.LastPosition()})).OK(t)
	if len(list.GetFrameworks()) != 1 {
		t.Fatalf("the lead sees %d frameworks, want only the one valid draft", len(list.GetFrameworks()))
	}
}

// A request that breaks a rule of the game is refused with
// FAILED_PRECONDITION naming the rule, and nothing is written.
func TestRuleViolationsNameTheRule(t *testing.T) {
	h := newHarness(t)
	lead := h.lead()

	refused := func(rule string, call func() error) {
		t.Helper()
		before := h.LastPosition()
		servicetest.WantRule(t, call(), rule)
		if after := h.LastPosition(); after != before {
			t.Errorf("%s: the refused command wrote to the store (position %d → %d)", rule, before, after)
		}
	}
	draft := func(reqID string, change func(*frameworkv1.FrameworkTerms)) func() error {
		return func() error {
			terms := gmTerms()
			change(terms)
			_, err := lead.DraftFramework(h.Ctx, &frameworkv1.DraftFrameworkRequest{RequestId: reqID, Terms: terms})
			return err
		}
	}

	refused(domain.RuleWeightsSum100, draft("weights-70-40", func(t *frameworkv1.FrameworkTerms) { t.QualityWeight, t.PriceWeight = 70, 40 }))
	refused(domain.RuleWeightsSum100, draft("weights-missing", func(t *frameworkv1.FrameworkTerms) { t.QualityWeight, t.PriceWeight = 0, 0 }))
	// Three years plus a 13-month extension runs one month past the 4 years of s.47.
	refused(domain.RuleTermMax4Years, draft("term-over-4-years", func(t *frameworkv1.FrameworkTerms) { t.ExtensionOptionsMonths = []uint32{13} }))
	refused(domain.RuleTermMax4Years, draft("term-5-years", func(t *frameworkv1.FrameworkTerms) {
		t.TermEnd, t.ExtensionOptionsMonths = "2031-03-31", nil
	}))
	refused(domain.RuleTermEndAfterStart, draft("term-backwards", func(t *frameworkv1.FrameworkTerms) { t.TermEnd = "2026-03-31" }))
	refused(domain.RuleMemberCouncilsRequired, draft("no-members-0001", func(t *frameworkv1.FrameworkTerms) { t.MemberCouncils = nil }))
	if list := must(lead.ListFrameworks(h.Ctx, &frameworkv1.ListFrameworksRequest{MinPosition: h.LastPosition()})).OK(t); len(list.GetFrameworks()) != 0 {
		t.Fatalf("refused drafts created %d frameworks", len(list.GetFrameworks()))
	}

	id := h.draft("rules-framework-01").GetFrameworkId()
	bidOn := func(p string, pence int64) func() error {
		return func() error {
			_, err := h.provider(p).SubmitBid(h.Ctx, &frameworkv1.SubmitBidRequest{RequestId: fmt.Sprintf("bid-%s-%d-%d", p, pence, h.Clock.Now().Unix()), FrameworkId: id, LotId: "lot-1", WeeklyPricePence: pence, QualityAnswers: answers("ok")})
			return err
		}
	}
	// A draft is not published: to a provider it does not exist yet.
	servicetest.WantCode(t, bidOn(p1, 450000)(), codes.NotFound)
	refused(domain.RuleCloseInFuture, func() error {
		_, err := lead.OpenForBids(h.Ctx, &frameworkv1.OpenForBidsRequest{RequestId: "open-in-the-past", FrameworkId: id, BidsCloseAt: timestamppb.New(h.Clock.Now().Add(-time.Minute))})
		return err
	})
	h.open(id)
	refused(domain.RuleAmendOnlyDraft, func() error {
		_, err := lead.AmendFramework(h.Ctx, &frameworkv1.AmendFrameworkRequest{RequestId: "amend-when-open", FrameworkId: id, Terms: gmTerms(), Reason: "Add a lot"})
		return err
	})
	refused(domain.RuleBidWithinPriceBand, bidOn(p1, 700000))
	h.submit(id, bid{p1, "lot-1", 450000, 0}, "bid-in-time-0001")
	award := func() error {
		_, err := lead.AwardFramework(h.Ctx, &frameworkv1.AwardFrameworkRequest{RequestId: fmt.Sprintf("award-%d", h.Clock.Now().Unix()), FrameworkId: id, Lots: []*frameworkv1.LotAwardDecision{{LotId: "lot-1", ProviderIds: []string{p1}}}, Reason: "Best value"})
		return err
	}
	refused(domain.RuleNoAwardBeforeClose, award)
	refused(domain.RuleNoScoringBeforeClose, func() error {
		_, err := lead.ScoreBid(h.Ctx, &frameworkv1.ScoreBidRequest{RequestId: "score-early-0001", FrameworkId: id, LotId: "lot-1", ProviderId: p1, QualityScore: 80, Reason: "Early"})
		return err
	})

	// One second before the close a bid is still in; at the close it is not.
	h.Clock.Set(start.Add(closeIn - time.Second))
	h.submit(id, bid{p2, "lot-1", 440000, 0}, "bid-last-second-01")
	h.Clock.Advance(time.Second)
	refused(domain.RuleNoBidsAfterClose, bidOn(p3, 430000))
	refused(domain.RuleNoBidsAfterClose, bidOn(p1, 420000)) // an amendment, too
	refused(domain.RuleAwardRequiresScoredBid, award)
}

// Authentication, then the role: a caller without a role the RPC admits gets
// PERMISSION_DENIED before validation could tell them anything.
func TestWrongRoleAndNoToken(t *testing.T) {
	h := newHarness(t)
	id := h.draft("draft-for-roles-01").GetFrameworkId()
	h.open(id)
	before := h.LastPosition()

	commissioner := h.council("352")
	_, err := commissioner.DraftFramework(h.Ctx, &frameworkv1.DraftFrameworkRequest{})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = commissioner.DraftFramework(h.Ctx, &frameworkv1.DraftFrameworkRequest{RequestId: "commissioner-draft", Terms: gmTerms()})
	servicetest.WantCode(t, err, codes.PermissionDenied)

	_, err = h.provider(p1).OpenForBids(h.Ctx, &frameworkv1.OpenForBidsRequest{RequestId: "provider-opens-01", FrameworkId: id, BidsCloseAt: timestamppb.New(h.Clock.Now().Add(time.Hour))})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.lead().SubmitBid(h.Ctx, &frameworkv1.SubmitBidRequest{RequestId: "lead-bids-0001", FrameworkId: id, LotId: "lot-1", WeeklyPricePence: 450000, QualityAnswers: answers("x")})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	responder := h.as("responder."+p1, auth.ProviderOrg(p1), auth.ProviderResponder)
	_, err = responder.SubmitBid(h.Ctx, &frameworkv1.SubmitBidRequest{RequestId: "responder-bids-1", FrameworkId: id, LotId: "lot-1", WeeklyPricePence: 450000, QualityAnswers: answers("x")})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.provider(p1).GetDecisionLog(h.Ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: id, MinPosition: h.LastPosition()})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = h.as("root", auth.OrgPlatform, auth.PlatformAdmin).TerminateFramework(h.Ctx, &frameworkv1.TerminateFrameworkRequest{RequestId: "platform-terminates", FrameworkId: id, Reason: "No"})
	servicetest.WantCode(t, err, codes.PermissionDenied)

	// No token, a token that is not a JWT, a token signed by another key.
	for name, tok := range map[string]string{"none": "", "garbage": "not-a-jwt", "foreign key": foreignToken(t)} {
		_, err = h.anonymous(tok).ListFrameworks(h.Ctx, &frameworkv1.ListFrameworksRequest{MinPosition: h.LastPosition()})
		if st := servicetest.WantCode(t, err, codes.Unauthenticated); st.Message() == "" {
			t.Errorf("%s: UNAUTHENTICATED without a message", name)
		}
		_, err = h.anonymous(tok).DraftFramework(h.Ctx, &frameworkv1.DraftFrameworkRequest{})
		servicetest.WantCode(t, err, codes.Unauthenticated)
	}
	if after := h.LastPosition(); after != before {
		t.Fatalf("refused callers wrote to the store: position %d → %d", before, after)
	}
}

// foreignToken is a well-formed token for a consortium lead signed by a key
// the service does not trust.
func foreignToken(t *testing.T) string {
	t.Helper()
	key, err := auth.LoadOrCreateDevKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := auth.IssueToken(key, auth.Principal{Subject: "mallory", Organisation: auth.ConsortiumOrg(consortium), Roles: []string{auth.ConsortiumLead}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Organisations see and change only what is theirs.
func TestOtherOrganisations(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	lead, other := h.lead(), h.otherLead()
	manchester, liverpool := h.council("352"), h.council("341")

	// A draft is for its consortium, its member councils and the platform.
	draftID := h.draft("draft-invisible-01").GetFrameworkId()
	for _, c := range []*caller{h.provider(p1), liverpool, other} {
		_, err := c.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: draftID, MinPosition: h.LastPosition()})
		servicetest.WantCode(t, err, codes.NotFound)
		if list := must(c.ListFrameworks(ctx, &frameworkv1.ListFrameworksRequest{MinPosition: h.LastPosition()})).OK(t); len(list.GetFrameworks()) != 0 {
			t.Errorf("%s lists a draft it may not see: %v", c.Org, list.GetFrameworks())
		}
	}
	_, err := liverpool.GetDecisionLog(ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: draftID, MinPosition: h.LastPosition()})
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = h.provider(p1).ListBids(ctx, &frameworkv1.ListBidsRequest{FrameworkId: draftID, MinPosition: h.LastPosition()})
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = h.provider(p1).ListPriceUplifts(ctx, &frameworkv1.ListPriceUpliftsRequest{FrameworkId: draftID, MinPosition: h.LastPosition()})
	servicetest.WantCode(t, err, codes.NotFound)
	for _, c := range []*caller{lead, manchester, h.auditor()} {
		must(c.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: draftID, MinPosition: h.LastPosition()})).OK(t)
	}

	// Another consortium's lead cannot change north-west's framework: a
	// draft it may not see does not exist for it.
	before := h.LastPosition()
	_, err = other.AmendFramework(ctx, &frameworkv1.AmendFrameworkRequest{RequestId: "hostile-amend-01", FrameworkId: draftID, Terms: gmTerms(), Reason: "Take it over"})
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = other.AddMemberCouncil(ctx, &frameworkv1.AddMemberCouncilRequest{RequestId: "hostile-add-0001", FrameworkId: draftID, LaCode: "381", Reason: "Join us"})
	servicetest.WantCode(t, err, codes.NotFound)

	id := h.scored("draft-visible-0001")
	_, err = other.AwardFramework(ctx, &frameworkv1.AwardFrameworkRequest{RequestId: "hostile-award-01", FrameworkId: id, Lots: standardAward(), Reason: "Award it ourselves"})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = other.TerminateFramework(ctx, &frameworkv1.TerminateFrameworkRequest{RequestId: "hostile-terminate", FrameworkId: id, Reason: "Stop it"})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	if after := h.LastPosition(); h.CommitsBetween(before, after) != 2+2*len(standardBids) {
		t.Fatalf("store moved from %d to %d: the refused commands wrote something", before, after)
	}
	if fw := must(lead.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t); fw.GetStatus() != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EVALUATING {
		t.Fatalf("after the refused award the framework is %v", fw.GetStatus())
	}

	// Published, the framework is a notice anyone may read; its governance
	// record is for its member councils, its consortium and the auditors.
	must(liverpool.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)
	_, err = liverpool.GetDecisionLog(ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: id, MinPosition: h.LastPosition()})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = other.GetDecisionLog(ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: id, MinPosition: h.LastPosition()})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	_, err = liverpool.ListPriceUplifts(ctx, &frameworkv1.ListPriceUpliftsRequest{FrameworkId: id, MinPosition: h.LastPosition()})
	servicetest.WantCode(t, err, codes.PermissionDenied)
	must(manchester.GetDecisionLog(ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)

	// A provider sees its own bids only, with or without a framework filter.
	for _, p := range []string{p1, p2, p3} {
		var mine []bid
		for _, b := range standardBids {
			if b.provider == p {
				mine = append(mine, b)
			}
		}
		for _, filter := range []string{id, ""} {
			bids := must(h.provider(p).ListBids(ctx, &frameworkv1.ListBidsRequest{FrameworkId: filter, MinPosition: h.LastPosition()})).OK(t).GetBids()
			if len(bids) != len(mine) {
				t.Errorf("%s (filter %q) sees %d bids, want its own %d", p, filter, len(bids), len(mine))
			}
			for _, b := range bids {
				if b.GetProviderId() != p {
					t.Errorf("%s sees %s's bid on %s at %d pence", p, b.GetProviderId(), b.GetLotId(), b.GetWeeklyPricePence())
				}
			}
		}
	}
	if bids := must(h.provider("never-bid-ltd").ListBids(ctx, &frameworkv1.ListBidsRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t).GetBids(); len(bids) != 0 {
		t.Errorf("a provider that never bid sees %d bids", len(bids))
	}
	if bids := must(other.ListBids(ctx, &frameworkv1.ListBidsRequest{MinPosition: h.LastPosition()})).OK(t).GetBids(); len(bids) != 0 {
		t.Errorf("another consortium's lead sees %d of north-west's bids", len(bids))
	}
	if bids := must(lead.ListBids(ctx, &frameworkv1.ListBidsRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t).GetBids(); len(bids) != len(standardBids) {
		t.Errorf("the lead sees %d bids, want all %d", len(bids), len(standardBids))
	}
}

// A stale expected_version is refused; concurrent commands either all land,
// in a dense order, or — when they conflict — exactly one does.
func TestConcurrency(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	lead := h.lead()
	id := h.draft("draft-concurrency-1").GetFrameworkId()

	// Stale expected_version: ABORTED, nothing written.
	v2 := must(lead.AddMemberCouncil(ctx, &frameworkv1.AddMemberCouncilRequest{RequestId: "add-halton-000001", FrameworkId: id, LaCode: "876", Reason: "Halton joins the commissioning group", ExpectedVersion: 1})).OK(t)
	if v2.GetStreamVersion() != 2 {
		t.Fatalf("version %d after the first change, want 2", v2.GetStreamVersion())
	}
	before := h.LastPosition()
	amended := gmTerms()
	amended.Title = "Greater Manchester Residential Children's Homes (amended)"
	_, err := lead.AmendFramework(ctx, &frameworkv1.AmendFrameworkRequest{RequestId: "amend-stale-00001", FrameworkId: id, Terms: amended, Reason: "Retitle", ExpectedVersion: 1})
	servicetest.WantCode(t, err, codes.Aborted)
	if h.LastPosition() != before {
		t.Fatal("a stale amendment wrote to the store")
	}
	res := must(lead.AmendFramework(ctx, &frameworkv1.AmendFrameworkRequest{RequestId: "amend-fresh-00001", FrameworkId: id, Terms: amended, Reason: "Retitle", ExpectedVersion: 2})).OK(t)
	if res.GetStreamVersion() != 3 {
		t.Fatalf("amendment at version %d, want 3", res.GetStreamVersion())
	}

	// Eight councils join at once, without an expected version: every one
	// lands through the repository's retry, at versions 4..11.
	councils := []string{"340", "341", "342", "343", "344", "877", "888", "909"}
	versions := make([]uint64, len(councils))
	errs := make([]error, len(councils))
	var wg sync.WaitGroup
	startLine := make(chan struct{})
	for i, la := range councils {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startLine
			res, err := lead.AddMemberCouncil(ctx, &frameworkv1.AddMemberCouncilRequest{RequestId: "join-" + la + "-concurrently", FrameworkId: id, LaCode: la, Reason: "Joins the framework"})
			if err == nil {
				versions[i] = res.GetStreamVersion()
			}
			errs[i] = err
		}()
	}
	close(startLine)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("council %s: %v", councils[i], err)
		}
	}
	sort.Slice(versions, func(i, j int) bool { return versions[i] < versions[j] })
	for i, v := range versions {
		if v != uint64(4+i) {
			t.Fatalf("concurrent commands landed at versions %v, want 4..11", versions)
		}
	}
	log := must(lead.GetDecisionLog(ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t).GetDecisions()
	for i, d := range log {
		if d.GetVersion() != uint64(i+1) {
			t.Fatalf("decision %d has version %d: versions are not dense", i+1, d.GetVersion())
		}
	}
	fw := must(lead.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)
	// The amendment replaced the members with the ten of gmTerms, Halton
	// included no more; the eight joined after it.
	if fw.GetVersion() != 11 || len(fw.GetMemberCouncils()) != 10+len(councils) {
		t.Fatalf("after the concurrent joins: version %d, %d members", fw.GetVersion(), len(fw.GetMemberCouncils()))
	}

	// Two leads amend from the same version at once: one wins, one is told
	// to reload. Several rounds, so that the race is really run.
	for round := range 3 {
		fw := must(lead.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)
		titles := []string{fmt.Sprintf("Round %d: title A", round), fmt.Sprintf("Round %d: title B", round)}
		errs := make([]error, 2)
		var wg sync.WaitGroup
		startLine := make(chan struct{})
		for i, title := range titles {
			wg.Add(1)
			go func() {
				defer wg.Done()
				terms := gmTerms()
				terms.Title = title
				<-startLine
				_, errs[i] = lead.AmendFramework(ctx, &frameworkv1.AmendFrameworkRequest{
					RequestId: fmt.Sprintf("amend-race-%d-%d", round, i), FrameworkId: id, Terms: terms, Reason: "Retitle", ExpectedVersion: fw.GetVersion(),
				})
			}()
		}
		close(startLine)
		wg.Wait()
		won := -1
		for i, err := range errs {
			if err == nil {
				if won >= 0 {
					t.Fatalf("round %d: both amendments from version %d succeeded", round, fw.GetVersion())
				}
				won = i
				continue
			}
			servicetest.WantCode(t, err, codes.Aborted)
		}
		if won < 0 {
			t.Fatalf("round %d: neither amendment succeeded", round)
		}
		after := must(lead.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)
		if after.GetVersion() != fw.GetVersion()+1 || after.GetTitle() != titles[won] {
			t.Fatalf("round %d: version %d title %q, want %d %q", round, after.GetVersion(), after.GetTitle(), fw.GetVersion()+1, titles[won])
		}
	}
}

// A retried request is applied once and answers as the first attempt did.
func TestIdempotentRetry(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	lead := h.lead()

	req := &frameworkv1.DraftFrameworkRequest{RequestId: "draft-retried-0001", Terms: gmTerms()}
	first := must(lead.DraftFramework(ctx, req)).OK(t)
	before := h.LastPosition()
	again := must(lead.DraftFramework(ctx, req)).OK(t)
	if !proto.Equal(first, again) {
		t.Fatalf("retried draft answered %v, first %v", again, first)
	}
	if h.LastPosition() != before {
		t.Fatal("the retried draft wrote to the store")
	}
	if list := must(lead.ListFrameworks(ctx, &frameworkv1.ListFrameworksRequest{MinPosition: before})).OK(t); len(list.GetFrameworks()) != 1 {
		t.Fatalf("%d frameworks after a retried draft, want 1", len(list.GetFrameworks()))
	}

	// Four copies of one draft at once (a client retrying on a timeout while
	// the first is in flight): one framework, one answer.
	req = &frameworkv1.DraftFrameworkRequest{RequestId: "draft-raced-00001", Terms: gmTerms()}
	replies := make([]*frameworkv1.CommandResponse, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range replies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies[i], errs[i] = lead.DraftFramework(ctx, req)
		}()
	}
	wg.Wait()
	for i := range replies {
		if errs[i] != nil {
			t.Fatalf("copy %d: %v", i, errs[i])
		}
		if !proto.Equal(replies[i], replies[0]) {
			t.Fatalf("copies answered differently: %v and %v", replies[0], replies[i])
		}
	}
	if list := must(lead.ListFrameworks(ctx, &frameworkv1.ListFrameworksRequest{MinPosition: h.LastPosition()})).OK(t); len(list.GetFrameworks()) != 2 {
		t.Fatalf("%d frameworks, want 2", len(list.GetFrameworks()))
	}

	// A bid retried after other commands landed answers with the original
	// result and changes nothing: the later amendment stands.
	id := first.GetFrameworkId()
	h.open(id)
	bidReq := &frameworkv1.SubmitBidRequest{RequestId: "bid-nlc-lot1-00001", FrameworkId: id, LotId: "lot-1", WeeklyPricePence: 480000, QualityAnswers: answers("A named key worker for every child.")}
	original := must(h.provider(p1).SubmitBid(ctx, bidReq)).OK(t)
	h.submit(id, bid{p2, "lot-1", 430000, 0}, "bid-pennine-lot1-01")
	amended := h.submit(id, bid{p1, "lot-1", 465000, 0}, "bid-nlc-lot1-00002")
	before = h.LastPosition()
	retried := must(h.provider(p1).SubmitBid(ctx, bidReq)).OK(t)
	if !proto.Equal(retried, original) {
		t.Fatalf("retried bid answered %v, the original %v", retried, original)
	}
	if h.LastPosition() != before {
		t.Fatal("the retried bid wrote to the store")
	}
	bids := must(h.provider(p1).ListBids(ctx, &frameworkv1.ListBidsRequest{FrameworkId: id, MinPosition: amended.GetPosition()})).OK(t).GetBids()
	if len(bids) != 1 || bids[0].GetWeeklyPricePence() != 465000 {
		t.Fatalf("after the retry Northern Lights' bids are %v, want the amended 465000", bids)
	}

	// Request ids are the caller's own: another provider that happens to
	// choose the same id is not mistaken for a retry.
	collide := &frameworkv1.SubmitBidRequest{RequestId: bidReq.GetRequestId(), FrameworkId: id, LotId: "lot-1", WeeklyPricePence: 455000, QualityAnswers: answers("A named key worker for every child.")}
	res := must(h.provider(p3).SubmitBid(ctx, collide)).OK(t)
	if res.GetPosition() == original.GetPosition() {
		t.Fatalf("Irwell House's bid was taken for Northern Lights' retry: %v", res)
	}
	bids = must(h.provider(p3).ListBids(ctx, &frameworkv1.ListBidsRequest{FrameworkId: id, MinPosition: res.GetPosition()})).OK(t).GetBids()
	if len(bids) != 1 || bids[0].GetWeeklyPricePence() != 455000 {
		t.Fatalf("Irwell House's bids: %v", bids)
	}
}

// Stopping and starting the service loses nothing: the read model rebuilt
// from the stream answers every query exactly as before, and new commands
// carry on from the right versions.
func TestRestart(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	id := h.active("draft-restart-0001")
	draftID := h.draft("draft-restart-0002").GetFrameworkId()
	must(h.provider(p2).RequestPriceUplift(ctx, &frameworkv1.RequestPriceUpliftRequest{RequestId: "uplift-restart-01", FrameworkId: id, LotId: "lot-1", RequestedWeeklyPence: 445000, EffectiveFrom: "2026-04-01", Justification: "Energy costs"})).OK(t)
	must(h.lead().SuspendProvider(ctx, &frameworkv1.ProviderOnLotRequest{RequestId: "suspend-restart-1", FrameworkId: id, LotId: "lot-2", ProviderId: p3, Reason: "Inadequate judgement"})).OK(t)
	last := h.LastPosition()

	snapshot := func() []proto.Message {
		t.Helper()
		lead, manchester, pennine := h.lead(), h.council("352"), h.provider(p2)
		var out []proto.Message
		for _, fwID := range []string{id, draftID} {
			out = append(out,
				must(lead.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: fwID, MinPosition: last})).OK(t),
				must(lead.GetDecisionLog(ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: fwID, MinPosition: last})).OK(t),
				must(lead.ListBids(ctx, &frameworkv1.ListBidsRequest{FrameworkId: fwID, MinPosition: last})).OK(t),
				must(lead.ListPriceUplifts(ctx, &frameworkv1.ListPriceUpliftsRequest{FrameworkId: fwID, MinPosition: last})).OK(t),
			)
		}
		return append(out,
			must(lead.ListFrameworks(ctx, &frameworkv1.ListFrameworksRequest{MinPosition: last})).OK(t),
			must(manchester.ListFrameworks(ctx, &frameworkv1.ListFrameworksRequest{MinPosition: last})).OK(t),
			must(pennine.ListFrameworks(ctx, &frameworkv1.ListFrameworksRequest{MinPosition: last})).OK(t),
			must(pennine.ListBids(ctx, &frameworkv1.ListBidsRequest{MinPosition: last})).OK(t),
			must(pennine.ListPriceUplifts(ctx, &frameworkv1.ListPriceUpliftsRequest{FrameworkId: id, MinPosition: last})).OK(t),
			must(manchester.GetDecisionLog(ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: id, MinPosition: last})).OK(t),
		)
	}
	before := snapshot()
	fw := before[0].(*frameworkv1.Framework)

	h.restart()
	// The restarted model came from the snapshot saved at the stop: these
	// answers compare it with the one replayed from the start (issue 16).
	if r := h.svc.App.ReadModels()[0]; r.RestoredAt() != last {
		t.Errorf("restarted from a snapshot at %d, want %d", r.RestoredAt(), last)
	}
	after := snapshot()
	for i := range before {
		if !proto.Equal(before[i], after[i]) {
			t.Errorf("answer %d (%T) differs after the restart:\nbefore %v\nafter  %v", i, before[i], before[i], after[i])
		}
	}

	// New commands continue from where the stream is.
	res := must(h.lead().ApprovePriceUplift(ctx, &frameworkv1.DecidePriceUpliftRequest{RequestId: "approve-after-restart", FrameworkId: id, UpliftId: "up-1", Reason: "Evidence accepted"})).OK(t)
	if res.GetStreamVersion() != fw.GetVersion()+1 || h.CommitsBetween(last, res.GetPosition()) != 1 {
		t.Fatalf("first command after the restart at version %d position %d, want %d and the commit after %d", res.GetStreamVersion(), res.GetPosition(), fw.GetVersion()+1, last)
	}
	res = must(h.provider(p2).RequestPriceUplift(ctx, &frameworkv1.RequestPriceUpliftRequest{RequestId: "uplift-restart-02", FrameworkId: id, LotId: "lot-1", RequestedWeeklyPence: 460000, EffectiveFrom: "2027-04-01", Justification: "Second year"})).OK(t)
	if res.GetUpliftId() != "up-2" || res.GetStreamVersion() != fw.GetVersion()+2 {
		t.Fatalf("second uplift after the restart: %v", res)
	}
	// A request id used before the restart is still recognised as a retry.
	dup := must(h.lead().SuspendProvider(ctx, &frameworkv1.ProviderOnLotRequest{RequestId: "suspend-restart-1", FrameworkId: id, LotId: "lot-2", ProviderId: p3, Reason: "Inadequate judgement"})).OK(t)
	if dup.GetStreamVersion() != fw.GetVersion() || dup.GetPosition() != last {
		t.Fatalf("retry of a pre-restart request answered %v", dup)
	}
}

// Stop may be called more than once, and Done still reports the end of
// serving afterwards (a host that waits on Done, then defers Stop, must not hang).
func TestStopIsIdempotent(t *testing.T) {
	h := newHarness(t)
	h.svc.Stop()
	select {
	case err := <-h.svc.Done():
		if err != nil {
			t.Fatalf("Done after Stop: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Done did not report the end of serving after Stop")
	}
	stopped := make(chan struct{})
	go func() {
		h.svc.Stop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("a second Stop hangs")
	}
}
