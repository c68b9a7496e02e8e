package domain

import (
	"maps"
	"slices"

	"google.golang.org/protobuf/proto"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// PersonState is a person's choices and what they read.
type PersonState struct {
	Preferences *notifyv1.Preferences
	Read        map[string]bool
}

// EvolvePerson applies one event (FoldPerson of one).
func EvolvePerson(s PersonState, e proto.Message) PersonState {
	return FoldPerson(s, []proto.Message{e})
}

// FoldPerson applies events in order; it copies the read marks once.
func FoldPerson(s PersonState, events []proto.Message) PersonState {
	s.Read = maps.Clone(s.Read)
	if s.Read == nil {
		s.Read = map[string]bool{}
	}
	for _, e := range events {
		switch e := e.(type) {
		case *notifyv1.PreferencesSet:
			s.Preferences = e.GetPreferences()
		case *notifyv1.NotificationRead:
			s.Read[e.GetNotificationId()] = true
		}
	}
	return s
}

// SetPreferences is a person's choice of what to receive.
type SetPreferences struct {
	Organisation string
	PersonID     string
	// Roles the person holds (from their contact).
	Roles       []string
	Off         []string
	DailyDigest bool
	// QuietHours: nil for none.
	QuietHours *notifyv1.QuietHours
}

// DecideSetPreferences decides SetPreferences: every template named must
// exist, and none may be mandatory for the person's roles; quiet hours are
// whole hours 0–23 that start and end at different hours.
func DecideSetPreferences(s PersonState, c SetPreferences) ([]proto.Message, error) {
	if err := checkQuietHours(c.QuietHours); err != nil {
		return nil, err
	}
	for i, id := range c.Off {
		t, ok := TemplateByID(id)
		if !ok {
			return nil, domainerr.Field("off["+itoa(i)+"]", "there is no notification %s", id)
		}
		if t.Mandatory(c.Roles) {
			return nil, domainerr.Rule(RuleTemplateMandatory, "%q cannot be turned off: it is mandatory for your role", t.Title)
		}
	}
	off := slices.Clone(c.Off)
	slices.Sort(off)
	p := &notifyv1.Preferences{Organisation: c.Organisation, PersonId: c.PersonID, Off: off, DailyDigest: c.DailyDigest, QuietHours: c.QuietHours}
	if s.Preferences != nil && proto.Equal(s.Preferences, p) {
		return nil, nil
	}
	return []proto.Message{&notifyv1.PreferencesSet{Preferences: p}}, nil
}

// MarkRead marks one of the person's notifications read.
type MarkRead struct {
	Organisation   string
	PersonID       string
	NotificationID string
	// Theirs: the notification was sent to this person.
	Theirs bool
}

// DecideMarkRead decides MarkRead; reading twice records nothing.
func DecideMarkRead(s PersonState, c MarkRead) ([]proto.Message, error) {
	if !c.Theirs {
		return nil, domainerr.Missing("notification", "there is no notification %s of yours", c.NotificationID)
	}
	if s.Read[c.NotificationID] {
		return nil, nil
	}
	return []proto.Message{&notifyv1.NotificationRead{Organisation: c.Organisation, PersonId: c.PersonID, NotificationId: c.NotificationID}}, nil
}
