package domain_test

import (
	"math"
	"strings"
	"testing"
	"time"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// Assessments are as at now, Monday 23 November 2026, under the default
// policy: a three-month window is August to October 2026, a twelve-month
// one November 2025 to October 2026.

func month(s string) domain.Month {
	m, ok := domain.ParseMonth(s)
	if !ok {
		panic(s)
	}
	return m
}

// healthy is Oak House with a child placed by council 352 since 2024 and an
// unremarkable return for each of the twelve months to October 2026 (none
// for the months before: older than any window).
func healthy() *domain.Evidence {
	e := &domain.Evidence{URN: oakURN, ProviderID: acmeID,
		Placements: []domain.Placement{{ContractID: placementID, Council: placingLA, Start: "2024-09-01"}}}
	for m := month("2025-11"); m <= month("2026-10"); m++ {
		e.AddReturn(returned(m.String(), 1, false, figures()))
	}
	return e
}

// refile corrects the months' returns with changed figures.
func refile(e *domain.Evidence, change func(*monitoringv1.ReturnFigures), periods ...string) {
	for _, p := range periods {
		e.AddReturn(returned(p, 2, false, figuresWith(change)))
	}
}

func assess(e *domain.Evidence) domain.Assessment {
	return assessAt(e, now)
}

func assessAt(e *domain.Evidence, at time.Time) domain.Assessment {
	return domain.AssessSetting(domain.DefaultPolicy(nw), e, at)
}

const (
	green = domain.Green
	amber = domain.Amber
	red   = domain.Red
)

// expect checks the level and that the reasons are exactly one per
// indicator given, each at its level, for the setting; it returns them by
// indicator.
func expect(t *testing.T, a domain.Assessment, level monitoringv1.RiskLevel, urn string, reasons map[monitoringv1.Indicator]monitoringv1.RiskLevel) map[monitoringv1.Indicator]*monitoringv1.RiskReason {
	t.Helper()
	if a.Level != level {
		t.Errorf("level %v, want %v (reasons %v)", a.Level, level, a.Reasons)
	}
	got := map[monitoringv1.Indicator]*monitoringv1.RiskReason{}
	for _, r := range a.Reasons {
		if _, dup := got[r.GetIndicator()]; dup {
			t.Errorf("%v given twice", r.GetIndicator())
		}
		got[r.GetIndicator()] = r
		want, ok := reasons[r.GetIndicator()]
		switch {
		case !ok:
			t.Errorf("unexpected reason %v", r)
		case r.GetLevel() != want:
			t.Errorf("%v at %v, want %v: %v", r.GetIndicator(), r.GetLevel(), want, r)
		}
		if r.GetSettingUrn() != urn {
			t.Errorf("%v names setting %q, want %q", r.GetIndicator(), r.GetSettingUrn(), urn)
		}
		if r.GetDetail() == "" {
			t.Errorf("%v has no detail", r.GetIndicator())
		}
	}
	for i := range reasons {
		if got[i] == nil {
			t.Errorf("no reason %v (reasons %v)", i, a.Reasons)
		}
	}
	return got
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestAssessHealthySetting(t *testing.T) {
	e := healthy()
	e.AddJudgement("2026-03-10", good)
	expect(t, assess(e), green, oakURN, nil)
}

const (
	ofstedGrade = monitoringv1.Indicator_INDICATOR_OFSTED_GRADE
	gradeDrop   = monitoringv1.Indicator_INDICATOR_OFSTED_GRADE_DROP
)

func judgedEvidence(judgements ...any) *domain.Evidence {
	e := healthy()
	for i := 0; i < len(judgements); i += 2 {
		e.AddJudgement(judgements[i].(string), judgements[i+1].(purchasingv1.OfstedGrade))
	}
	return e
}

func TestAssessOfstedGrade(t *testing.T) {
	got := expect(t, assess(judgedEvidence("2026-11-02", inadequate)), red, oakURN,
		map[monitoringv1.Indicator]monitoringv1.RiskLevel{ofstedGrade: red})
	if r := got[ofstedGrade]; r != nil && (!strings.Contains(r.GetDetail(), "Inadequate") || r.GetValue() != 4 || r.GetThreshold() != 4) {
		t.Errorf("Inadequate: %v", r)
	}
	got = expect(t, assess(judgedEvidence("2026-11-02", ri)), amber, oakURN,
		map[monitoringv1.Indicator]monitoringv1.RiskLevel{ofstedGrade: amber})
	if r := got[ofstedGrade]; r != nil && (!strings.Contains(r.GetDetail(), "Requires improvement") || r.GetThreshold() != 3) {
		t.Errorf("Requires improvement: %v", r)
	}
	expect(t, assess(judgedEvidence("2026-11-02", outstanding)), green, oakURN, nil)
	// Improving is no warning.
	expect(t, assess(judgedEvidence("2025-06-01", ri, "2026-11-02", good)), green, oakURN, nil)
}

func TestAssessOfstedGradeDrop(t *testing.T) {
	// Outstanding to Requires improvement: down two grades, red.
	got := expect(t, assess(judgedEvidence("2025-06-01", outstanding, "2026-11-02", ri)), red, oakURN,
		map[monitoringv1.Indicator]monitoringv1.RiskLevel{ofstedGrade: amber, gradeDrop: red})
	if r := got[gradeDrop]; r != nil && (r.GetValue() != 2 || !strings.Contains(r.GetDetail(), "Outstanding to Requires improvement")) {
		t.Errorf("drop: %v", r)
	}
	// The same, the older judgement recorded last.
	expect(t, assess(judgedEvidence("2026-11-02", ri, "2025-06-01", outstanding)), red, oakURN,
		map[monitoringv1.Indicator]monitoringv1.RiskLevel{ofstedGrade: amber, gradeDrop: red})
	// Outstanding to Good: down one, amber although Good is no concern.
	expect(t, assess(judgedEvidence("2025-06-01", outstanding, "2026-11-02", good)), amber, oakURN,
		map[monitoringv1.Indicator]monitoringv1.RiskLevel{gradeDrop: amber})
}

func TestAssessOfstedGradeDropHistoryOutOfOrder(t *testing.T) {
	// The register gives the current grade (Good, March 2026) before the
	// history is filled in: Outstanding in 2023, Requires improvement in
	// 2025. Good after Requires improvement is an improvement, whatever
	// order the judgements arrive in.
	expect(t, assess(judgedEvidence("2026-03-10", good, "2023-05-01", outstanding, "2025-06-01", ri)), green, oakURN, nil)
	// Inadequate after Requires improvement is down one, not down three.
	got := expect(t, assess(judgedEvidence("2026-03-10", inadequate, "2023-05-01", outstanding, "2025-06-01", ri)), red, oakURN,
		map[monitoringv1.Indicator]monitoringv1.RiskLevel{ofstedGrade: red, gradeDrop: amber})
	if r := got[gradeDrop]; r != nil && !strings.Contains(r.GetDetail(), "from Requires improvement to Inadequate") {
		t.Errorf("drop: %v", r)
	}
	// The older one last: still the judgement just before the latest.
	expect(t, assess(judgedEvidence("2026-03-10", good, "2025-06-01", ri, "2023-05-01", outstanding)), green, oakURN, nil)
}

const missingReturns = monitoringv1.Indicator_INDICATOR_MISSING_RETURNS

// placedWithoutReturns: a child placed at Oak House from start (to end, if
// given) and no return ever filed.
func placedWithoutReturns(start, end string) *domain.Evidence {
	return &domain.Evidence{URN: oakURN, ProviderID: acmeID,
		Placements: []domain.Placement{{ContractID: placementID, Council: placingLA, Start: start, End: end}}}
}

func TestAssessMissingReturns(t *testing.T) {
	// Placed since June: June to October overdue, red.
	got := expect(t, assess(placedWithoutReturns("2026-06-15", "")), red, oakURN,
		map[monitoringv1.Indicator]monitoringv1.RiskLevel{missingReturns: red})
	if r := got[missingReturns]; r != nil && (r.GetValue() != 5 || r.GetThreshold() != 3) {
		t.Errorf("five months without returns: %v", r)
	}
	// The placement ended in July: only June and July were expected.
	got = expect(t, assess(placedWithoutReturns("2026-06-15", "2026-07-01")), amber, oakURN,
		map[monitoringv1.Indicator]monitoringv1.RiskLevel{missingReturns: amber})
	if r := got[missingReturns]; r != nil && r.GetValue() != 2 {
		t.Errorf("two months expected: %v", r)
	}
	// Returns filed count; the ones missing still do.
	e := placedWithoutReturns("2026-06-15", "")
	for _, p := range []string{"2026-06", "2026-07", "2026-09"} {
		e.AddReturn(returned(p, 1, false, figures()))
	}
	got = expect(t, assess(e), amber, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{missingReturns: amber})
	if r := got[missingReturns]; r != nil && r.GetValue() != 2 {
		t.Errorf("August and October missing: %v", r)
	}
	// No child placed, no return expected.
	expect(t, assess(&domain.Evidence{URN: oakURN, ProviderID: acmeID}), green, oakURN, nil)
}

func TestAssessMissingReturnsOnlyOnceDue(t *testing.T) {
	// October 2026 ends on a Saturday; its return is due ten working days
	// later, on Friday 13 November.
	if due := domain.DueOn(month("2026-10"), 10).Format(domain.DateLayout); due != "2026-11-13" {
		t.Fatalf("October's return due on %s", due)
	}
	e := placedWithoutReturns("2026-10-01", "")
	expect(t, assessAt(e, at("2026-11-02")), green, oakURN, nil)
	expect(t, assessAt(e, at("2026-11-13")), green, oakURN, nil)
	expect(t, assessAt(e, at("2026-11-14")), amber, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{missingReturns: amber})
}

func TestAssessMissingReturnsWindow(t *testing.T) {
	// healthy has a child placed since 2024 and no returns before November
	// 2025: older than the twelve-month window, they are not counted.
	expect(t, assess(healthy()), green, oakURN, nil)
	// Once November 2025's return is missing, it is.
	e := &domain.Evidence{URN: oakURN, ProviderID: acmeID, Placements: healthy().Placements}
	for m := month("2025-12"); m <= month("2026-10"); m++ {
		e.AddReturn(returned(m.String(), 1, false, figures()))
	}
	expect(t, assess(e), amber, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{missingReturns: amber})
}

func incidents(n uint32) func(*monitoringv1.ReturnFigures) {
	return func(f *monitoringv1.ReturnFigures) {
		f.Incidents = []*monitoringv1.IncidentCount{{Type: monitoringv1.IncidentType_INCIDENT_TYPE_POLICE_INVOLVEMENT, Count: n}}
	}
}

func TestAssessIncidentsPerPlace(t *testing.T) {
	// Eight incidents over three months at four places: two a place, red.
	e := healthy()
	refile(e, incidents(3), "2026-08", "2026-09")
	refile(e, incidents(2), "2026-10")
	got := expect(t, assess(e), red, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{incidentsPerPlace: red})
	if r := got[incidentsPerPlace]; r != nil && !near(r.GetValue(), 2) {
		t.Errorf("eight incidents at four places: %v", r)
	}
	// Four: one a place, amber.
	e = healthy()
	refile(e, incidents(2), "2026-08", "2026-10")
	expect(t, assess(e), amber, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{incidentsPerPlace: amber})
	// Twenty in July: before the window.
	e = healthy()
	refile(e, incidents(20), "2026-07")
	expect(t, assess(e), green, oakURN, nil)
}

const staffTurnover = monitoringv1.Indicator_INDICATOR_STAFF_TURNOVER

func leavers(n uint32) func(*monitoringv1.ReturnFigures) {
	return func(f *monitoringv1.ReturnFigures) { f.StaffLeavers = n }
}

func TestAssessStaffTurnover(t *testing.T) {
	// Six leavers in a year among twelve staff: 50% a year, red.
	e := healthy()
	refile(e, leavers(1), "2025-12", "2026-02", "2026-04", "2026-06", "2026-08", "2026-10")
	got := expect(t, assess(e), red, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{staffTurnover: red})
	if r := got[staffTurnover]; r != nil && !near(r.GetValue(), 50) {
		t.Errorf("six leavers of twelve in a year: %v", r)
	}
	// A home open three months with one leaver among twelve staff is
	// losing a third of its staff a year: annualised, amber.
	e = placedWithoutReturns("2026-08-01", "")
	for _, p := range []string{"2026-08", "2026-09", "2026-10"} {
		e.AddReturn(returned(p, 1, false, figures()))
	}
	refile(e, leavers(1), "2026-09")
	got = expect(t, assess(e), amber, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{staffTurnover: amber})
	if r := got[staffTurnover]; r != nil && !near(r.GetValue(), 100.0/3) {
		t.Errorf("one leaver of twelve in three months: %v", r)
	}
}

const agencyStaff = monitoringv1.Indicator_INDICATOR_AGENCY_STAFF

func agency(pc float64) func(*monitoringv1.ReturnFigures) {
	return func(f *monitoringv1.ReturnFigures) { f.AgencyShiftPercent = pc }
}

func TestAssessAgencyStaff(t *testing.T) {
	e := healthy()
	refile(e, agency(25), "2026-08")
	refile(e, agency(20), "2026-09")
	refile(e, agency(15), "2026-10")
	got := expect(t, assess(e), amber, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{agencyStaff: amber})
	if r := got[agencyStaff]; r != nil && (!near(r.GetValue(), 20) || r.GetThreshold() != 20) {
		t.Errorf("a fifth of shifts: %v", r)
	}
	e = healthy()
	refile(e, agency(45), "2026-08", "2026-09", "2026-10")
	expect(t, assess(e), red, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{agencyStaff: red})
}

func TestAssessWindowBoundary(t *testing.T) {
	// July's return is older than the three-month window: all agency
	// staff then is no warning now.
	e := healthy()
	refile(e, agency(100), "2026-07")
	expect(t, assess(e), green, oakURN, nil)
	// As at October, the window is July to September: (100+5+5)/3, amber.
	// (The child placed from November 2025, when the returns start.)
	e.Placements[0].Start = "2025-11-01"
	got := expect(t, assessAt(e, at("2026-10-20")), amber, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{agencyStaff: amber})
	if r := got[agencyStaff]; r != nil && !near(r.GetValue(), 110.0/3) {
		t.Errorf("July to September: %v", r)
	}
}

func attending(pc float64) func(*monitoringv1.ReturnFigures) {
	return func(f *monitoringv1.ReturnFigures) { f.EducationAttendancePercent = pc }
}

func TestAssessEducationAttendance(t *testing.T) {
	// Lower is worse: 85% is amber (below 90), 75% red (below 80).
	e := healthy()
	refile(e, attending(85), "2026-08", "2026-09", "2026-10")
	got := expect(t, assess(e), amber, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{attendance: amber})
	if r := got[attendance]; r != nil && (!near(r.GetValue(), 85) || r.GetThreshold() != 90) {
		t.Errorf("85%% attendance: %v", r)
	}
	e = healthy()
	refile(e, attending(75), "2026-08", "2026-09", "2026-10")
	expect(t, assess(e), red, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{attendance: red})
	// A month with no child placed has no attendance to speak of.
	e = healthy()
	refile(e, func(f *monitoringv1.ReturnFigures) {
		f.OccupiedPlaces, f.EducationAttendancePercent, f.FeedbackResponses, f.FeedbackScore = 0, 0, 0, 0
	}, "2026-08")
	expect(t, assess(e), green, oakURN, nil)
}

func responses(n uint32, score float64) func(*monitoringv1.ReturnFigures) {
	return func(f *monitoringv1.ReturnFigures) { f.FeedbackResponses, f.FeedbackScore = n, score }
}

func TestAssessFeedbackScore(t *testing.T) {
	// Weighted by responses: one child at 1 and three at 4 is 3.25, amber
	// (a mean of the months' means would be 2.5, red).
	e := healthy()
	refile(e, responses(0, 0), "2026-08")
	refile(e, responses(1, 1), "2026-09")
	refile(e, responses(3, 4), "2026-10")
	got := expect(t, assess(e), amber, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{feedbackScore: amber})
	if r := got[feedbackScore]; r != nil && !near(r.GetValue(), 3.25) {
		t.Errorf("feedback 1,4,4,4: %v", r)
	}
	e = healthy()
	refile(e, responses(2, 2), "2026-08", "2026-09", "2026-10")
	expect(t, assess(e), red, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{feedbackScore: red})
}

func TestAssessOtherReturnIndicators(t *testing.T) {
	for _, c := range []struct {
		name      string
		indicator monitoringv1.Indicator
		level     monitoringv1.RiskLevel
		change    func(*monitoringv1.ReturnFigures)
		periods   []string
	}{
		{"two children repeatedly missing", monitoringv1.Indicator_INDICATOR_REPEATED_MISSING, amber,
			func(f *monitoringv1.ReturnFigures) { f.ChildrenRepeatedlyMissing, f.MissingEpisodes = 1, 3 }, []string{"2026-08", "2026-10"}},
		{"six", monitoringv1.Indicator_INDICATOR_REPEATED_MISSING, red,
			func(f *monitoringv1.ReturnFigures) { f.ChildrenRepeatedlyMissing, f.MissingEpisodes = 2, 6 }, []string{"2026-08", "2026-09", "2026-10"}},
		{"nine restraints at four places", monitoringv1.Indicator_INDICATOR_RESTRAINTS_PER_PLACE, amber,
			func(f *monitoringv1.ReturnFigures) { f.Restraints = 4 }, []string{"2026-09", "2026-10"}},
		{"two complaints upheld in six months", monitoringv1.Indicator_INDICATOR_COMPLAINTS_UPHELD, amber,
			func(f *monitoringv1.ReturnFigures) { f.ComplaintsUpheld = 1 }, []string{"2026-05", "2026-10"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := healthy()
			refile(e, c.change, c.periods...)
			expect(t, assess(e), c.level, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{c.indicator: c.level})
		})
	}
}

const seriousIncidents = monitoringv1.Indicator_INDICATOR_SERIOUS_INCIDENTS

func TestAssessSeriousIncidents(t *testing.T) {
	// The window runs from 1 September to today.
	e := healthy()
	e.Serious = []string{"2026-11-02"}
	expect(t, assess(e), amber, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{seriousIncidents: amber})
	e.Serious = []string{"2026-09-01", "2026-11-02"}
	expect(t, assess(e), red, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{seriousIncidents: red})
	e.Serious = []string{"2026-08-31"}
	expect(t, assess(e), green, oakURN, nil)
}

const qaVisit = monitoringv1.Indicator_INDICATOR_QA_VISIT

func TestAssessQualityVisit(t *testing.T) {
	e := healthy()
	e.VisitRating, e.VisitDate = 3, "2026-10-01"
	got := expect(t, assess(e), red, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{qaVisit: red})
	if r := got[qaVisit]; r != nil && !strings.Contains(r.GetDetail(), "serious concerns") {
		t.Errorf("serious concerns: %v", r)
	}
	e.VisitRating = 2
	expect(t, assess(e), amber, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{qaVisit: amber})
	e.VisitRating = 1
	expect(t, assess(e), green, oakURN, nil)
	// Serious concerns more than a year ago.
	e.VisitRating, e.VisitDate = 3, "2025-11-30"
	expect(t, assess(e), green, oakURN, nil)
}

// Providers.

const financialWarning = monitoringv1.Indicator_INDICATOR_FINANCIAL_WARNING

func elm(judgement purchasingv1.OfstedGrade) domain.Assessment {
	e := healthy()
	e.URN = elmURN
	e.AddJudgement("2026-11-02", judgement)
	return assess(e)
}

func oak(judgement purchasingv1.OfstedGrade) domain.Assessment {
	e := healthy()
	e.AddJudgement("2026-11-02", judgement)
	return assess(e)
}

func assessProvider(warning uint32, settings ...domain.Assessment) domain.Assessment {
	return domain.AssessProvider(domain.DefaultPolicy(nw), warning, settings)
}

func TestAssessProviderFinancialWarning(t *testing.T) {
	// Failure likely: red although every home is green.
	got := expect(t, assessProvider(2, oak(good), elm(good)), red, "", map[monitoringv1.Indicator]monitoringv1.RiskLevel{financialWarning: red})
	if r := got[financialWarning]; r != nil && !strings.Contains(r.GetDetail(), "failure is likely") {
		t.Errorf("level 2: %v", r)
	}
	expect(t, assessProvider(1, oak(good), elm(good)), amber, "", map[monitoringv1.Indicator]monitoringv1.RiskLevel{financialWarning: amber})
	expect(t, assessProvider(0, oak(good), elm(good)), green, "", nil)
	expect(t, assessProvider(0), green, "", nil)
}

func TestAssessProviderWorstSetting(t *testing.T) {
	// Elm House Inadequate: the provider is red, for Elm House's reasons
	// (not Oak House's amber, nor the amber financial warning).
	a := assessProvider(1, oak(ri), elm(inadequate))
	expect(t, a, red, elmURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{ofstedGrade: red})
	// Both amber: both homes' reasons, each naming its home.
	a = assessProvider(0, oak(ri), elm(ri))
	if a.Level != amber {
		t.Fatalf("two amber homes: %v", a.Level)
	}
	by := map[string]int{}
	for _, r := range a.Reasons {
		by[r.GetSettingUrn()]++
	}
	if by[oakURN] == 0 || by[elmURN] == 0 || by[""] != 0 {
		t.Errorf("reasons by setting: %v", by)
	}
	// A red warning and a red home: both said.
	a = assessProvider(2, oak(good), elm(inadequate))
	by = map[string]int{}
	for _, r := range a.Reasons {
		by[r.GetSettingUrn()]++
	}
	if a.Level != red || by[""] != 1 || by[elmURN] == 0 || by[oakURN] != 0 {
		t.Errorf("red warning and red home: %v, reasons by setting %v", a.Level, by)
	}
}

// Evidence.

func TestEvidenceReturnsOutOfOrder(t *testing.T) {
	e := &domain.Evidence{URN: oakURN, ProviderID: acmeID}
	e.AddReturn(returned("2026-10", 1, false, figuresWith(func(f *monitoringv1.ReturnFigures) { f.StaffInPost = 10 })))
	e.AddReturn(returned("2026-07", 1, true, figuresWith(func(f *monitoringv1.ReturnFigures) {
		f.StaffInPost, f.RegisteredPlaces, f.OccupiedPlaces = 7, 3, 2
	})))
	oct, jul := e.Month(month("2026-10")), e.Month(month("2026-07"))
	if !oct.Filed || oct.Late || oct.StaffInPost != 10 || oct.Places != 4 {
		t.Errorf("October after July filed: %+v", oct)
	}
	if !jul.Filed || !jul.Late || jul.StaffInPost != 7 || jul.Places != 3 {
		t.Errorf("July filed after October: %+v", jul)
	}
	for _, p := range []string{"2026-06", "2026-08", "2026-09", "2026-11"} {
		if f := e.Month(month(p)); f.Filed {
			t.Errorf("%s never filed, but: %+v", p, f)
		}
	}
	// The gap filled in.
	e.AddReturn(returned("2026-08", 1, false, figuresWith(func(f *monitoringv1.ReturnFigures) { f.StaffInPost = 8 })))
	if f := e.Month(month("2026-08")); !f.Filed || f.StaffInPost != 8 {
		t.Errorf("August filed between: %+v", f)
	}
	if f := e.Month(month("2026-10")); f.StaffInPost != 10 {
		t.Errorf("October after August filed: %+v", f)
	}
	// The assessment finds them all: with a child placed from July, only
	// September's return is missing.
	e.Placements = []domain.Placement{{ContractID: placementID, Council: placingLA, Start: "2026-07-01"}}
	got := expect(t, assessAt(e, at("2026-11-20")), amber, oakURN, map[monitoringv1.Indicator]monitoringv1.RiskLevel{missingReturns: amber})
	if r := got[missingReturns]; r != nil && r.GetValue() != 1 {
		t.Errorf("September missing: %v", r)
	}
}

func TestEvidenceCorrectionKeepsOnTime(t *testing.T) {
	// Filed in time through the decider, corrected after the due date: the
	// correction is marked late, but the return was on time.
	first := thenOne[*monitoringv1.MonitoringReturnSubmitted](t,
		when(givenSetting(), domain.DecideReturn, submit(acme, at("2027-01-11"), "2026-12", figures())))
	fixed := figuresWith(leavers(3))
	second := thenOne[*monitoringv1.MonitoringReturnSubmitted](t,
		when(givenSetting(first), domain.DecideReturn, correct(at("2027-02-01"), "2026-12", fixed)))
	if !second.GetLate() || second.GetRevision() != 2 {
		t.Fatalf("the correction: late %v revision %d", second.GetLate(), second.GetRevision())
	}
	e := &domain.Evidence{URN: oakURN, ProviderID: acmeID}
	e.AddReturn(first)
	e.AddReturn(second)
	if f := e.Month(month("2026-12")); !f.Filed || f.Late || f.Leavers != 3 {
		t.Errorf("December after its correction: %+v (want on time, with the corrected leavers)", f)
	}
	// A late return stays late when corrected.
	e = &domain.Evidence{URN: oakURN, ProviderID: acmeID}
	e.AddReturn(returned("2026-12", 1, true, figures()))
	e.AddReturn(returned("2026-12", 2, false, fixed))
	if f := e.Month(month("2026-12")); !f.Late {
		t.Errorf("a late return corrected: %+v", f)
	}
}
