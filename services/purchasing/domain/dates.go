package domain

import (
	"time"

	"github.com/carecoop/carecoop/services/kit/calendar"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// DateLayout is how the API writes calendar dates.
const DateLayout = "2006-01-02"

// parseDate reads a "YYYY-MM-DD" field, or names the field in the error.
func parseDate(field, s string) (time.Time, error) {
	d, err := time.Parse(DateLayout, s)
	if err != nil {
		return time.Time{}, domainerr.Field(field, "%q is not a date (YYYY-MM-DD)", s)
	}
	return d, nil
}

// Today is now's calendar date in England, as a UTC midnight.
func Today(now time.Time) time.Time { return calendar.DateOf(now) }

// FormatDate writes a date the way the API does.
func FormatDate(d time.Time) string { return d.Format(DateLayout) }
