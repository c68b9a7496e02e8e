package domain

import (
	"fmt"
	"slices"
	"time"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
)

// Levels, ordered: a higher value is worse.
const (
	Green = monitoringv1.RiskLevel_RISK_LEVEL_GREEN
	Amber = monitoringv1.RiskLevel_RISK_LEVEL_AMBER
	Red   = monitoringv1.RiskLevel_RISK_LEVEL_RED
)

// MonthFigures is what the indicators need of one month's return.
type MonthFigures struct {
	Filed             bool
	Late              bool
	Places            uint32
	StaffInPost       uint32
	Leavers           uint32
	AgencyPercent     float64
	Incidents         uint32
	RepeatMissing     uint32
	Restraints        uint32
	Occupied          float64
	Attendance        float64
	Upheld            uint32
	Complaints        uint32
	FeedbackResponses uint32
	FeedbackScore     float64
}

// Placement is a placement contract's span at a setting: months it spans
// expect a return.
type Placement struct {
	ContractID string
	Council    string
	Start      string
	End        string // "" while live
}

// Evidence is everything the early-warning indicators read about one
// setting, kept compact so a new return re-assesses in microseconds.
type Evidence struct {
	URN        string
	ProviderID string
	// Months holds returns densely from First.
	First  Month
	Months []MonthFigures
	// Latest and previous Ofsted grades (1 Outstanding … 4 Inadequate; 0
	// none) and their judgements' dates.
	Grade, PrevGrade    int
	GradeDate, PrevDate string
	// Latest quality visit's rating (1–3) and date.
	VisitRating int
	VisitDate   string
	// Dates of serious incidents notified.
	Serious    []string
	Placements []Placement
}

// Month returns the figures of m (zero if none filed).
func (e *Evidence) Month(m Month) MonthFigures {
	i := int(m - e.First)
	if len(e.Months) == 0 || i < 0 || i >= len(e.Months) {
		return MonthFigures{}
	}
	return e.Months[i]
}

// AddReturn folds a return (or its correction) in.
func (e *Evidence) AddReturn(r *monitoringv1.MonitoringReturnSubmitted) {
	m, ok := ParseMonth(r.GetPeriod())
	if !ok {
		return
	}
	switch {
	case len(e.Months) == 0:
		e.First, e.Months = m, make([]MonthFigures, 1, 16)
	case m < e.First:
		grown := make([]MonthFigures, int(e.First-m)+len(e.Months))
		copy(grown[e.First-m:], e.Months)
		e.First, e.Months = m, grown
	case int(m-e.First) >= len(e.Months):
		e.Months = append(e.Months, make([]MonthFigures, int(m-e.First)+1-len(e.Months))...)
	}
	f := r.GetFigures()
	var incidents uint32
	for _, c := range f.GetIncidents() {
		incidents += c.GetCount()
	}
	mf := &e.Months[m-e.First]
	late := r.GetLate()
	if mf.Filed && r.GetRevision() > 1 {
		late = mf.Late // a correction does not make a return late
	}
	*mf = MonthFigures{
		Filed: true, Late: late, Places: f.GetRegisteredPlaces(), StaffInPost: f.GetStaffInPost(), Leavers: f.GetStaffLeavers(),
		AgencyPercent: f.GetAgencyShiftPercent(), Incidents: incidents, RepeatMissing: f.GetChildrenRepeatedlyMissing(),
		Restraints: f.GetRestraints(), Occupied: f.GetOccupiedPlaces(), Attendance: f.GetEducationAttendancePercent(),
		Upheld: f.GetComplaintsUpheld(), Complaints: f.GetComplaints(), FeedbackResponses: f.GetFeedbackResponses(), FeedbackScore: f.GetFeedbackScore(),
	}
}

// AddJudgement folds an Ofsted judgement in, in any order: the previous
// grade is the latest judgement before the latest one.
func (e *Evidence) AddJudgement(date string, g purchasingv1.OfstedGrade) {
	n := gradeNumber(g)
	if n == 0 {
		return
	}
	if date >= e.GradeDate {
		if date != e.GradeDate {
			e.PrevGrade, e.PrevDate = e.Grade, e.GradeDate
		}
		e.Grade, e.GradeDate = n, date
	} else if date >= e.PrevDate {
		e.PrevGrade, e.PrevDate = n, date
	}
}

func gradeNumber(g purchasingv1.OfstedGrade) int {
	if g >= purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING && g <= purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE {
		return int(g)
	}
	return 0
}

// Expected reports whether a return is expected for m: a placement was
// live at the setting during the month.
func (e *Evidence) Expected(m Month) bool {
	first, last := m.First().Format(DateLayout), m.Last().Format(DateLayout)
	for _, p := range e.Placements {
		if p.Start <= last && (p.End == "" || p.End >= first) {
			return true
		}
	}
	return false
}

