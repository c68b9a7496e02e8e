package server_test

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/monitoring/app"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

func contractIDs(r *monitoringv1.ListContractsResponse) []string {
	var out []string
	for _, c := range r.GetContracts() {
		out = append(out, c.GetContractId())
	}
	slices.Sort(out)
	return out
}

// Contracts come from awards: a placement from purchasing's award, one per
// provider and lot from framework's; each party sees its own.
func TestContractsFromAwards(t *testing.T) {
	h := newHarness(t)
	fw := h.frameworkWithA()
	dps := h.market()
	pl := h.place(dps, "352", "ref-352-a", provA, "SC100001")
	fcA, fcB := app.FrameworkContractID(fw, "lot-1", provA), app.FrameworkContractID(fw, "lot-1", provB)
	h.eventually("framework contracts", func() bool {
		return len(must(h.lead().ListContracts(h.Ctx, &monitoringv1.ListContractsRequest{})).OK(t).GetContracts()) == 3
	})

	for _, tc := range []struct {
		who  string
		c    monitoringv1.MonitoringServiceClient
		want []string
	}{
		{"the lead", h.lead(), []string{fcA, fcB, pl}},
		{"the placing council", h.commissioner("352"), []string{fcA, fcB, pl}},
		{"another member council (framework only)", h.viewer("353"), []string{fcA, fcB}},
		{"provider A", h.responder(provA), []string{fcA, pl}},
		{"provider B", h.responder(provB), []string{fcB}},
		{"another consortium's lead", h.otherLead(), nil},
		{"the auditor", h.auditor(), []string{fcA, fcB, pl}},
	} {
		got := contractIDs(must(tc.c.ListContracts(h.Ctx, &monitoringv1.ListContractsRequest{MinPosition: h.pos()})).OK(t))
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s sees %v, want %v", tc.who, got, want)
		}
	}
	fc := must(h.viewer("353").GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: fcA})).OK(t)
	if fc.GetKind() != monitoringv1.ContractKind_CONTRACT_KIND_FRAMEWORK || fc.GetExpectedEndDate() != "2029-03-31" || len(fc.GetMemberCouncils()) != len(members) {
		t.Fatalf("framework contract = %v", fc)
	}
	_, err := h.viewer("353").GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: pl})
	servicetest.WantCode(t, err, codes.NotFound)

	// A terminated framework ends its contracts; the placement stays live.
	must(h.flead().TerminateFramework(h.Ctx, &frameworkv1.TerminateFrameworkRequest{RequestId: "terminate-fw", FrameworkId: fw,
		Reason: "Replaced by the 2027 framework after market engagement"})).OK(t)
	// The reaction ends the framework's contracts one commit each: wait for
	// every one of them, not only the first.
	h.eventually("framework contracts ended", func() bool {
		for _, id := range []string{fcA, fcB} {
			c := must(h.lead().GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: id})).OK(t)
			if c.GetStatus() != monitoringv1.ContractStatus_CONTRACT_STATUS_ENDED || c.GetEndReasonCode() != "terminated" {
				return false
			}
		}
		return true
	})
	live := contractIDs(must(h.lead().ListContracts(h.Ctx, &monitoringv1.ListContractsRequest{LiveOnly: true, MinPosition: h.pos()})).OK(t))
	if !slices.Equal(live, []string{pl}) {
		t.Fatalf("live contracts after termination = %v, want the placement only", live)
	}
}

// The placing council ends its placement with an SSDA903 reason; nobody
// else can, and a bad code or date is refused with nothing written.
func TestEndPlacement(t *testing.T) {
	h := newHarness(t)
	dps := h.market()
	pl := h.place(dps, "352", "ref-352-a", provA, "SC100001")
	h.Clock.Advance(30 * 24 * time.Hour)
	end := func(c monitoringv1.MonitoringServiceClient, reqID, date, code string) error {
		_, err := c.EndPlacement(h.Ctx, &monitoringv1.EndPlacementRequest{RequestId: reqID, ContractId: pl, EndDate: date, ReasonCode: code, Reason: "Returned home with support"})
		return err
	}
	before := h.pos()
	servicetest.WantCode(t, end(h.commissioner("353"), "end-by-353", h.today(), "E4A"), codes.NotFound)
	servicetest.WantCode(t, end(h.viewer("352"), "end-by-viewer", h.today(), "E4A"), codes.PermissionDenied)
	servicetest.WantRule(t, end(h.commissioner("352"), "end-bad-code", h.today(), "Z99"), domain.RuleUnknownReasonCode)
	servicetest.WantRule(t, end(h.commissioner("352"), "end-future", "2027-06-01", "E4A"), domain.RuleDateInFuture)
	servicetest.WantRule(t, end(h.commissioner("352"), "end-before", "2026-01-01", "E4A"), domain.RuleEndBeforeStart)
	violations := servicetest.FieldViolations(t, end(h.commissioner("352"), "x", "yesterday", "E4A"))
	if !slices.Contains(violations, "request_id") || !slices.Contains(violations, "end_date") {
		t.Fatalf("violations = %v", violations)
	}
	if h.pos() != before {
		t.Fatal("a refused command wrote something")
	}
	if err := end(h.commissioner("352"), "end-352-a", h.today(), "E4A"); err != nil {
		t.Fatal(err)
	}
	servicetest.WantRule(t, end(h.commissioner("352"), "end-352-a-again", h.today(), "E8"), domain.RuleContractEnded)
	c := must(h.commissioner("352").GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: pl, MinPosition: h.pos()})).OK(t)
	if c.GetStatus() != monitoringv1.ContractStatus_CONTRACT_STATUS_ENDED || c.GetEndReasonCode() != "E4A" || c.GetEndDate() != h.today() {
		t.Fatalf("ended placement = %v", c)
	}
}

