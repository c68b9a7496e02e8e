package domain_test

import (
	"testing"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// Past GOV.UK's bank holiday table (it ends in 2028) a return's due date
// still skips bank holidays, which kit/calendar derives by rule.
func TestReturnDueSkipsBankHolidaysAfterTheTable(t *testing.T) {
	for _, c := range []struct {
		period, due, why string
	}{
		// April 2029 ends on Monday 30 April; Monday 7 May is the Early May
		// bank holiday, so the ten working days are 1–4, 8–11, 14 and 15 May.
		{"2029-04", "2029-05-15", "Early May bank holiday"},
		// December 2032 ends on Friday 31 December; New Year's Day 2033 is a
		// Saturday, its substitute Monday 3 January.
		{"2032-12", "2033-01-17", "substitute for New Year's Day"},
	} {
		if got := domain.DueOn(mustMonth(t, c.period), domain.DefaultDueWorkingDays).Format(domain.DateLayout); got != c.due {
			t.Errorf("%s's return due on %s, want %s (after the %s)", c.period, got, c.due, c.why)
		}
	}
	for date, late := range map[string]bool{"2029-05-15": false, "2029-05-16": true} {
		ev := thenOne[*monitoringv1.MonitoringReturnSubmitted](t, when(givenSetting(), domain.DecideReturn, submit(acme, at(date), "2029-04", figures())))
		if ev.GetDueOn() != "2029-05-15" || ev.GetLate() != late {
			t.Errorf("April 2029's return filed on %s: due %s late %v, want due 2029-05-15 late %v", date, ev.GetDueOn(), ev.GetLate(), late)
		}
	}
}
