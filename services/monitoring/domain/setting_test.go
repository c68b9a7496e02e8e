package domain_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

func submit(a domain.Actor, at time.Time, period string, f *monitoringv1.ReturnFigures) domain.SubmitReturn {
	return domain.SubmitReturn{Actor: a, Now: at, Facts: oakFacts(), Period: period, Figures: f, DueWorkingDays: domain.DefaultDueWorkingDays}
}

func correct(at time.Time, period string, f *monitoringv1.ReturnFigures) domain.SubmitReturn {
	c := submit(acme, at, period, f)
	c.Correction = true
	return c
}

func submitted(period, due string, late bool, at time.Time, revision uint32, f *monitoringv1.ReturnFigures) *monitoringv1.MonitoringReturnSubmitted {
	return &monitoringv1.MonitoringReturnSubmitted{
		Urn: oakURN, ProviderId: acmeID, Period: period, Figures: f, DueOn: due, Late: late,
		SubmittedAt: timestamppb.New(at), Revision: revision,
	}
}

// December 2026's return: the month ends on Thursday 31 December; Friday 1
// January 2027 is New Year's Day, so the ten working days are 4–8 and
// 11–15 January, and the return is due on Friday 15 January 2027.
const decDue = "2027-01-15"

func TestSubmitReturnDueAfterBankHoliday(t *testing.T) {
	if got := domain.DueOn(mustMonth(t, "2026-12"), 10).Format(domain.DateLayout); got != decDue {
		t.Fatalf("December 2026's return due on %s, want %s", got, decDue)
	}
	filed := at("2027-01-11")
	s := when(givenSetting(), domain.DecideReturn, submit(acme, filed, "2026-12", figures())).
		thenEvents(t, submitted("2026-12", decDue, false, filed, 1, figures()))
	if s.Returns["2026-12"] != 1 {
		t.Fatalf("revision after the first return: %d", s.Returns["2026-12"])
	}
}

func TestSubmitReturnLate(t *testing.T) {
	for _, c := range []struct {
		at   time.Time
		late bool
	}{
		{at("2027-01-01"), false}, // the first day it can be filed, a bank holiday
		{at(decDue), false},       // the due date itself is in time
		{time.Date(2027, 1, 15, 23, 59, 0, 0, time.UTC), false},
		{at("2027-01-16"), true},
		{at("2027-03-01"), true},
	} {
		ev := thenOne[*monitoringv1.MonitoringReturnSubmitted](t, when(givenSetting(), domain.DecideReturn, submit(acme, c.at, "2026-12", figures())))
		if ev.GetLate() != c.late || ev.GetDueOn() != decDue {
			t.Errorf("filed at %s: late %v due %s, want late %v due %s", c.at, ev.GetLate(), ev.GetDueOn(), c.late, decDue)
		}
	}
	// In summer the day is England's: June 2026's return is due on Tuesday
	// 14 July; 23:30 UTC that day is 00:30 on the 15th in England, late.
	ev := thenOne[*monitoringv1.MonitoringReturnSubmitted](t, when(givenSetting(), domain.DecideReturn,
		submit(acme, time.Date(2026, 7, 14, 23, 30, 0, 0, time.UTC), "2026-06", figures())))
	if ev.GetDueOn() != "2026-07-14" || !ev.GetLate() {
		t.Errorf("June's return filed at 00:30 BST on 15 July: due %s late %v, want due 2026-07-14 late", ev.GetDueOn(), ev.GetLate())
	}
}

func TestCorrectReturn(t *testing.T) {
	first := submitted("2026-12", decDue, false, at("2027-01-11"), 1, figures())
	fixed := figuresWith(func(f *monitoringv1.ReturnFigures) { f.StaffLeavers = 2 })
	filed := at("2027-02-01")
	s := when(givenSetting(first), domain.DecideReturn, correct(filed, "2026-12", fixed)).
		thenEvents(t, submitted("2026-12", decDue, true, filed, 2, fixed))
	// And again: revision 3.
	ev := thenOne[*monitoringv1.MonitoringReturnSubmitted](t, when(givenSetting(first, submitted("2026-12", decDue, true, filed, 2, fixed)),
		domain.DecideReturn, correct(filed, "2026-12", figures())))
	if ev.GetRevision() != 3 || s.Returns["2026-12"] != 2 {
		t.Errorf("revisions: %d after one correction, %d after two", s.Returns["2026-12"], ev.GetRevision())
	}
}

