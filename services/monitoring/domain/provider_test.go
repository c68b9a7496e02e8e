package domain_test

import (
	"testing"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

func raise(level uint32) domain.RaiseWarning {
	return domain.RaiseWarning{Actor: acme, Now: now, Level: level, Summary: "loss of a major contract"}
}

func raised(level uint32) *monitoringv1.FinancialWarningRaised {
	return &monitoringv1.FinancialWarningRaised{ProviderId: acmeID, Level: level, Summary: "loss of a major contract", RaisedOn: today}
}

var withdrawn = &monitoringv1.FinancialWarningWithdrawn{ProviderId: acmeID, Reason: "new investor"}

func withdraw() domain.WithdrawWarning {
	return domain.WithdrawWarning{Actor: acme, Reason: "new investor"}
}

func TestRaiseFinancialWarning(t *testing.T) {
	s := when(givenProvider(), domain.DecideRaiseWarning, raise(1)).thenEvents(t, raised(1))
	if s.WarningLevel != 1 {
		t.Fatalf("level %d after raising 1", s.WarningLevel)
	}
	// Worse, then better again: each level replaces the last.
	s = when(givenProvider(raised(1)), domain.DecideRaiseWarning, raise(2)).thenEvents(t, raised(2))
	if s.WarningLevel != 2 {
		t.Fatalf("level %d after raising 2", s.WarningLevel)
	}
	s = when(givenProvider(raised(1), raised(2)), domain.DecideRaiseWarning, raise(1)).thenEvents(t, raised(1))
	if s.WarningLevel != 1 {
		t.Fatalf("level %d after lowering to 1", s.WarningLevel)
	}
}

func TestRaiseFinancialWarningAtTheSameLevel(t *testing.T) {
	when(givenProvider(raised(2)), domain.DecideRaiseWarning, raise(2)).thenRule(t, domain.RuleWarningAlreadyRaised)
	when(givenProvider(raised(2), raised(1)), domain.DecideRaiseWarning, raise(1)).thenRule(t, domain.RuleWarningAlreadyRaised)
}

func TestWithdrawFinancialWarning(t *testing.T) {
	s := when(givenProvider(raised(2)), domain.DecideWithdrawWarning, withdraw()).thenEvents(t, withdrawn)
	if s.WarningLevel != 0 {
		t.Fatalf("level %d after withdrawing", s.WarningLevel)
	}
	// Raised again after a withdrawal.
	when(givenProvider(raised(2), withdrawn), domain.DecideRaiseWarning, raise(2)).thenEvents(t, raised(2))
}

func TestWithdrawNoFinancialWarning(t *testing.T) {
	when(givenProvider(), domain.DecideWithdrawWarning, withdraw()).thenRule(t, domain.RuleNoWarning)
	when(givenProvider(raised(1), withdrawn), domain.DecideWithdrawWarning, withdraw()).thenRule(t, domain.RuleNoWarning)
}

// Policy.

func indicator(i monitoringv1.Indicator, amber, red float64, window uint32) *monitoringv1.IndicatorRule {
	return &monitoringv1.IndicatorRule{Indicator: i, Amber: amber, Red: red, WindowMonths: window}
}

const (
	incidentsPerPlace = monitoringv1.Indicator_INDICATOR_INCIDENTS_PER_PLACE
	attendance        = monitoringv1.Indicator_INDICATOR_EDUCATION_ATTENDANCE
	feedbackScore     = monitoringv1.Indicator_INDICATOR_FEEDBACK_SCORE
)

func setPolicy(rules ...*monitoringv1.IndicatorRule) domain.SetPolicy {
	return domain.SetPolicy{Actor: lead, Indicators: rules, SuspendOnRed: true, DueWorkingDays: 15, Reason: "agreed at the board"}
}

func TestSetPolicy(t *testing.T) {
	rules := []*monitoringv1.IndicatorRule{indicator(incidentsPerPlace, 1, 1, 3), indicator(attendance, 85, 70, 3), indicator(feedbackScore, 3, 3, 6)}
	s := when(givenPolicy(), domain.DecidePolicy, setPolicy(rules...)).thenEvents(t, &monitoringv1.RiskPolicySet{
		Consortium: nw, Indicators: rules, SuspendOnRed: true, ReturnDueWorkingDays: 15, Reason: "agreed at the board",
	})
	if s.Policy.GetConsortium() != nw {
		t.Fatalf("policy after setting it: %v", s.Policy)
	}
	// The default policy is one a lead could agree.
	d := domain.DefaultPolicy(nw)
	ev := thenOne[*monitoringv1.RiskPolicySet](t, when(givenPolicy(), domain.DecidePolicy,
		domain.SetPolicy{Actor: lead, Indicators: d.GetIndicators(), SuspendOnRed: true, DueWorkingDays: 10}))
	if len(ev.GetIndicators()) != 14 {
		t.Errorf("the default policy has %d indicators, want all 14", len(ev.GetIndicators()))
	}
}

func TestSetPolicyRules(t *testing.T) {
	when(givenPolicy(), domain.DecidePolicy, setPolicy(indicator(incidentsPerPlace, 1, 2, 3), indicator(attendance, 90, 80, 3), indicator(incidentsPerPlace, 2, 3, 6))).
		thenRule(t, domain.RuleIndicatorRepeated)
	// Higher is worse: red below amber.
	when(givenPolicy(), domain.DecidePolicy, setPolicy(indicator(incidentsPerPlace, 2, 1, 3))).thenRule(t, domain.RuleThresholdsOrder)
	// Lower is worse: red above amber (90% attendance red, 80% amber).
	when(givenPolicy(), domain.DecidePolicy, setPolicy(indicator(attendance, 80, 90, 3))).thenRule(t, domain.RuleThresholdsOrder)
	when(givenPolicy(), domain.DecidePolicy, setPolicy(indicator(feedbackScore, 2.5, 3.5, 3))).thenRule(t, domain.RuleThresholdsOrder)
}
