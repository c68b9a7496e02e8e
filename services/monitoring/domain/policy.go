package domain

import (
	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// DefaultDueWorkingDays is when a month's return is due by default.
const DefaultDueWorkingDays = 10

type ind = monitoringv1.Indicator

// LowerIsWorse are the indicators where a low value is the warning sign.
func LowerIsWorse(i ind) bool {
	return i == monitoringv1.Indicator_INDICATOR_EDUCATION_ATTENDANCE || i == monitoringv1.Indicator_INDICATOR_FEEDBACK_SCORE
}

func rule(i ind, amber, red float64, window uint32) *monitoringv1.IndicatorRule {
	return &monitoringv1.IndicatorRule{Indicator: i, Amber: amber, Red: red, WindowMonths: window}
}

// DefaultPolicy is the early-warning policy of a consortium that has not
// set its own: every indicator, with thresholds a commissioning team would
// start from, and red suspending new referrals.
func DefaultPolicy(consortium string) *monitoringv1.RiskPolicySet {
	return &monitoringv1.RiskPolicySet{
		Consortium: consortium,
		Indicators: []*monitoringv1.IndicatorRule{
			rule(monitoringv1.Indicator_INDICATOR_OFSTED_GRADE, 3, 4, 1),
			rule(monitoringv1.Indicator_INDICATOR_OFSTED_GRADE_DROP, 1, 2, 1),
			rule(monitoringv1.Indicator_INDICATOR_INCIDENTS_PER_PLACE, 1, 2, 3),
			rule(monitoringv1.Indicator_INDICATOR_MISSING_RETURNS, 1, 3, 12),
			rule(monitoringv1.Indicator_INDICATOR_STAFF_TURNOVER, 30, 50, 12),
			rule(monitoringv1.Indicator_INDICATOR_AGENCY_STAFF, 20, 40, 3),
			rule(monitoringv1.Indicator_INDICATOR_REPEATED_MISSING, 2, 5, 3),
			rule(monitoringv1.Indicator_INDICATOR_RESTRAINTS_PER_PLACE, 2, 4, 3),
			rule(monitoringv1.Indicator_INDICATOR_EDUCATION_ATTENDANCE, 90, 80, 3),
			rule(monitoringv1.Indicator_INDICATOR_COMPLAINTS_UPHELD, 2, 4, 6),
			rule(monitoringv1.Indicator_INDICATOR_FEEDBACK_SCORE, 3.5, 2.5, 3),
			rule(monitoringv1.Indicator_INDICATOR_SERIOUS_INCIDENTS, 1, 2, 3),
			rule(monitoringv1.Indicator_INDICATOR_QA_VISIT, 2, 3, 12),
			rule(monitoringv1.Indicator_INDICATOR_FINANCIAL_WARNING, 1, 2, 1),
		},
		SuspendOnRed:         true,
		ReturnDueWorkingDays: DefaultDueWorkingDays,
		Reason:               "default policy",
	}
}

// PolicyState is a consortium's policy (nil until set).
type PolicyState struct {
	Policy *monitoringv1.RiskPolicySet
}

// EvolvePolicy applies one event.
func EvolvePolicy(s PolicyState, e proto.Message) PolicyState {
	if p, ok := e.(*monitoringv1.RiskPolicySet); ok {
		s.Policy = p
	}
	return s
}

// SetPolicy is a consortium lead agreeing the early-warning policy.
type SetPolicy struct {
	Actor          Actor
	Indicators     []*monitoringv1.IndicatorRule
	SuspendOnRed   bool
	DueWorkingDays uint32
	Reason         string
}

// DecidePolicy decides SetPolicy.
func DecidePolicy(_ PolicyState, c SetPolicy) ([]proto.Message, error) {
	seen := map[ind]bool{}
	for _, r := range c.Indicators {
		if seen[r.GetIndicator()] {
			return nil, domainerr.Rule(RuleIndicatorRepeated, "indicator %s is listed twice", r.GetIndicator())
		}
		seen[r.GetIndicator()] = true
		if LowerIsWorse(r.GetIndicator()) {
			if r.GetRed() > r.GetAmber() {
				return nil, domainerr.Rule(RuleThresholdsOrder, "%s warns when low: red (%g) must be at or below amber (%g)", r.GetIndicator(), r.GetRed(), r.GetAmber())
			}
		} else if r.GetRed() < r.GetAmber() {
			return nil, domainerr.Rule(RuleThresholdsOrder, "%s warns when high: red (%g) must be at or above amber (%g)", r.GetIndicator(), r.GetRed(), r.GetAmber())
		}
	}
	return []proto.Message{&monitoringv1.RiskPolicySet{
		Consortium: c.Actor.Consortium(), Indicators: c.Indicators, SuspendOnRed: c.SuspendOnRed,
		ReturnDueWorkingDays: c.DueWorkingDays, Reason: c.Reason,
	}}, nil
}