func TestSubmitReturnRules(t *testing.T) {
	first := submitted("2026-12", decDue, false, at("2027-01-11"), 1, figures())
	// Filed already, and not as a correction.
	when(givenSetting(first), domain.DecideReturn, submit(acme, at("2027-01-12"), "2026-12", figures())).
		thenRule(t, domain.RuleReturnAlreadyFiled)
	// A correction of a return never filed (another month's is no help).
	when(givenSetting(first), domain.DecideReturn, correct(at("2027-01-12"), "2026-11", figures())).
		thenRule(t, domain.RuleNothingToCorrect)
	// The current month, on its last day, and a month to come.
	when(givenSetting(), domain.DecideReturn, submit(acme, now, "2026-11", figures())).thenRule(t, domain.RulePeriodNotEnded)
	when(givenSetting(), domain.DecideReturn, submit(acme, at("2026-11-30"), "2026-11", figures())).thenRule(t, domain.RulePeriodNotEnded)
	when(givenSetting(), domain.DecideReturn, submit(acme, now, "2027-01", figures())).thenRule(t, domain.RulePeriodNotEnded)
	// Last month's is fine today.
	thenOne[*monitoringv1.MonitoringReturnSubmitted](t, when(givenSetting(), domain.DecideReturn, submit(acme, now, "2026-10", figures())))
	// Not a month.
	when(givenSetting(), domain.DecideReturn, submit(acme, now, "2026-13", figures())).thenInvalid(t, "period")
	when(givenSetting(), domain.DecideReturn, submit(acme, now, "October", figures())).thenInvalid(t, "period")
}

func TestSubmitReturnFiguresInconsistent(t *testing.T) {
	for name, change := range map[string]func(*monitoringv1.ReturnFigures){
		"more children than places":        func(f *monitoringv1.ReturnFigures) { f.OccupiedPlaces = 4.5 },
		"more upheld than complaints":      func(f *monitoringv1.ReturnFigures) { f.Complaints, f.ComplaintsUpheld = 1, 2 },
		"repeatedly missing, few episodes": func(f *monitoringv1.ReturnFigures) { f.ChildrenRepeatedlyMissing, f.MissingEpisodes = 2, 5 },
		"a score without responses":        func(f *monitoringv1.ReturnFigures) { f.FeedbackResponses, f.FeedbackScore = 0, 3 },
		"responses without a score":        func(f *monitoringv1.ReturnFigures) { f.FeedbackResponses, f.FeedbackScore = 2, 0 },
	} {
		t.Run(name, func(t *testing.T) {
			when(givenSetting(), domain.DecideReturn, submit(acme, now, "2026-10", figuresWith(change))).
				thenRule(t, domain.RuleFiguresInconsistent)
		})
	}
	// At the limits the figures agree: full, every complaint upheld, two
	// children missing exactly three times each, no feedback this month.
	edge := figuresWith(func(f *monitoringv1.ReturnFigures) {
		f.OccupiedPlaces, f.Complaints, f.ComplaintsUpheld = 4, 2, 2
		f.ChildrenRepeatedlyMissing, f.MissingEpisodes = 2, 6
		f.FeedbackResponses, f.FeedbackScore = 0, 0
	})
	thenOne[*monitoringv1.MonitoringReturnSubmitted](t, when(givenSetting(), domain.DecideReturn, submit(acme, now, "2026-10", edge)))
}

func TestSubmitReturnForAnotherProvider(t *testing.T) {
	for _, a := range []domain.Actor{bright, commissioner, lead} {
		when(givenSetting(), domain.DecideReturn, submit(a, now, "2026-10", figures())).thenRule(t, domain.RuleNotSettingProvider)
	}
}

