package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/monitoring/app"
	"github.com/carecoop/carecoop/services/monitoring/domain"
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

// Issue 10, item 2: a provider asks about another provider's home, returns,
// compliance, burden, risk, alerts and decision logs: none of it exists
// for it.
func TestProviderReadsNothingOfAnotherProvider(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dps := h.market()
	pl := h.place(dps, "352", "ref-352-a", provA, "SC100001")
	h.file(provA, "SC100001", "2026-10")
	ofsted(h, "SC100001", purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE, "ofsted-sc100001-views")
	h.eventually("the lead's alerts about A", func() bool {
		return len(must(h.lead().ListAlerts(ctx, &monitoringv1.ListAlertsRequest{MinPosition: h.pos()})).OK(t).GetAlerts()) > 0
	})
	b := h.providerAdmin(provB)
	pos := h.pos()

	for what, call := range map[string]func() error{
		"A's compliance": func() error {
			_, err := b.ListReturnCompliance(ctx, &monitoringv1.ListReturnComplianceRequest{ProviderId: provA, MinPosition: pos})
			return err
		},
		"A's burden": func() error {
			_, err := b.GetMonitoringBurden(ctx, &monitoringv1.GetMonitoringBurdenRequest{ProviderId: provA, MinPosition: pos})
			return err
		},
		"the consortium's compliance": func() error {
			_, err := b.ListReturnCompliance(ctx, &monitoringv1.ListReturnComplianceRequest{Consortium: consortium, MinPosition: pos})
			return err
		},
		"A's contract": func() error {
			_, err := b.GetContract(ctx, &monitoringv1.GetContractRequest{ContractId: pl, MinPosition: pos})
			return err
		},
	} {
		if err := call(); status.Code(err) != codes.NotFound {
			t.Errorf("provider B asks for %s: %v, want NOT_FOUND", what, err)
		}
	}
	for agg, id := range map[string]string{
		app.ContractAggregate: pl, app.SettingAggregate: "SC100001", app.ProviderAggregate: provA, app.RiskAggregate: domain.RiskID(consortium, provA),
	} {
		_, err := b.GetDecisionLog(ctx, &monitoringv1.GetDecisionLogRequest{Aggregate: agg, Id: id, MinPosition: pos})
		if status.Code(err) != codes.NotFound {
			t.Errorf("provider B asks for the %s log of %s: %v, want NOT_FOUND", agg, id, err)
		}
	}
	for _, a := range must(b.ListAlerts(ctx, &monitoringv1.ListAlertsRequest{MinPosition: pos})).OK(t).GetAlerts() {
		if a.GetProviderId() != provB {
			t.Errorf("provider B's inbox has an alert about %s: %v", a.GetProviderId(), a.GetReasons())
		}
	}
	if r := must(b.ListRiskLevels(ctx, &monitoringv1.ListRiskLevelsRequest{MinPosition: pos})).OK(t).GetProviders(); len(r) != 1 || r[0].GetProviderId() != provB {
		t.Errorf("provider B reads risk levels %v, want its own only", r)
	}
}
