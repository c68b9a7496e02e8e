package server_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/monitoring/app"
)

// contractAnswers is every contract query as each party asks it: lists (all
// and live only), each contract (or the code it is refused with) and the
// outcomes report on every measure.
func (h *harness) contractAnswers(ids []string) map[string]any {
	h.t.Helper()
	p := h.pos()
	out := map[string]any{}
	for name, c := range map[string]monitoringv1.MonitoringServiceClient{
		"lead": h.lead(), "auditor": h.auditor(), "352": h.commissioner("352"), "353": h.viewer("353"),
		"provider A": h.responder(provA), "provider B": h.responder(provB), "other lead": h.otherLead(),
	} {
		for _, live := range []bool{false, true} {
			l := must(c.ListContracts(h.Ctx, &monitoringv1.ListContractsRequest{LiveOnly: live, MinPosition: p})).OK(h.t)
			l.Position = 0
			out[fmt.Sprintf("%s lists (live only %v)", name, live)] = l
		}
		for _, id := range ids {
			got, err := c.GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: id, MinPosition: p})
			if err != nil {
				out[name+" gets "+id] = status.Code(err)
				continue
			}
			out[name+" gets "+id] = got
		}
		for _, m := range []string{"stability", "education", "health", "wellbeing", "childs_view"} {
			r, err := c.GetOutcomesReport(h.Ctx, &monitoringv1.GetOutcomesReportRequest{Consortium: consortium, Measure: m, MinPosition: p})
			if err != nil {
				out[name+" reports "+m] = status.Code(err)
				continue
			}
			r.Position = 0
			out[name+" reports "+m] = r
		}
	}
	return out
}