func mustMonth(t *testing.T, s string) domain.Month {
	t.Helper()
	m, ok := domain.ParseMonth(s)
	if !ok {
		t.Fatalf("%q is not a month", s)
	}
	return m
}

// Ofsted judgements.

const (
	outstanding = purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING
	good        = purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD
	ri          = purchasingv1.OfstedGrade_OFSTED_GRADE_REQUIRES_IMPROVEMENT
	inadequate  = purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE
	ungraded    = purchasingv1.OfstedGrade_OFSTED_GRADE_UNSPECIFIED
)

// ofstedFeed is the platform's feed of Ofsted's published judgements.
var ofstedFeed = domain.Actor{Subject: "ofsted-feed", Organisation: "platform", Role: "platform_admin"}

func ofsted(g purchasingv1.OfstedGrade, on string) domain.RecordOfsted {
	return domain.RecordOfsted{Actor: ofstedFeed, Now: now, Facts: oakFacts(), Grade: g, InspectionDate: on, InspectionType: "full"}
}

func judged(g purchasingv1.OfstedGrade, on string, prev purchasingv1.OfstedGrade) *monitoringv1.OfstedJudgementRecorded {
	return &monitoringv1.OfstedJudgementRecorded{Urn: oakURN, ProviderId: acmeID, Grade: g, InspectionDate: on, InspectionType: "full", PreviousGrade: prev}
}

func TestRecordOfsted(t *testing.T) {
	s := when(givenSetting(), domain.DecideOfsted, ofsted(good, "2026-03-10")).thenEvents(t, judged(good, "2026-03-10", ungraded))
	// The next inspection says what it was before.
	s = when(givenSetting(judged(good, "2026-03-10", ungraded)), domain.DecideOfsted, ofsted(ri, "2026-11-02")).
		thenEvents(t, judged(ri, "2026-11-02", good))
	if s.LatestGrade != ri || s.LatestDate != "2026-11-02" {
		t.Fatalf("latest: %v on %s", s.LatestGrade, s.LatestDate)
	}
	// An older judgement filled in late: its previous grade is the one
	// before it, and the latest stays the latest.
	s = when(givenSetting(judged(good, "2026-03-10", ungraded)), domain.DecideOfsted, ofsted(outstanding, "2024-01-15")).
		thenEvents(t, judged(outstanding, "2024-01-15", ungraded))
	if s.LatestGrade != good || s.LatestDate != "2026-03-10" {
		t.Fatalf("an older judgement replaced the latest: %v on %s", s.LatestGrade, s.LatestDate)
	}
	// Inspected today.
	when(givenSetting(judged(good, "2026-03-10", ungraded)), domain.DecideOfsted, ofsted(inadequate, today)).
		thenEvents(t, judged(inadequate, today, good))
}

func TestRecordOfstedAgain(t *testing.T) {
	given := givenSetting(judged(good, "2026-03-10", ungraded))
	// The same judgement again (an import re-run): nothing.
	when(given, domain.DecideOfsted, ofsted(good, "2026-03-10")).thenNothing(t)
	// Another grade for the same inspection: refused.
	de := when(given, domain.DecideOfsted, ofsted(inadequate, "2026-03-10")).thenRule(t, domain.RuleJudgementRecorded)
	if !strings.Contains(de.Message, "Good") {
		t.Errorf("the refusal does not name the grade recorded: %s", de.Message)
	}
	// A date to come.
	when(givenSetting(), domain.DecideOfsted, ofsted(good, tomorrow)).thenRule(t, domain.RuleDateInFuture)
}

// A judgement suspends providers: a council or a lead cannot record one,
// not even at a home where it places.
func TestOfstedJudgementIsThePlatformsFeedOnly(t *testing.T) {
	for _, a := range []domain.Actor{commissioner, lead, acme} {
		c := ofsted(inadequate, "2026-11-02")
		c.Actor = a
		when(givenSetting(), domain.DecideOfsted, c).thenError(t, domainerr.Denied, "")
	}
}

