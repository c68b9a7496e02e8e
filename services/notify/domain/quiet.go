package domain

import (
	"time"
	_ "time/tzdata" // Europe/London must load on hosts without zoneinfo.

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// london: quiet hours are the person's clock, UK time.
var london = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic("notify: " + err.Error()) // tzdata is linked in
	}
	return loc
}()

// QuietUntil is when the quiet hours q that hold at now end (the next
// until_hour:00 in UK time), or the zero time when none hold at now.
func QuietUntil(q *notifyv1.QuietHours, now time.Time) time.Time {
	if q == nil || q.GetFromHour() == q.GetUntilHour() || q.GetFromHour() > 23 || q.GetUntilHour() > 23 {
		return time.Time{}
	}
	l := now.In(london)
	h, from, until := uint32(l.Hour()), q.GetFromHour(), q.GetUntilHour()
	quiet := from <= h && h < until
	if from > until { // across midnight
		quiet = h >= from || h < until
	}
	if !quiet {
		return time.Time{}
	}
	end := time.Date(l.Year(), l.Month(), l.Day(), int(until), 0, 0, 0, london)
	if !end.After(now) {
		end = time.Date(l.Year(), l.Month(), l.Day()+1, int(until), 0, 0, 0, london)
	}
	return end
}

// checkQuietHours refuses quiet hours outside 0–23 or starting when they end.
func checkQuietHours(q *notifyv1.QuietHours) error {
	switch {
	case q == nil:
		return nil
	case q.GetFromHour() > 23:
		return domainerr.Field("quiet_hours.from_hour", "must be an hour from 0 to 23")
	case q.GetUntilHour() > 23:
		return domainerr.Field("quiet_hours.until_hour", "must be an hour from 0 to 23")
	case q.GetFromHour() == q.GetUntilHour():
		return domainerr.Field("quiet_hours.until_hour", "must be a different hour from the one your quiet hours start at")
	}
	return nil
}
