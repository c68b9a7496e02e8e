package view

import (
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
)

// laNames are the DfE three-digit LA codes of the councils with children's
// services in the North West and in Yorkshire and the Humber, the regions
// of the consortia the platform runs today. A code not listed is shown as
// the code alone.
var laNames = map[string]string{
	// North West
	"340": "Knowsley", "341": "Liverpool", "342": "St Helens", "343": "Sefton", "344": "Wirral",
	"350": "Bolton", "351": "Bury", "352": "Manchester", "353": "Oldham", "354": "Rochdale",
	"355": "Salford", "356": "Stockport", "357": "Tameside", "358": "Trafford", "359": "Wigan",
	"876": "Halton", "877": "Warrington", "888": "Lancashire", "889": "Blackburn with Darwen",
	"890": "Blackpool", "895": "Cheshire East", "896": "Cheshire West and Chester",
	// Yorkshire and the Humber
	"370": "Barnsley", "371": "Doncaster", "372": "Rotherham", "373": "Sheffield",
	"380": "Bradford", "381": "Calderdale", "382": "Kirklees", "383": "Leeds", "384": "Wakefield",
	"810": "Kingston upon Hull", "811": "East Riding of Yorkshire", "812": "North East Lincolnshire",
	"813": "North Lincolnshire", "815": "North Yorkshire", "816": "York",
}

// CouncilName is a council's name from its LA code ("352" → "Manchester"),
// or "Council 999" for a code the portal does not know.
func CouncilName(code string) string {
	if n, ok := laNames[code]; ok {
		return n
	}
	return "Council " + code
}

// indicatorWords names each early-warning indicator and says what it
// measures, as a commissioner reads it.
var indicatorWords = map[monitoringv1.Indicator][2]string{
	monitoringv1.Indicator_INDICATOR_OFSTED_GRADE:         {"Ofsted grade", "Latest Ofsted grade: 1 Outstanding, 2 Good, 3 Requires improvement, 4 Inadequate"},
	monitoringv1.Indicator_INDICATOR_OFSTED_GRADE_DROP:    {"Ofsted grade drop", "Grades lost between the two latest judgements"},
	monitoringv1.Indicator_INDICATOR_INCIDENTS_PER_PLACE:  {"Incidents per place", "Notifiable incidents per registered place"},
	monitoringv1.Indicator_INDICATOR_MISSING_RETURNS:      {"Missing monthly returns", "Monthly returns overdue"},
	monitoringv1.Indicator_INDICATOR_STAFF_TURNOVER:       {"Staff turnover", "Staff leavers, annualised, as a percentage of staff in post"},
	monitoringv1.Indicator_INDICATOR_AGENCY_STAFF:         {"Agency staff", "Percentage of shifts covered by agency staff"},
	monitoringv1.Indicator_INDICATOR_REPEATED_MISSING:     {"Repeated missing episodes", "Children missing three times or more in a month"},
	monitoringv1.Indicator_INDICATOR_RESTRAINTS_PER_PLACE: {"Restraints per place", "Restraints per registered place"},
	monitoringv1.Indicator_INDICATOR_EDUCATION_ATTENDANCE: {"Education attendance", "Percentage attendance; warns when at or below the thresholds"},
	monitoringv1.Indicator_INDICATOR_COMPLAINTS_UPHELD:    {"Complaints upheld", "Complaints upheld"},
	monitoringv1.Indicator_INDICATOR_FEEDBACK_SCORE:       {"Children's feedback", "Mean feedback score from 1 to 5; warns when at or below the thresholds"},
	monitoringv1.Indicator_INDICATOR_SERIOUS_INCIDENTS:    {"Serious incidents", "Deaths, serious injuries, allegations against staff and child sexual exploitation notified"},
	monitoringv1.Indicator_INDICATOR_QA_VISIT:             {"Quality visit", "Latest quality-assurance visit: 1 no concerns, 2 concerns, 3 serious concerns"},
	monitoringv1.Indicator_INDICATOR_FINANCIAL_WARNING:    {"Financial warning", "The provider's own warning: 1 concern, 2 likely failure"},
}

// IndicatorName is an indicator's name in words.
func IndicatorName(i monitoringv1.Indicator) string {
	if w, ok := indicatorWords[i]; ok {
		return w[0]
	}
	return Words(i)
}

// indicatorMeasure says what an indicator measures.
func indicatorMeasure(i monitoringv1.Indicator) string { return indicatorWords[i][1] }

// pointInTime reports an indicator read from the latest evidence, not over
// a window of months.
func pointInTime(i monitoringv1.Indicator) bool {
	switch i {
	case monitoringv1.Indicator_INDICATOR_OFSTED_GRADE, monitoringv1.Indicator_INDICATOR_OFSTED_GRADE_DROP, monitoringv1.Indicator_INDICATOR_FINANCIAL_WARNING:
		return true
	}
	return false
}

// indicatorWindow is the period an indicator looks back over, in words.
func indicatorWindow(r *monitoringv1.IndicatorRule) string {
	if pointInTime(r.GetIndicator()) {
		return "Latest"
	}
	return count(int(r.GetWindowMonths()), "month", "months")
}
