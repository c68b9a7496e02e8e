package server_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/grpc/status"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 10, item 5: monitoring stored impossible dates and free text with
// NUL and bidi-override characters as given, and let a date of birth into
// findings. One date rule and one text rule for all services now refuse
// them, naming the field, with nothing written and nothing of the text
// echoed back.
func TestImpossibleDatesAndHostileTextAreRefused(t *testing.T) {
	h := newHarness(t)
	dps := h.market()
	h.place(dps, "352", "ref-352-values", provA, "SC100001")
	before := h.pos()
	c := h.commissioner("352")

	for _, bad := range []string{"0000-00-00", "2024-02-30", "9999-99-99", "2025-02-29", "2026-04-31", "2026-13-01", "26-11-01"} {
		calls := map[string]func() error{
			"start_date": func() error {
				return second(c.RecordPlacement(h.Ctx, &monitoringv1.RecordPlacementRequest{RequestId: "values-placement", Consortium: consortium, SettingUrn: "SC100001",
					StartDate: bad, WeeklyPricePence: 500000}))
			},
			"inspection_date": func() error {
				return second(h.ofstedFeed().RecordOfstedJudgement(h.Ctx, &monitoringv1.RecordOfstedJudgementRequest{RequestId: "values-ofsted-1", Urn: "SC100001",
					Grade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, InspectionDate: bad, InspectionType: "full"}))
			},
			"visited_on": func() error {
				return second(c.RecordQualityVisit(h.Ctx, &monitoringv1.RecordQualityVisitRequest{RequestId: "values-visit-1", Urn: "SC100001", VisitedOn: bad,
					Rating: monitoringv1.VisitRating_VISIT_RATING_NO_CONCERNS, Findings: "All well."}))
			},
			"occurred_on": func() error {
				return second(h.responder(provA).NotifyIncident(h.Ctx, &monitoringv1.NotifyIncidentRequest{RequestId: "values-incident", Urn: "SC100001",
					Type: monitoringv1.IncidentType_INCIDENT_TYPE_OTHER, OccurredOn: bad, Summary: "A broken window"}))
			},
			"received_on": func() error {
				return second(c.RecordFeedback(h.Ctx, &monitoringv1.RecordFeedbackRequest{RequestId: "values-feedback", Urn: "SC100001",
					From: monitoringv1.FeedbackFrom_FEEDBACK_FROM_CHILD, Score: 4, ReceivedOn: bad}))
			},
		}
		for field, call := range calls {
			if got := servicetest.FieldViolations(t, call()); !slices.Equal(got, []string{field}) {
				t.Errorf("%s %q: violations %v, want [%s]", field, bad, got, field)
			}
		}
	}

	hostile := map[string]string{
		"NUL":                    "Restraint log\x00 incomplete",
		"bell":                   "Restraint log\a incomplete",
		"right-to-left override": "Restraint log \u202Eetelpmocni",
		"first-strong isolate":   "Restraint log \u2068incomplete\u2069",
		"date of birth":          "Child born 12/03/2015 was restrained",
		"date of birth in words": "Child born 12 March 2015 was restrained",
	}
	for what, text := range hostile {
		err := second(c.RecordQualityVisit(h.Ctx, &monitoringv1.RecordQualityVisitRequest{RequestId: "values-visit-2", Urn: "SC100001", VisitedOn: h.today(),
			Rating: monitoringv1.VisitRating_VISIT_RATING_CONCERNS, Findings: text}))
		if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"findings"}) {
			t.Errorf("findings with %s: violations %v, want [findings]", what, got)
		}
		if strings.Contains(status.Convert(err).Message(), "incomplete") || strings.Contains(status.Convert(err).Message(), "2015") {
			t.Errorf("findings with %s: the refusal echoes the text: %q", what, status.Convert(err).Message())
		}
		err = second(h.responder(provA).NotifyIncident(h.Ctx, &monitoringv1.NotifyIncidentRequest{RequestId: "values-incident-2", Urn: "SC100001",
			Type: monitoringv1.IncidentType_INCIDENT_TYPE_OTHER, OccurredOn: h.today(), Summary: text}))
		if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"summary"}) {
			t.Errorf("incident summary with %s: violations %v, want [summary]", what, got)
		}
	}
	if after := h.pos(); after != before {
		t.Fatalf("refused commands wrote: the store moved from %d to %d", before, after)
	}

	// What is right still goes through: a leap day, text over two lines.
	must(h.ofstedFeed().RecordOfstedJudgement(h.Ctx, &monitoringv1.RecordOfstedJudgementRequest{RequestId: "values-ofsted-2", Urn: "SC100001",
		Grade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, InspectionDate: "2024-02-29", InspectionType: "full"})).OK(t)
	must(c.RecordQualityVisit(h.Ctx, &monitoringv1.RecordQualityVisitRequest{RequestId: "values-visit-3", Urn: "SC100001", VisitedOn: h.today(),
		Rating: monitoringv1.VisitRating_VISIT_RATING_NO_CONCERNS, Findings: "Children said they feel safe.\n\tStaff rota covers weekends."})).OK(t)
}