// Ended contracts are held in plain fields, not as the events that made
// them: every party reads of an ended placement and a terminated
// framework's contracts exactly what the events said (terms, end, every
// outcome's scores), the outcomes report counts their outcomes, anyone
// else is told they do not exist, and all of it is the same after a
// restart from the snapshot.
func TestEndedContractsAnswerInFull(t *testing.T) {
	h := newHarness(t)
	fw := h.frameworkWithA()
	dps := h.market()
	placedOn := h.today()
	pl1 := h.place(dps, "352", "ref-352-a", provA, "SC100001")
	pl2 := h.place(dps, "352", "ref-352-b", provA, "SC100002")
	pl3 := h.place(dps, "353", "ref-353-a", provB, "SC200001")
	fcA, fcB := app.FrameworkContractID(fw, "lot-1", provA), app.FrameworkContractID(fw, "lot-1", provB)
	ids := []string{pl1, pl2, pl3, fcA, fcB}

	record := func(la, id, reqID string, point monitoringv1.OutcomePoint, s *monitoringv1.OutcomeScores) {
		t.Helper()
		must(h.commissioner(la).RecordOutcome(h.Ctx, &monitoringv1.RecordOutcomeRequest{RequestId: reqID, ContractId: id, Point: point,
			RecordedOn: h.today(), Scores: s})).OK(t)
	}
	scores := func(n uint32) *monitoringv1.OutcomeScores {
		return &monitoringv1.OutcomeScores{Stability: n, Education: 6 - n, Health: 3, Wellbeing: 1 + n%5, ChildsView: 5}
	}
	for i, c := range []struct{ la, id string }{{"352", pl1}, {"352", pl2}, {"353", pl3}} {
		record(c.la, c.id, "start-"+c.id, monitoringv1.OutcomePoint_OUTCOME_POINT_START, scores(uint32(1+i)))
	}
	h.Clock.Advance(90 * 24 * time.Hour)
	for i, c := range []struct{ la, id string }{{"352", pl1}, {"352", pl2}, {"353", pl3}} {
		record(c.la, c.id, "review-1-"+c.id, monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW, scores(uint32(3+i)))
	}
	h.Clock.Advance(90 * 24 * time.Hour)
	record("352", pl1, "review-2-"+pl1, monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW, scores(2))
	endedOn := h.today()
	for _, c := range []struct{ la, id, code string }{{"352", pl1, "E4A"}, {"353", pl3, "E13"}} {
		must(h.commissioner(c.la).EndPlacement(h.Ctx, &monitoringv1.EndPlacementRequest{RequestId: "end-" + c.id, ContractId: c.id, EndDate: endedOn,
			ReasonCode: c.code, Reason: "Returned home with support"})).OK(t)
	}
	must(h.flead().TerminateFramework(h.Ctx, &frameworkv1.TerminateFrameworkRequest{RequestId: "terminate-fw", FrameworkId: fw,
		Reason: "Replaced by the 2027 framework after market engagement"})).OK(t)
	h.eventually("framework contracts ended", func() bool {
		l := must(h.lead().ListContracts(h.Ctx, &monitoringv1.ListContractsRequest{LiveOnly: true})).OK(t)
		return slices.Equal(contractIDs(l), []string{pl2})
	})

	// What the placing council reads of its ended placement: every term and
	// every outcome as recorded.
	got := must(h.commissioner("352").GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: pl1, MinPosition: h.pos()})).OK(t)
	// A placement is expected to last the need's 26 weeks.
	expectedEnd := must(time.Parse(time.DateOnly, placedOn)).OK(t).AddDate(0, 0, 7*26).Format(time.DateOnly)
	want := &monitoringv1.Contract{
		ContractId: pl1, Kind: monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT, Status: monitoringv1.ContractStatus_CONTRACT_STATUS_ENDED,
		Consortium: consortium, Council: "352", ProviderId: provA, ProviderName: provA + " Ltd", SettingUrn: "SC100001", StartDate: placedOn,
		ExpectedEndDate: expectedEnd, EndDate: endedOn, EndReasonCode: "E4A", WeeklyPricePence: 520000, PlacementId: pl1, CategoryId: "residential",
		Source: "award",
		Outcomes: []*monitoringv1.Outcome{
			{Point: monitoringv1.OutcomePoint_OUTCOME_POINT_START, RecordedOn: placedOn, Scores: scores(1)},
			{Point: monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW, RecordedOn: h.Clock.Now().AddDate(0, 0, -90).Format(time.DateOnly), Scores: scores(3)},
			{Point: monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW, RecordedOn: endedOn, Scores: scores(2)},
		},
	}
	// Its stream: started, three outcomes, ended.
	want.Version = 5
	if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
		t.Errorf("the placing council reads its ended placement (-want +got):\n%s", diff)
	}
	fc := must(h.viewer("353").GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: fcB, MinPosition: h.pos()})).OK(t)
	if fc.GetStatus() != monitoringv1.ContractStatus_CONTRACT_STATUS_ENDED || fc.GetEndReasonCode() != "terminated" || fc.GetFrameworkId() != fw ||
		fc.GetLotId() != "lot-1" || fc.GetWeeklyPricePence() != 480000 || !slices.Equal(fc.GetMemberCouncils(), members) || fc.GetExpectedEndDate() != "2029-03-31" {
		t.Errorf("a member council reads the terminated framework's contract as %v", fc)
	}
	if o := must(h.responder(provA).GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: pl1})).OK(t).GetOutcomes(); len(o) != 0 {
		t.Errorf("the provider reads outcomes %v of an ended placement, want none", o)
	}
	// 352's own children: stability went 1 -> 2 (the latest review) and
	// 2 -> 4; both improved.
	r := must(h.viewer("352").GetOutcomesReport(h.Ctx, &monitoringv1.GetOutcomesReportRequest{Consortium: consortium, Measure: "stability", MinPosition: h.pos()})).OK(t)
	if r.GetAll().GetImproved().GetOwn() != 2 || r.GetAll().GetTotal().GetOwn() != 2 {
		t.Errorf("council 352's own outcomes = %v, want two improved", r.GetAll())
	}

	before := h.contractAnswers(ids)
	for _, k := range []string{"353 gets " + pl1, "other lead gets " + pl1, "provider B gets " + pl1, "provider A gets " + pl3, "other lead gets " + fcA} {
		if before[k] != codes.NotFound {
			t.Errorf("%s: %v, want NOT_FOUND", k, before[k])
		}
	}
	h.restartMonitoring()
	after := h.contractAnswers(ids)
	for k, b := range before {
		if bm, ok := b.(proto.Message); ok {
			if diff := cmp.Diff(bm, after[k], protocmp.Transform()); diff != "" {
				t.Errorf("%s after a restart (-before +after):\n%s", k, diff)
			}
		} else if after[k] != b {
			t.Errorf("%s after a restart: %v, before %v", k, after[k], b)
		}
	}
	_, err := h.viewer("354").GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: pl3})
	servicetest.WantCode(t, err, codes.NotFound)
}
