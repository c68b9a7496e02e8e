package app

import "time"

// dlClosingSoon: a provider that has not answered a referral is reminded
// when its offers close within this long (the sweep runs hourly).
const dlClosingSoon = 3 * time.Hour

// dlLondon: people are told times in UK time. The kit's calendar links the
// zone database in, so this loads on a host without one.
var dlLondon = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// dlCloses says when offers close: "at 2:30pm on 3 December 2026", or, for
// a referral made before deadlines, "when the council decides".
func dlCloses(t time.Time) string {
	if t.IsZero() {
		return "when the council decides"
	}
	l := t.In(dlLondon)
	return "at " + l.Format("3:04pm") + " on " + l.Format("2 January 2006")
}