// Outcomes are recorded by the placing council at start and reviews, seen
// by it and the lead, never by the provider or another council.
func TestOutcomes(t *testing.T) {
	h := newHarness(t)
	dps := h.market()
	pl := h.place(dps, "352", "ref-352-a", provA, "SC100001")
	record := func(c monitoringv1.MonitoringServiceClient, reqID string, point monitoringv1.OutcomePoint, s uint32) error {
		_, err := c.RecordOutcome(h.Ctx, &monitoringv1.RecordOutcomeRequest{RequestId: reqID, ContractId: pl, Point: point, RecordedOn: h.today(),
			Scores: &monitoringv1.OutcomeScores{Stability: s, Education: s, Health: 3, Wellbeing: s, ChildsView: 4}})
		return err
	}
	servicetest.WantRule(t, record(h.commissioner("352"), "review-first", monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW, 3), domain.RuleReviewBeforeStart)
	servicetest.WantCode(t, record(h.commissioner("353"), "start-by-353", monitoringv1.OutcomePoint_OUTCOME_POINT_START, 2), codes.NotFound)
	if err := record(h.commissioner("352"), "outcome-start", monitoringv1.OutcomePoint_OUTCOME_POINT_START, 2); err != nil {
		t.Fatal(err)
	}
	h.Clock.Advance(90 * 24 * time.Hour)
	if err := record(h.commissioner("352"), "outcome-review-1", monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW, 4); err != nil {
		t.Fatal(err)
	}
	if got := must(h.commissioner("352").GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: pl, MinPosition: h.pos()})).OK(t).GetOutcomes(); len(got) != 2 {
		t.Fatalf("the council sees %d outcome records, want 2", len(got))
	}
	if got := must(h.lead().GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: pl})).OK(t).GetOutcomes(); len(got) != 2 {
		t.Fatalf("the lead sees %d outcome records, want 2", len(got))
	}
	if got := must(h.responder(provA).GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: pl})).OK(t).GetOutcomes(); len(got) != 0 {
		t.Fatalf("the provider sees outcomes %v, want none", got)
	}
}

// A council puts a spot placement made outside the platform under
// monitoring: it is a contract like an awarded one, marked as recorded,
// and its provider owes returns from the month it started.
func TestRecordPlacement(t *testing.T) {
	h := newHarness(t)
	h.market()
	record := func(c monitoringv1.MonitoringServiceClient, reqID, slug, urn, start string) (*monitoringv1.CommandResponse, error) {
		return c.RecordPlacement(h.Ctx, &monitoringv1.RecordPlacementRequest{RequestId: reqID, Consortium: slug, SettingUrn: urn, StartDate: start,
			WeeklyPricePence: 1150000, CategoryId: "residential"})
	}
	_, err := record(h.commissioner("999"), "spot-999", consortium, "SC200001", "2026-06-01")
	servicetest.WantRule(t, err, domain.RuleNotMember)
	_, err = record(h.commissioner("354"), "spot-unknown", consortium, "SC999999", "2026-06-01")
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = record(h.commissioner("354"), "spot-future", consortium, "SC200001", "2026-12-01")
	servicetest.WantRule(t, err, domain.RuleDateInFuture)

	res := must(record(h.commissioner("354"), "spot-354-1", consortium, "SC200001", "2026-06-01")).OK(t)
	again := must(record(h.commissioner("354"), "spot-354-1", consortium, "SC200001", "2026-06-01")).OK(t)
	if again.GetId() != res.GetId() || again.GetPosition() != res.GetPosition() {
		t.Fatalf("a retry recorded %v, the first %v", again, res)
	}
	c := must(h.responder(provB).GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: res.GetId(), MinPosition: h.pos()})).OK(t)
	if c.GetSource() != "recorded" || c.GetCouncil() != "354" || c.GetProviderId() != provB || c.GetStartDate() != "2026-06-01" {
		t.Fatalf("recorded contract = %v", c)
	}
	comp := must(h.responder(provB).ListReturnCompliance(h.Ctx, &monitoringv1.ListReturnComplianceRequest{MinPosition: h.pos()})).OK(t)
	if len(comp.GetMissing()) != 4 || comp.GetMissing()[0].GetPeriod() != "2026-06" {
		t.Fatalf("missing = %v, want June to September (October's is not due until 13 November; today is 2 November)", comp.GetMissing())
	}
}
