package server_test

import (
	"context"
	"maps"
	"testing"

	"google.golang.org/grpc/codes"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/monitoring/app"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// Issue 11, item 9: every command on a contract, a setting's record, a
// provider's warnings, a consortium's policy or an inbox takes the version
// the caller last saw. One that has moved on since answers ABORTED and
// nothing is written to it; the version the caller saw is accepted.
func TestEveryCommandRefusesAStaleVersionAndWritesNothing(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dps := h.market()
	pl := h.place(dps, "352", "ref-352-stale", provA, "SC100001")
	start := &monitoringv1.OutcomeScores{Stability: 3, Education: 3, Health: 3, Wellbeing: 3, ChildsView: 3}
	contract := must(h.commissioner("352").RecordOutcome(ctx, &monitoringv1.RecordOutcomeRequest{RequestId: "outcome-start-1", ContractId: pl,
		Point: monitoringv1.OutcomePoint_OUTCOME_POINT_START, RecordedOn: h.today(), Scores: start})).OK(t).GetStreamVersion()
	ofsted(h, "SC100001", purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE, "ofsted-stale-1")
	setting := h.file(provA, "SC100001", "2026-10").GetStreamVersion()
	must(h.providerAdmin(provA).RaiseFinancialWarning(ctx, &monitoringv1.RaiseFinancialWarningRequest{RequestId: "warn-stale-1", Level: 1, Summary: "Cash flow under review"})).OK(t)
	warnings := must(h.providerAdmin(provA).RaiseFinancialWarning(ctx, &monitoringv1.RaiseFinancialWarningRequest{RequestId: "warn-stale-2", Level: 2,
		Summary: "Failure likely"})).OK(t).GetStreamVersion()
	policy := func(reqID string, due, expected uint64) (*monitoringv1.CommandResponse, error) {
		return h.lead().SetRiskPolicy(ctx, &monitoringv1.SetRiskPolicyRequest{RequestId: reqID, SuspendOnRed: true, ReturnDueWorkingDays: uint32(due),
			Reason: "Agreed at the commissioning board", ExpectedVersion: expected,
			Indicators: []*monitoringv1.IndicatorRule{{Indicator: monitoringv1.Indicator_INDICATOR_OFSTED_GRADE, Amber: 2, Red: 3, WindowMonths: 1}}})
	}
	must(policy("policy-stale-1", 10, 0)).OK(t)
	pol := must(policy("policy-stale-2", 8, 0)).OK(t).GetStreamVersion()
	var alerts []*monitoringv1.Alert
	h.eventually("two alerts in 352's inbox", func() bool {
		alerts = must(h.viewer("352").ListAlerts(ctx, &monitoringv1.ListAlertsRequest{})).OK(t).GetAlerts()
		return len(alerts) == 2
	})
	must(h.commissioner("352").AcknowledgeAlert(ctx, &monitoringv1.AcknowledgeAlertRequest{RequestId: "ack-stale-1", AlertId: alerts[0].GetAlertId()})).OK(t)
	inbox := must(h.commissioner("352").AcknowledgeAlert(ctx, &monitoringv1.AcknowledgeAlertRequest{RequestId: "ack-stale-2",
		AlertId: alerts[1].GetAlertId()})).OK(t).GetStreamVersion()

	streams := map[string]eventstore.StreamID{
		"contract": {Context: app.Context, Aggregate: app.ContractAggregate, ID: pl},
		"setting":  {Context: app.Context, Aggregate: app.SettingAggregate, ID: "SC100001"},
		"warnings": {Context: app.Context, Aggregate: app.ProviderAggregate, ID: provA},
		"policy":   {Context: app.Context, Aggregate: app.PolicyAggregate, ID: consortium},
		"inbox":    {Context: app.Context, Aggregate: app.InboxAggregate, ID: domain.InboxID("council:352")},
	}
	lengths := func() map[string]int {
		out := map[string]int{}
		for name, sid := range streams {
			events, err := h.Store.ReadStream(ctx, sid)
			if err != nil {
				t.Fatal(err)
			}
			out[name] = len(events)
		}
		return out
	}
	before := lengths()
	for name, v := range map[string]uint64{"contract": contract, "setting": setting, "warnings": warnings, "policy": pol, "inbox": inbox} {
		if v < 2 || uint64(before[name]) != v {
			t.Fatalf("%s at version %d with %d events: the test needs a version the caller saw before the last change", name, v, before[name])
		}
	}

	// Each caller saw its aggregate one change ago.
	calls := map[string]func(context.Context) error{
		"EndPlacement": func(ctx context.Context) error {
			_, err := h.commissioner("352").EndPlacement(ctx, &monitoringv1.EndPlacementRequest{RequestId: "stale-end-placement", ContractId: pl,
				EndDate: h.today(), ReasonCode: "E4A", Reason: "Returned home", ExpectedVersion: contract - 1})
			return err
		},
		"RecordOutcome": func(ctx context.Context) error {
			_, err := h.commissioner("352").RecordOutcome(ctx, &monitoringv1.RecordOutcomeRequest{RequestId: "stale-record-outcome", ContractId: pl,
				Point: monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW, RecordedOn: h.today(), Scores: start, ExpectedVersion: contract - 1})
			return err
		},
		"SubmitMonitoringReturn": func(ctx context.Context) error {
			_, err := h.responder(provA).SubmitMonitoringReturn(ctx, &monitoringv1.SubmitMonitoringReturnRequest{RequestId: "stale-submit-return", Urn: "SC100001",
				Period: "2026-09", Figures: figures(), ExpectedVersion: setting - 1})
			return err
		},
		"RecordOfstedJudgement": func(ctx context.Context) error {
			_, err := h.ofstedFeed().RecordOfstedJudgement(ctx, &monitoringv1.RecordOfstedJudgementRequest{RequestId: "stale-ofsted-judgement", Urn: "SC100001",
				Grade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, InspectionDate: h.today(), InspectionType: "monitoring", ExpectedVersion: setting - 1})
			return err
		},
		"RecordQualityVisit": func(ctx context.Context) error {
			_, err := h.commissioner("352").RecordQualityVisit(ctx, &monitoringv1.RecordQualityVisitRequest{RequestId: "stale-quality-visit", Urn: "SC100001",
				VisitedOn: h.today(), Rating: monitoringv1.VisitRating_VISIT_RATING_NO_CONCERNS, Findings: "Calm and well run.", ExpectedVersion: setting - 1})
			return err
		},
		"NotifyIncident": func(ctx context.Context) error {
			_, err := h.responder(provA).NotifyIncident(ctx, &monitoringv1.NotifyIncidentRequest{RequestId: "stale-notify-incident", Urn: "SC100001",
				Type: monitoringv1.IncidentType_INCIDENT_TYPE_SERIOUS_INJURY, OccurredOn: h.today(), Summary: "A fall in the garden", ExpectedVersion: setting - 1})
			return err
		},
		"RecordFeedback": func(ctx context.Context) error {
			_, err := h.commissioner("352").RecordFeedback(ctx, &monitoringv1.RecordFeedbackRequest{RequestId: "stale-record-feedback", Urn: "SC100001",
				From: monitoringv1.FeedbackFrom_FEEDBACK_FROM_CHILD, Score: 4, ReceivedOn: h.today(), ExpectedVersion: setting - 1})
			return err
		},
		"RaiseFinancialWarning": func(ctx context.Context) error {
			_, err := h.providerAdmin(provA).RaiseFinancialWarning(ctx, &monitoringv1.RaiseFinancialWarningRequest{RequestId: "stale-raise-warning", Level: 1,
				Summary: "Refinancing agreed in principle", ExpectedVersion: warnings - 1})
			return err
		},
		"WithdrawFinancialWarning": func(ctx context.Context) error {
			_, err := h.providerAdmin(provA).WithdrawFinancialWarning(ctx, &monitoringv1.WithdrawFinancialWarningRequest{RequestId: "stale-withdraw-warning",
				Reason: "Refinanced", ExpectedVersion: warnings - 1})
			return err
		},
		"SetRiskPolicy": func(ctx context.Context) error {
			_, err := policy("stale-set-risk-policy", 5, pol-1)
			return err
		},
		"AcknowledgeAlert": func(ctx context.Context) error {
			_, err := h.commissioner("352").AcknowledgeAlert(ctx, &monitoringv1.AcknowledgeAlertRequest{RequestId: "stale-acknowledge-alert",
				AlertId: alerts[0].GetAlertId(), Note: "Seen again", ExpectedVersion: inbox - 1})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			servicetest.WantCode(t, call(ctx), codes.Aborted)
		})
	}
	if after := lengths(); !maps.Equal(after, before) {
		t.Fatalf("stale commands wrote: streams held %v, now %v", before, after)
	}

	// The version the caller saw is still the aggregate's: accepted.
	must(h.commissioner("352").EndPlacement(ctx, &monitoringv1.EndPlacementRequest{RequestId: "fresh-end-placement", ContractId: pl,
		EndDate: h.today(), ReasonCode: "E4A", Reason: "Returned home", ExpectedVersion: contract})).OK(t)
	must(h.providerAdmin(provA).WithdrawFinancialWarning(ctx, &monitoringv1.WithdrawFinancialWarningRequest{RequestId: "fresh-withdraw-warning",
		Reason: "Refinanced", ExpectedVersion: warnings})).OK(t)
	must(policy("fresh-set-risk-policy", 5, pol)).OK(t)
}
