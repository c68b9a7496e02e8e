package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/monitoring/app"
)

// Issue 10, item 2: a framework contract's weekly price is for the councils
// that may call it off now. A council removed from the framework reads
// neither the contracts nor their log any more; a council added reads them;
// a provider reads its own and never another's.
func TestFrameworkContractPricesOnlyForItsMembersNow(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	fw := h.frameworkWithA()
	fcA, fcB := app.FrameworkContractID(fw, "lot-1", provA), app.FrameworkContractID(fw, "lot-1", provB)
	h.eventually("framework contracts", func() bool {
		return len(must(h.lead().ListContracts(ctx, &monitoringv1.ListContractsRequest{})).OK(t).GetContracts()) == 2
	})
	listed := func(c monitoringv1.MonitoringServiceClient) []string {
		t.Helper()
		return contractIDs(must(c.ListContracts(ctx, &monitoringv1.ListContractsRequest{MinPosition: h.pos()})).OK(t))
	}
	prices := func(who string, c monitoringv1.MonitoringServiceClient) {
		t.Helper()
		if got := listed(c); !slices.Equal(got, []string{fcA, fcB}) {
			t.Errorf("%s lists %v, want both framework contracts", who, got)
		}
		for _, id := range []string{fcA, fcB} {
			if v := must(c.GetContract(ctx, &monitoringv1.GetContractRequest{ContractId: id, MinPosition: h.pos()})).OK(t); v.GetWeeklyPricePence() != 480000 {
				t.Errorf("%s reads %s at %d a week, want 480000", who, id, v.GetWeeklyPricePence())
			}
		}
	}
	prices("member council 353", h.viewer("353"))

	// Provider B asks for A's contract: it does not exist for B.
	_, err := h.responder(provB).GetContract(ctx, &monitoringv1.GetContractRequest{ContractId: fcA, MinPosition: h.pos()})
	servicetest.WantCode(t, err, codes.NotFound)
	if got := listed(h.responder(provB)); !slices.Equal(got, []string{fcB}) {
		t.Errorf("provider B lists %v, want its own contract only", got)
	}

	// The lead takes 353 off the framework and puts 356 on it.
	must(h.flead().RemoveMemberCouncil(ctx, &frameworkv1.RemoveMemberCouncilRequest{RequestId: "remove-member-353", FrameworkId: fw, LaCode: "353",
		Reason: "Council 353 now buys residential places through its own framework"})).OK(t)
	must(h.flead().AddMemberCouncil(ctx, &frameworkv1.AddMemberCouncilRequest{RequestId: "add-member-356", FrameworkId: fw, LaCode: "356",
		Reason: "Council 356 joined the consortium's residential framework"})).OK(t)

	// 353 asks again, as it did while a member: nothing.
	if got := listed(h.viewer("353")); len(got) != 0 {
		t.Errorf("council 353, no longer a member, lists %v", got)
	}
	for _, id := range []string{fcA, fcB} {
		_, err := h.viewer("353").GetContract(ctx, &monitoringv1.GetContractRequest{ContractId: id, MinPosition: h.pos()})
		servicetest.WantCode(t, err, codes.NotFound)
		_, err = h.viewer("353").GetDecisionLog(ctx, &monitoringv1.GetDecisionLogRequest{Aggregate: app.ContractAggregate, Id: id, MinPosition: h.pos()})
		servicetest.WantCode(t, err, codes.NotFound)
	}
	// 356 may call the framework off now: it reads the contracts, and
	// they name it, not 353, among the councils that may.
	prices("new member council 356", h.viewer("356"))
	v := must(h.viewer("356").GetContract(ctx, &monitoringv1.GetContractRequest{ContractId: fcA, MinPosition: h.pos()})).OK(t)
	if m := v.GetMemberCouncils(); !slices.Contains(m, "356") || slices.Contains(m, "353") {
		t.Errorf("the contract names member councils %v, want 356 and not 353", m)
	}
}