// Quality visits.

func visit(a domain.Actor, on, followUp string, actions ...*monitoringv1.VisitAction) domain.RecordVisit {
	return domain.RecordVisit{Actor: a, Now: now, Facts: oakFacts(), VisitID: "v-1", VisitedOn: on,
		Rating: monitoringv1.VisitRating_VISIT_RATING_CONCERNS, Findings: "Recording of restraints incomplete.", Actions: actions, FollowUpOn: followUp}
}

func action(due string) *monitoringv1.VisitAction {
	return &monitoringv1.VisitAction{Action: "Complete restraint records", DueOn: due}
}

func TestRecordVisit(t *testing.T) {
	when(givenSetting(), domain.DecideVisit, visit(commissioner, "2026-11-20", "2026-12-18", action("2026-12-04"))).
		thenEvents(t, &monitoringv1.QualityVisitRecorded{
			Urn: oakURN, ProviderId: acmeID, VisitId: "v-1", Council: placingLA, VisitedOn: "2026-11-20",
			Rating: monitoringv1.VisitRating_VISIT_RATING_CONCERNS, Findings: "Recording of restraints incomplete.",
			Actions: []*monitoringv1.VisitAction{action("2026-12-04")}, FollowUpOn: "2026-12-18",
		})
	// No follow-up, an action due the same day.
	thenOne[*monitoringv1.QualityVisitRecorded](t, when(givenSetting(), domain.DecideVisit, visit(commissioner, today, "", action(today))))
}

// A consortium lead visits the homes of providers its consortium works with.
func TestLeadRecordsAVisit(t *testing.T) {
	byLead := visit(lead, "2026-11-20", "")
	byLead.Facts.CouncilPlaces, byLead.Facts.LeadWorksWith = false, true
	e := thenOne[*monitoringv1.QualityVisitRecorded](t, when(givenSetting(), domain.DecideVisit, byLead))
	if e.GetConsortium() != "north-west" || e.GetCouncil() != "" {
		t.Errorf("the lead's visit is recorded as by council %q, consortium %q", e.GetCouncil(), e.GetConsortium())
	}
	byLead.Facts.LeadWorksWith = false
	when(givenSetting(), domain.DecideVisit, byLead).thenRule(t, domain.RuleNotPlacedThere)
	// A council that places there is not a lead's licence, nor the reverse.
	crossed := visit(lead, "2026-11-20", "")
	crossed.Facts.CouncilPlaces, crossed.Facts.LeadWorksWith = true, false
	when(givenSetting(), domain.DecideVisit, crossed).thenRule(t, domain.RuleNotPlacedThere)
}

func TestRecordVisitRules(t *testing.T) {
	nowhere := visit(commissioner2, "2026-11-20", "")
	nowhere.Facts.CouncilPlaces, nowhere.Facts.LeadWorksWith = false, true
	when(givenSetting(), domain.DecideVisit, nowhere).thenRule(t, domain.RuleNotPlacedThere)
	when(givenSetting(), domain.DecideVisit, visit(commissioner, tomorrow, "")).thenRule(t, domain.RuleDateInFuture)
	when(givenSetting(), domain.DecideVisit, visit(commissioner, "2026-11-20", "2026-11-19")).thenRule(t, domain.RuleFollowUpBeforeVisit)
	when(givenSetting(), domain.DecideVisit, visit(commissioner, "2026-11-20", "2026-12-18", action("2026-12-04"), action("2026-11-01"))).
		thenRule(t, domain.RuleFollowUpBeforeVisit)
}

// Incidents.

func incident(a domain.Actor, typ monitoringv1.IncidentType, on string) domain.NotifyIncident {
	return domain.NotifyIncident{Actor: a, Now: now, Facts: oakFacts(), IncidentID: "inc-1", Type: typ, OccurredOn: on, Summary: "notified to Ofsted"}
}

