// Package domain is the contract monitoring context's rules, pure Go with no
// I/O and no clock (time comes in with each command). Deciders:
//   - a contract: a placement or framework call-off, created from award
//     events, ended by its council or its framework, with outcomes;
//   - a setting's monitoring: monthly returns, Ofsted judgements, quality
//     visits, incidents and feedback, collected once for every council;
//   - a provider's own financial warnings;
//   - a consortium's early-warning policy;
//   - a provider's risk levels under one consortium (risk.go), moved by
//     assessments of the evidence (assess.go).
package domain

import (
	"fmt"
	"strings"
	"time"

	"github.com/carecoop/carecoop/services/kit/calendar"
)

// Roles the domain checks.
const (
	RoleConsortiumLead      = "consortium_lead"
	RoleCouncilCommissioner = "council_commissioner"
	RolePlatformAdmin       = "platform_admin"
)

// Rule ids (stable: clients and tests match on them).
const (
	RuleDateInFuture         = "monitoring.date_in_future"
	RuleEndBeforeStart       = "monitoring.end_before_start"
	RuleUnknownReasonCode    = "monitoring.unknown_reason_code"
	RuleContractEnded        = "monitoring.contract_ended"
	RuleOutcomesForPlacement = "monitoring.outcomes_for_placements_only"
	RuleStartOutcomeRecorded = "monitoring.start_outcome_already_recorded"
	RuleReviewBeforeStart    = "monitoring.review_before_start_outcome"
	RuleOutcomeBeforeStart   = "monitoring.outcome_before_placement_start"
	RuleNotSettingProvider   = "monitoring.not_the_settings_provider"
	RulePeriodNotEnded       = "monitoring.period_not_ended"
	RuleReturnAlreadyFiled   = "monitoring.return_already_filed"
	RuleNothingToCorrect     = "monitoring.no_return_to_correct"
	RuleFiguresInconsistent  = "monitoring.figures_inconsistent"
	RuleJudgementRecorded    = "monitoring.judgement_already_recorded"
	RuleFollowUpBeforeVisit  = "monitoring.follow_up_before_visit"
	RuleWarningAlreadyRaised = "monitoring.warning_already_raised"
	RuleNoWarning            = "monitoring.no_warning_to_withdraw"
	RuleIndicatorRepeated    = "monitoring.indicator_repeated"
	RuleThresholdsOrder      = "monitoring.thresholds_out_of_order"
	RuleNotPlacedThere       = "monitoring.council_has_no_placement_there"
	RuleNotMember            = "monitoring.council_not_in_consortium"
	RuleAssessmentStale      = "monitoring.assessment_older_than_recorded"
)

// Actor is who issues a command.
type Actor struct {
	Subject      string
	Organisation string
	Role         string
}

func (a Actor) orgID(kind string) string {
	id, ok := strings.CutPrefix(a.Organisation, kind+":")
	if !ok {
		return ""
	}
	return id
}

// Council is the LA code of a council actor.
func (a Actor) Council() string { return a.orgID("council") }

// Consortium is the slug of a consortium actor.
func (a Actor) Consortium() string { return a.orgID("consortium") }

// Provider is the id of a provider actor.
func (a Actor) Provider() string { return a.orgID("provider") }

// DateLayout is how calendar dates are written.
const DateLayout = time.DateOnly

// Today is the calendar date in England at now.
func Today(now time.Time) string { return calendar.DateOf(now).Format(DateLayout) }

// ParseDate parses a "YYYY-MM-DD" date (the zero time if it is not one).
func ParseDate(s string) time.Time {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Month is a monitoring period as a count of months (year*12 + month-1), so
// windows are arithmetic.
type Month int32

// ParseMonth parses "YYYY-MM" (ok false if it is not one).
func ParseMonth(s string) (Month, bool) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return 0, false
	}
	return Month(t.Year()*12 + int(t.Month()) - 1), true
}

// MonthOf is the month a date falls in.
func MonthOf(d time.Time) Month { return Month(d.Year()*12 + int(d.Month()) - 1) }

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", int(m)/12, int(m)%12+1) }

// First is the month's first day.
func (m Month) First() time.Time {
	return time.Date(int(m)/12, time.Month(int(m)%12+1), 1, 0, 0, 0, 0, time.UTC)
}

// Last is the month's last day.
func (m Month) Last() time.Time { return (m + 1).First().AddDate(0, 0, -1) }

// DueOn is the date a month's return is due: the given working days after
// the month's last day, England and Wales bank holidays skipped in any year
// (kit/calendar). workingDays comes from a policy's unsigned count; a
// negative one is a programming error and panics.
func DueOn(m Month, workingDays int) time.Time {
	d, err := calendar.AddWorkingDays(m.Last(), workingDays)
	if err != nil {
		panic("monitoring: " + err.Error())
	}
	return d
}
