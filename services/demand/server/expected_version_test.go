package server_test

import (
	"testing"

	"google.golang.org/grpc/codes"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 11, item 9: a council's return for a date and a consortium's
// disclosure policy take the version the caller last saw. One that has
// moved on since answers ABORTED and nothing is written; the version the
// caller saw is accepted.
func TestCommandsRefuseAStaleVersionAndWriteNothing(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	h.dps()
	must(h.analyst("352").SubmitNeedsReturn(ctx, small(thisYear, 12))).OK(t)
	second := small(thisYear, 14)
	second.RequestId = "small-corrected-1"
	returned := must(h.analyst("352").SubmitNeedsReturn(ctx, second)).OK(t).GetStreamVersion()
	must(h.dlead().SetDisclosurePolicy(ctx, &demandv1.SetDisclosurePolicyRequest{RequestId: "policy-threshold-7", Threshold: 7, MinPriceProviders: 3,
		Reason: "Agreed at the consortium board"})).OK(t)
	policy := must(h.dlead().SetDisclosurePolicy(ctx, &demandv1.SetDisclosurePolicyRequest{RequestId: "policy-threshold-8", Threshold: 8, MinPriceProviders: 3,
		Reason: "Agreed again at the consortium board"})).OK(t).GetStreamVersion()
	before := h.pos()

	// Each caller saw its aggregate one change ago.
	third := small(thisYear, 15)
	third.RequestId, third.ExpectedVersion = "small-stale-00001", returned-1
	_, err := h.analyst("352").SubmitNeedsReturn(ctx, third)
	servicetest.WantCode(t, err, codes.Aborted)
	w := withdrawal("withdraw-stale-001", "352", thisYear, 2)
	w.ExpectedVersion = returned - 1
	_, err = h.analyst("352").WithdrawNeedsReturn(ctx, w)
	servicetest.WantCode(t, err, codes.Aborted)
	_, err = h.dlead().SetDisclosurePolicy(ctx, &demandv1.SetDisclosurePolicyRequest{RequestId: "policy-stale-00001", Threshold: 9, MinPriceProviders: 3,
		Reason: "Agreed once more", ExpectedVersion: policy - 1})
	servicetest.WantCode(t, err, codes.Aborted)
	if after := h.pos(); after != before {
		t.Fatalf("stale commands wrote: the store moved from %d to %d", before, after)
	}

	// The version the caller saw is still the aggregate's: accepted.
	w.RequestId, w.ExpectedVersion = "withdraw-fresh-001", returned
	must(h.analyst("352").WithdrawNeedsReturn(ctx, w)).OK(t)
	must(h.dlead().SetDisclosurePolicy(ctx, &demandv1.SetDisclosurePolicyRequest{RequestId: "policy-fresh-00001", Threshold: 9, MinPriceProviders: 3,
		Reason: "Agreed once more", ExpectedVersion: policy})).OK(t)
}