// CouncilsIn are the councils with a placement live during m.
func (e *Evidence) CouncilsIn(m Month) []string {
	first, last := m.First().Format(DateLayout), m.Last().Format(DateLayout)
	var out []string
	for _, p := range e.Placements {
		if p.Start <= last && (p.End == "" || p.End >= first) && !slices.Contains(out, p.Council) {
			out = append(out, p.Council)
		}
	}
	return out
}

// LiveCouncils are the councils with a child placed at the setting today.
func (e *Evidence) LiveCouncils(today string) []string {
	var out []string
	for _, p := range e.Placements {
		if p.End == "" || p.End >= today { // live now, or starting later
			if !slices.Contains(out, p.Council) {
				out = append(out, p.Council)
			}
		}
	}
	slices.Sort(out)
	return out
}

// Assessment is a level with its reasons.
type Assessment struct {
	Level   monitoringv1.RiskLevel
	Reasons []*monitoringv1.RiskReason
}

func (a *Assessment) add(r *monitoringv1.IndicatorRule, value float64, urn, detail string) {
	lvl := Green
	low := LowerIsWorse(r.GetIndicator())
	past := func(t float64) bool {
		if low {
			return value <= t
		}
		return value >= t
	}
	threshold := 0.0
	switch {
	case past(r.GetRed()):
		lvl, threshold = Red, r.GetRed()
	case past(r.GetAmber()):
		lvl, threshold = Amber, r.GetAmber()
	default:
		return
	}
	if lvl > a.Level {
		a.Level = lvl
	}
	a.Reasons = append(a.Reasons, &monitoringv1.RiskReason{Indicator: r.GetIndicator(), Level: lvl, Value: value, Threshold: threshold, Detail: detail, SettingUrn: urn})
}

// window sums over the returns of the n months before today's month.
type window struct {
	filed                                                        int
	staff                                                        float64
	leavers, incidents, repeatMissing, restraints, upheld        uint32
	agency, attendance, attendanceN, feedback, feedbackN, places float64
}

func (e *Evidence) window(cur Month, n uint32) window {
	var w window
	for m := cur - Month(n); m < cur; m++ {
		f := e.Month(m)
		if !f.Filed {
			continue
		}
		w.filed++
		w.staff += float64(f.StaffInPost)
		w.leavers += f.Leavers
		w.incidents += f.Incidents
		w.repeatMissing += f.RepeatMissing
		w.restraints += f.Restraints
		w.upheld += f.Upheld
		w.agency += f.AgencyPercent
		w.places += float64(f.Places)
		if f.Occupied > 0 {
			w.attendance += f.Attendance
			w.attendanceN++
		}
		if f.FeedbackResponses > 0 {
			w.feedback += f.FeedbackScore * float64(f.FeedbackResponses)
			w.feedbackN += float64(f.FeedbackResponses)
		}
	}
	return w
}

// AssessSetting applies the policy's setting indicators to the evidence as
// at today. The provider's financial warning is not a setting indicator
// (see AssessProvider).
func AssessSetting(p *monitoringv1.RiskPolicySet, e *Evidence, today time.Time) Assessment {
	a := Assessment{Level: Green}
	cur := MonthOf(today)
	todayS := today.Format(DateLayout)
	for _, r := range p.GetIndicators() {
		n := max(r.GetWindowMonths(), 1)
		switch r.GetIndicator() {
		case monitoringv1.Indicator_INDICATOR_OFSTED_GRADE:
			if e.Grade > 0 {
				a.add(r, float64(e.Grade), e.URN, fmt.Sprintf("Ofsted judged %s on %s", gradeName(purchasingv1.OfstedGrade(e.Grade)), e.GradeDate))
			}
		case monitoringv1.Indicator_INDICATOR_OFSTED_GRADE_DROP:
			if e.Grade > 0 && e.PrevGrade > 0 && e.Grade > e.PrevGrade {
				a.add(r, float64(e.Grade-e.PrevGrade), e.URN, fmt.Sprintf("Ofsted grade fell from %s to %s on %s",
					gradeName(purchasingv1.OfstedGrade(e.PrevGrade)), gradeName(purchasingv1.OfstedGrade(e.Grade)), e.GradeDate))
			}
		case monitoringv1.Indicator_INDICATOR_MISSING_RETURNS:
			missing := 0
			for m := cur - Month(n); m < cur; m++ {
				if !e.Month(m).Filed && e.Expected(m) && DueOn(m, int(p.GetReturnDueWorkingDays())).Format(DateLayout) < todayS {
					missing++
				}
			}
			if missing > 0 {
				a.add(r, float64(missing), e.URN, fmt.Sprintf("%d monthly returns overdue in the last %d months", missing, n))
			}
		case monitoringv1.Indicator_INDICATOR_SERIOUS_INCIDENTS:
			since := (cur - Month(n) + 1).First().Format(DateLayout)
			count := 0
			for _, d := range e.Serious {
				if d >= since {
					count++
				}
			}
			if count > 0 {
				a.add(r, float64(count), e.URN, fmt.Sprintf("%d serious incidents notified since %s", count, since))
			}
		case monitoringv1.Indicator_INDICATOR_QA_VISIT:
			if e.VisitRating > 1 && e.VisitDate >= (cur-Month(n)+1).First().Format(DateLayout) {
				a.add(r, float64(e.VisitRating), e.URN, fmt.Sprintf("quality visit on %s found %s", e.VisitDate, visitName(e.VisitRating)))
			}
		case monitoringv1.Indicator_INDICATOR_FINANCIAL_WARNING:
			// provider-level: AssessProvider
		default:
			settingWindow(&a, r, e, cur, n)
		}
	}
	return a
}

