package server_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 10, item 2: a framework past draft is a notice anyone may read, but
// prices, scores, ranks and suspension reasons are for the running
// consortium, its member councils and the platform — and each provider's
// own to that provider.
func TestFrameworkReadsShowCommercialsOnlyToThoseEntitled(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	id := h.active("commercials-fw-01")
	const reason = "warned of likely financial failure"
	must(h.lead().SuspendProvider(ctx, &frameworkv1.ProviderOnLotRequest{RequestId: "suspend-irwell-c1", FrameworkId: id, LotId: "lot-2", ProviderId: p3, Reason: reason})).OK(t)

	get := func(c *caller) *frameworkv1.Framework {
		t.Helper()
		return must(c.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t)
	}
	listed := func(c *caller) *frameworkv1.Framework {
		t.Helper()
		for _, fw := range must(c.ListFrameworks(ctx, &frameworkv1.ListFrameworksRequest{MinPosition: h.LastPosition()})).OK(t).GetFrameworks() {
			if fw.GetFrameworkId() == id {
				return fw
			}
		}
		t.Fatalf("%s does not list the published framework", c.Org)
		return nil
	}
	full := func(lp *frameworkv1.LotProvider) bool {
		return lp.GetRank() != 0 && lp.GetTotalScore() != 0 && lp.GetWeeklyPricePence() != 0 && lp.GetStatus() != frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_UNSPECIFIED
	}
	bare := func(lp *frameworkv1.LotProvider) bool {
		return lp.GetRank() == 0 && lp.GetTotalScore() == 0 && lp.GetWeeklyPricePence() == 0 && lp.GetSuspensionReason() == "" &&
			lp.GetStatus() == frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_UNSPECIFIED
	}

	// Everyone entitled sees everything, the suspension reason included.
	for _, c := range []*caller{h.lead(), h.council("352"), h.auditor()} {
		for _, fw := range []*frameworkv1.Framework{get(c), listed(c)} {
			for _, l := range fw.GetLots() {
				for _, lp := range l.GetProviders() {
					if !full(lp) {
						t.Errorf("%s reads %s on %s without its commercials: %v", c.Org, lp.GetProviderId(), l.GetTerms().GetLotId(), lp)
					}
				}
			}
			if got := lotProvider(fw, "lot-2", p3).GetSuspensionReason(); got != reason {
				t.Errorf("%s reads the suspension reason %q, want %q", c.Org, got, reason)
			}
		}
	}

	// A provider reads its own rank, score, price and suspension reason,
	// and no other provider's; others read who was admitted and nothing more.
	outsiders := []*caller{h.provider(p1), h.provider(p2), h.provider(p3), h.provider("never-bid-ltd"), h.council("341"), h.otherLead()}
	for _, c := range outsiders {
		for _, fw := range []*frameworkv1.Framework{get(c), listed(c)} {
			admitted := 0
			for _, l := range fw.GetLots() {
				if l.GetBidCount() != 0 {
					t.Errorf("%s reads lot %s's bid count %d", c.Org, l.GetTerms().GetLotId(), l.GetBidCount())
				}
				for _, lp := range l.GetProviders() {
					admitted++
					own := c.Org == auth.ProviderOrg(lp.GetProviderId())
					switch {
					case own && !full(lp):
						t.Errorf("%s cannot read its own admission on %s: %v", c.Org, l.GetTerms().GetLotId(), lp)
					case !own && !bare(lp):
						t.Errorf("%s reads %s's commercials on %s: %v", c.Org, lp.GetProviderId(), l.GetTerms().GetLotId(), lp)
					}
					if lp.GetProviderId() == "" {
						t.Errorf("%s cannot read who was admitted", c.Org)
					}
				}
			}
			if admitted != 4 {
				t.Errorf("%s sees %d admissions, want the 4 made", c.Org, admitted)
			}
		}
	}
	if got := lotProvider(get(h.provider(p3)), "lot-2", p3).GetSuspensionReason(); got != reason {
		t.Errorf("the suspended provider reads its reason as %q, want %q", got, reason)
	}
	// The order of a lot's providers would tell the ranks: outsiders read
	// them by id. On lot-1 p2 ranks first, but p1 sorts first.
	if got := rankedProviders(get(h.council("341")), "lot-1"); len(got) != 2 || !strings.HasPrefix(got[0], p1+":") {
		t.Errorf("an outsider reads lot-1 as %v: in rank order", got)
	}

	// Bids: the member councils read them too; a provider its own only.
	if bids := must(h.council("352").ListBids(ctx, &frameworkv1.ListBidsRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t).GetBids(); len(bids) != len(standardBids) {
		t.Errorf("a member council reads %d bids, want %d", len(bids), len(standardBids))
	}
	if bids := must(h.council("341").ListBids(ctx, &frameworkv1.ListBidsRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t).GetBids(); len(bids) != 0 {
		t.Errorf("a council outside the framework reads %d bids", len(bids))
	}
}

// Issue 10, item 4: a caller that may not see a framework gets NOT_FOUND from
// every command, before any version check, and a refusal never names
// another organisation.
func TestRefusalsAnswerNoQuestions(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	other := h.otherLead()
	draftID := h.draft("probe-draft-0001").GetFrameworkId()
	before := h.LastPosition()

	// The draft does not exist for them: whatever the version they claim.
	quiet := func(who string, v uint64, err error) {
		t.Helper()
		st := servicetest.WantCode(t, err, codes.NotFound)
		if strings.Contains(st.Message(), consortium) || strings.Contains(st.Message(), "version") {
			t.Errorf("%s (expected_version %d) is told %q", who, v, st.Message())
		}
	}
	for _, v := range []uint64{0, 1, 999} {
		_, err := other.OpenForBids(ctx, &frameworkv1.OpenForBidsRequest{RequestId: "probe-open-0001", FrameworkId: draftID, ExpectedVersion: v,
			BidsCloseAt: timestamppb.New(h.Clock.Now().Add(closeIn))})
		quiet(other.Org, v, err)
		_, err = other.AmendFramework(ctx, &frameworkv1.AmendFrameworkRequest{RequestId: "probe-amend-0001", FrameworkId: draftID, Terms: gmTerms(), Reason: "Probe", ExpectedVersion: v})
		quiet(other.Org, v, err)
		_, err = h.provider(p1).SubmitBid(ctx, &frameworkv1.SubmitBidRequest{RequestId: "probe-bid-00001", FrameworkId: draftID, LotId: "lot-1", WeeklyPricePence: 400000,
			QualityAnswers: answers("Probe")})
		quiet(p1, v, err)
	}
	if after := h.LastPosition(); after != before {
		t.Fatalf("refused commands wrote: store moved from %d to %d", before, after)
	}
	// A framework that was never drafted answers the same as one they may
	// not see.
	_, err := other.OpenForBids(ctx, &frameworkv1.OpenForBidsRequest{RequestId: "probe-open-0002", FrameworkId: "fw-0000000000000000000a", ExpectedVersion: 999,
		BidsCloseAt: timestamppb.New(h.Clock.Now().Add(closeIn))})
	servicetest.WantCode(t, err, codes.NotFound)

	// A published framework is visible, so changing it is refused as not
	// theirs — without naming whose it is.
	id := h.active("probe-active-001")
	before = h.LastPosition()
	_, err = other.TerminateFramework(ctx, &frameworkv1.TerminateFrameworkRequest{RequestId: "probe-terminate", FrameworkId: id, Reason: "Probe"})
	st := servicetest.WantCode(t, err, codes.PermissionDenied)
	if strings.Contains(st.Message(), consortium) {
		t.Errorf("the refusal names the owner: %q", st.Message())
	}
	if after := h.LastPosition(); after != before {
		t.Fatalf("refused commands wrote: store moved from %d to %d", before, after)
	}
	// Those who may see it still learn of a stale version.
	_, err = h.lead().AmendFramework(ctx, &frameworkv1.AmendFrameworkRequest{RequestId: "lead-amend-0001", FrameworkId: draftID, Terms: gmTerms(), Reason: "Retitle", ExpectedVersion: 999})
	servicetest.WantCode(t, err, codes.Aborted)
}
