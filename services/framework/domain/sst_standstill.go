package domain

import (
	"time"

	"github.com/carecoop/carecoop/services/kit/calendar"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// StandstillWorkingDays is the mandatory standstill after a contract award
// notice (Procurement Act 2023 s.51): eight working days, England and Wales.
const StandstillWorkingDays = 8

// StandstillEnds is the last day of a standstill whose notice was
// published on notice's date: the eighth working day counting the notice's
// own day when it is a working day (the period begins with it).
func StandstillEnds(notice time.Time) time.Time {
	// AddWorkingDays never counts its start, so start from the day before.
	end, _ := calendar.AddWorkingDays(calendar.DateOf(notice).AddDate(0, 0, -1), StandstillWorkingDays)
	return end
}

// sstPeriod reads an award's notice day ("" is now's day, in England) and
// returns it with the standstill's last day.
func sstPeriod(notice string, now time.Time) (day, ends time.Time, err error) {
	today := calendar.DateOf(now)
	day = today
	if notice != "" {
		d, ok := parseDate(notice)
		if !ok {
			return day, ends, domainerr.Field("notice_published_on", "%q is not a date: write the day the contract award notice was published as YYYY-MM-DD", notice)
		}
		day = d
	}
	if day.After(today) {
		return day, ends, domainerr.Rule(RuleNoticeNotInFuture, "the contract award notice cannot have been published on %s, after today (%s): award once it is published, giving the day it was",
			sstLongDate(day), sstLongDate(today))
	}
	return day, StandstillEnds(day), nil
}

// sstOver refuses activation while the standstill runs: it ends at the end
// of its last day. An award from before the standstill was kept has none.
func (s State) sstOver(now time.Time) error {
	if s.StandstillEnds == "" {
		return nil
	}
	ends, ok := parseDate(s.StandstillEnds)
	if !ok || calendar.DateOf(now).After(ends) {
		return nil
	}
	return domainerr.Rule(RuleStandstill, "the standstill period ends on %s: framework %s can be activated from %s (8 working days beginning with the day the contract award notice was published, %s)",
		sstLongDate(ends), s.FrameworkID, sstLongDate(ends.AddDate(0, 0, 1)), sstLongDate(sstDateOr(s.NoticePublishedOn, ends)))
}

// sstLongDate writes a date as people read it: "Tuesday 15 December 2026".
func sstLongDate(d time.Time) string { return d.Format("Monday 2 January 2006") }

// sstDateOr parses s, or gives fallback for a date the events never hold.
func sstDateOr(s string, fallback time.Time) time.Time {
	if d, ok := parseDate(s); ok {
		return d
	}
	return fallback
}