func TestNotifyIncident(t *testing.T) {
	for typ, serious := range map[monitoringv1.IncidentType]bool{
		monitoringv1.IncidentType_INCIDENT_TYPE_DEATH:                     true,
		monitoringv1.IncidentType_INCIDENT_TYPE_SERIOUS_INJURY:            true,
		monitoringv1.IncidentType_INCIDENT_TYPE_ALLEGATION_AGAINST_STAFF:  true,
		monitoringv1.IncidentType_INCIDENT_TYPE_CHILD_SEXUAL_EXPLOITATION: true,
		monitoringv1.IncidentType_INCIDENT_TYPE_SERIOUS_ILLNESS:           false,
		monitoringv1.IncidentType_INCIDENT_TYPE_CHILD_PROTECTION_ENQUIRY:  false,
		monitoringv1.IncidentType_INCIDENT_TYPE_POLICE_INVOLVEMENT:        false,
		monitoringv1.IncidentType_INCIDENT_TYPE_SERIOUS_COMPLAINT:         false,
		monitoringv1.IncidentType_INCIDENT_TYPE_OTHER:                     false,
	} {
		s := when(givenSetting(), domain.DecideIncident, incident(acme, typ, yesterday)).thenEvents(t, &monitoringv1.IncidentNotified{
			Urn: oakURN, ProviderId: acmeID, IncidentId: "inc-1", Type: typ, OccurredOn: yesterday, Summary: "notified to Ofsted", Serious: serious,
		})
		if s.Incidents != 1 {
			t.Errorf("%v: %d incidents after one", typ, s.Incidents)
		}
	}
}

func TestNotifyIncidentRules(t *testing.T) {
	death := monitoringv1.IncidentType_INCIDENT_TYPE_DEATH
	when(givenSetting(), domain.DecideIncident, incident(bright, death, yesterday)).thenRule(t, domain.RuleNotSettingProvider)
	when(givenSetting(), domain.DecideIncident, incident(commissioner, death, yesterday)).thenRule(t, domain.RuleNotSettingProvider)
	when(givenSetting(), domain.DecideIncident, incident(acme, death, tomorrow)).thenRule(t, domain.RuleDateInFuture)
}

// Feedback.

func feedback(a domain.Actor, on string) domain.RecordFeedback {
	return domain.RecordFeedback{Actor: a, Now: now, Facts: oakFacts(), From: monitoringv1.FeedbackFrom_FEEDBACK_FROM_CHILD,
		Score: 4, Themes: []string{"feel_safe", "food"}, ReceivedOn: on}
}

func feedbackRecorded(by string) *monitoringv1.FeedbackRecorded {
	return &monitoringv1.FeedbackRecorded{Urn: oakURN, ProviderId: acmeID, From: monitoringv1.FeedbackFrom_FEEDBACK_FROM_CHILD,
		Score: 4, Themes: []string{"feel_safe", "food"}, ReceivedOn: yesterday, RecordedBy: by}
}

func TestRecordFeedback(t *testing.T) {
	when(givenSetting(), domain.DecideFeedback, feedback(commissioner, yesterday)).thenEvents(t, feedbackRecorded(placingLA))
	when(givenSetting(), domain.DecideFeedback, feedback(acme, yesterday)).thenEvents(t, feedbackRecorded("provider:acme-care"))
}

func TestRecordFeedbackRules(t *testing.T) {
	nowhere := feedback(commissioner2, yesterday)
	nowhere.Facts.CouncilPlaces = false
	when(givenSetting(), domain.DecideFeedback, nowhere).thenRule(t, domain.RuleNotPlacedThere)
	when(givenSetting(), domain.DecideFeedback, feedback(bright, yesterday)).thenRule(t, domain.RuleNotSettingProvider)
	when(givenSetting(), domain.DecideFeedback, feedback(lead, yesterday)).thenRule(t, domain.RuleNotSettingProvider)
	when(givenSetting(), domain.DecideFeedback, feedback(commissioner, tomorrow)).thenRule(t, domain.RuleDateInFuture)
	when(givenSetting(), domain.DecideFeedback, feedback(acme, tomorrow)).thenRule(t, domain.RuleDateInFuture)
}