// settingWindow applies the indicators computed from returns over a window.
func settingWindow(a *Assessment, r *monitoringv1.IndicatorRule, e *Evidence, cur Month, n uint32) {
	w := e.window(cur, n)
	if w.filed == 0 {
		return
	}
	places := w.places / float64(w.filed)
	months := fmt.Sprintf("%d months to %s", n, (cur - 1).String())
	switch r.GetIndicator() {
	case monitoringv1.Indicator_INDICATOR_INCIDENTS_PER_PLACE:
		if places > 0 {
			a.add(r, float64(w.incidents)/places, e.URN, fmt.Sprintf("%d notifiable incidents over %.0f places in the %s", w.incidents, places, months))
		}
	case monitoringv1.Indicator_INDICATOR_STAFF_TURNOVER:
		if staff := w.staff / float64(w.filed); staff > 0 {
			v := float64(w.leavers) / staff * 12 / float64(w.filed) * 100
			a.add(r, v, e.URN, fmt.Sprintf("staff turnover %.0f%% a year (%d leavers, %.0f staff) in the %s", v, w.leavers, staff, months))
		}
	case monitoringv1.Indicator_INDICATOR_AGENCY_STAFF:
		v := w.agency / float64(w.filed)
		a.add(r, v, e.URN, fmt.Sprintf("%.0f%% of shifts covered by agency staff in the %s", v, months))
	case monitoringv1.Indicator_INDICATOR_REPEATED_MISSING:
		a.add(r, float64(w.repeatMissing), e.URN, fmt.Sprintf("%d children repeatedly missing in the %s", w.repeatMissing, months))
	case monitoringv1.Indicator_INDICATOR_RESTRAINTS_PER_PLACE:
		if places > 0 {
			a.add(r, float64(w.restraints)/places, e.URN, fmt.Sprintf("%d restraints over %.0f places in the %s", w.restraints, places, months))
		}
	case monitoringv1.Indicator_INDICATOR_EDUCATION_ATTENDANCE:
		if w.attendanceN > 0 {
			v := w.attendance / w.attendanceN
			a.add(r, v, e.URN, fmt.Sprintf("education attendance %.0f%% in the %s", v, months))
		}
	case monitoringv1.Indicator_INDICATOR_COMPLAINTS_UPHELD:
		a.add(r, float64(w.upheld), e.URN, fmt.Sprintf("%d complaints upheld in the %s", w.upheld, months))
	case monitoringv1.Indicator_INDICATOR_FEEDBACK_SCORE:
		if w.feedbackN > 0 {
			v := w.feedback / w.feedbackN
			a.add(r, v, e.URN, fmt.Sprintf("children's feedback %.1f out of 5 (%.0f responses) in the %s", v, w.feedbackN, months))
		}
	}
}

func visitName(r int) string {
	if r >= 3 {
		return "serious concerns"
	}
	return "concerns"
}

// AssessProvider is a provider's level: its own financial warning under the
// policy, and the worst of its settings — a provider with a red setting is
// a provider at risk. Reasons are the warning's and those of the settings at
// the provider's level.
func AssessProvider(p *monitoringv1.RiskPolicySet, warning uint32, settings []Assessment) Assessment {
	a := Assessment{Level: Green}
	if warning > 0 {
		for _, r := range p.GetIndicators() {
			if r.GetIndicator() == monitoringv1.Indicator_INDICATOR_FINANCIAL_WARNING {
				what := "a financial concern"
				if warning >= 2 {
					what = "that failure is likely"
				}
				a.add(r, float64(warning), "", "the provider has warned of "+what)
			}
		}
	}
	for _, s := range settings {
		if s.Level > a.Level {
			a.Level = s.Level
		}
	}
	if a.Level == Green {
		return a
	}
	var own []*monitoringv1.RiskReason
	for _, r := range a.Reasons {
		if r.GetLevel() == a.Level {
			own = append(own, r)
		}
	}
	a.Reasons = own
	for _, s := range settings {
		if s.Level == a.Level {
			for _, r := range s.Reasons {
				if r.GetLevel() == a.Level {
					a.Reasons = append(a.Reasons, r)
				}
			}
		}
	}
	return a
}
