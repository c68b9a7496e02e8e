package domain_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// Quiet hours are read on the UK clock: 8pm to 7am is 20:00–07:00 UTC in
// winter and 19:00–06:00 UTC in summer.
func TestQuietHoursEndOnTheUKClock(t *testing.T) {
	night := &notifyv1.QuietHours{FromHour: 20, UntilHour: 7}
	lunch := &notifyv1.QuietHours{FromHour: 12, UntilHour: 14}
	utc := func(mo time.Month, d, h, m int) time.Time { return time.Date(2026, mo, d, h, m, 0, 0, time.UTC) }
	for _, c := range []struct {
		name string
		q    *notifyv1.QuietHours
		now  time.Time
		want time.Time
	}{
		{"none chosen", nil, utc(12, 3, 23, 0), time.Time{}},
		{"winter evening: until 7am the next day", night, utc(12, 3, 21, 30), utc(12, 4, 7, 0)},
		{"winter, after midnight: until 7am that day", night, utc(12, 4, 2, 0), utc(12, 4, 7, 0)},
		{"winter, the first quiet hour", night, utc(12, 3, 20, 0), utc(12, 4, 7, 0)},
		{"winter, 7am itself is not quiet", night, utc(12, 4, 7, 0), time.Time{}},
		{"winter day", night, utc(12, 3, 12, 0), time.Time{}},
		{"summer: 7am BST is 6am UTC", night, utc(7, 1, 22, 0), utc(7, 2, 6, 0)},
		{"summer: 7:30pm BST is not yet quiet", night, utc(7, 1, 18, 30), time.Time{}},
		{"within a day", lunch, utc(12, 3, 13, 59), utc(12, 3, 14, 0)},
		{"within a day, after", lunch, utc(12, 3, 14, 0), time.Time{}},
	} {
		if got := domain.QuietUntil(c.q, c.now); !got.Equal(c.want) {
			t.Errorf("%s: quiet until %v, want %v", c.name, got, c.want)
		}
	}
}

func TestQuietHoursChoice(t *testing.T) {
	set := func(q *notifyv1.QuietHours) func(domain.PersonState) ([]proto.Message, error) {
		return func(s domain.PersonState) ([]proto.Message, error) {
			return domain.DecideSetPreferences(s, domain.SetPreferences{Organisation: "council:352", PersonID: "p-1", Roles: []string{domain.RoleCouncilCommissioner}, QuietHours: q})
		}
	}
	when(given(domain.EvolvePerson), set(&notifyv1.QuietHours{FromHour: 24, UntilHour: 7})).thenRule(t, domainerr.Invalid, "quiet_hours.from_hour")
	when(given(domain.EvolvePerson), set(&notifyv1.QuietHours{FromHour: 20, UntilHour: 31})).thenRule(t, domainerr.Invalid, "quiet_hours.until_hour")
	when(given(domain.EvolvePerson), set(&notifyv1.QuietHours{FromHour: 7, UntilHour: 7})).thenRule(t, domainerr.Invalid, "quiet_hours.until_hour")
	want := &notifyv1.PreferencesSet{Preferences: &notifyv1.Preferences{Organisation: "council:352", PersonId: "p-1", QuietHours: &notifyv1.QuietHours{FromHour: 20, UntilHour: 7}}}
	when(given(domain.EvolvePerson), set(&notifyv1.QuietHours{FromHour: 20, UntilHour: 7})).then(t, want)
	when(given(domain.EvolvePerson, want), set(&notifyv1.QuietHours{FromHour: 20, UntilHour: 7})).then(t)
	// Midnight to 7am is a choice like any other (from_hour 0).
	when(given(domain.EvolvePerson, want), set(&notifyv1.QuietHours{FromHour: 0, UntilHour: 7})).then(t,
		&notifyv1.PreferencesSet{Preferences: &notifyv1.Preferences{Organisation: "council:352", PersonId: "p-1", QuietHours: &notifyv1.QuietHours{UntilHour: 7}}})
}

// In someone's quiet hours what may wait is held until they end, then it is
// pending; referrals and alerts go at once; a digest taker's wait for the
// digest instead.
func TestQuietHoursHoldWhatMayWaitAndNeverWhatMayNot(t *testing.T) {
	evening := time.Date(2026, time.December, 3, 21, 0, 0, 0, time.UTC)
	morning := time.Date(2026, time.December, 4, 7, 0, 0, 0, time.UTC)
	lead := []*notifyv1.Contact{{PersonId: "p-l", Email: "lead@nw.example", Roles: []string{domain.RoleConsortiumLead}}}
	quiet := func(digest bool) func(string) *notifyv1.Preferences {
		return func(string) *notifyv1.Preferences {
			return &notifyv1.Preferences{DailyDigest: digest, QuietHours: &notifyv1.QuietHours{FromHour: 20, UntilHour: 7}}
		}
	}
	mayWait := domain.Recipients("consortium:nw", mustTemplate(t, domain.TApplicationReceived), lead, quiet(false), evening)
	urgent := domain.Recipients("consortium:nw", mustTemplate(t, domain.TProviderSuspended), lead, quiet(false), evening)
	digest := domain.Recipients("consortium:nw", mustTemplate(t, domain.TApplicationReceived), lead, quiet(true), evening)
	daytime := domain.Recipients("consortium:nw", mustTemplate(t, domain.TApplicationReceived), lead, quiet(false), noon)
	if len(mayWait) != 1 || !mayWait[0].HeldUntil.Equal(morning) {
		t.Fatalf("not urgent, in quiet hours: %+v", mayWait)
	}
	if len(urgent) != 1 || !urgent[0].HeldUntil.IsZero() {
		t.Fatalf("urgent held: %+v", urgent)
	}
	if len(digest) != 1 || !digest[0].HeldForDigest || !digest[0].HeldUntil.IsZero() {
		t.Fatalf("digest taker: %+v", digest)
	}
	if len(daytime) != 1 || !daytime[0].HeldUntil.IsZero() {
		t.Fatalf("outside quiet hours: %+v", daytime)
	}

	mayWait[0].Personalisation = map[string]string{"provider": "Birch Ltd", "dps": "NW DPS", "deadline": "2026-12-17"}
	// Even told to hold it, the domain never holds an urgent one.
	urgent[0].HeldUntil, urgent[0].Personalisation = morning, map[string]string{"provider": "Birch Ltd", "level": "red"}
	ev, err := domain.DecideNotifications(domain.CauseState{}, domain.DecideNotificationsCmd{CauseEventID: "evt-9", Planned: []domain.Planned{mayWait[0], urgent[0]}})
	if err != nil || len(ev) != 2 {
		t.Fatalf("decided %v %v", ev, err)
	}
	held, now := ev[0].(*notifyv1.NotificationDecided), ev[1].(*notifyv1.NotificationDecided)
	if !proto.Equal(held.GetHeldUntil(), timestamppb.New(morning)) || now.GetHeldUntil() != nil {
		t.Fatalf("held until %v and %v", held.GetHeldUntil(), now.GetHeldUntil())
	}
	s := domain.FoldCause(domain.CauseState{}, ev)
	if p := s.Pending(evening); len(p) != 1 || p[0] != now {
		t.Fatalf("pending in quiet hours: %v", p)
	}
	if p := s.Pending(morning); len(p) != 2 {
		t.Fatalf("pending when they end: %v", p)
	}
}
