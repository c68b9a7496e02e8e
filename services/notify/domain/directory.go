package domain

import (
	"maps"
	"strings"

	"google.golang.org/protobuf/proto"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// DirectoryState is the contacts an organisation's admin added, by person id.
type DirectoryState struct {
	Contacts map[string]*notifyv1.Contact
}

// EvolveDirectory applies one event (FoldDirectory of one).
func EvolveDirectory(s DirectoryState, e proto.Message) DirectoryState {
	return FoldDirectory(s, []proto.Message{e})
}

// FoldDirectory applies events in order; it copies the map once.
func FoldDirectory(s DirectoryState, events []proto.Message) DirectoryState {
	s.Contacts = maps.Clone(s.Contacts)
	if s.Contacts == nil {
		s.Contacts = map[string]*notifyv1.Contact{}
	}
	for _, e := range events {
		switch e := e.(type) {
		case *notifyv1.ContactSet:
			s.Contacts[e.GetContact().GetPersonId()] = e.GetContact()
		case *notifyv1.ContactRemoved:
			delete(s.Contacts, e.GetPersonId())
		}
	}
	return s
}

// SetContact adds or changes a contact of the actor's organisation.
type SetContact struct {
	Actor        Actor
	Organisation string
	Name         string
	Email        string
	Roles        []string
	Subject      string
}

// DecideSetContact decides SetContact: an admin sets its own
// organisation's contacts (the platform admin any), each role must be one
// of that organisation's kind, and one sign-in subject names one person.
// Setting what is already there records nothing.
func DecideSetContact(s DirectoryState, c SetContact) ([]proto.Message, error) {
	if c.Organisation != c.Actor.Organisation && c.Actor.Role != RolePlatformAdmin {
		return nil, domainerr.Rule(RuleNotYourOrganisation, "you manage the contacts of your own organisation only")
	}
	kind := OrgKind(c.Organisation)
	for i, r := range c.Roles {
		if !RoleOfKind(r, kind) {
			return nil, domainerr.Field("roles["+itoa(i)+"]", "%s is not a role of a %s", r, kind)
		}
	}
	id := PersonID(c.Email)
	if c.Subject != "" {
		for pid, other := range s.Contacts {
			if pid != id && other.GetSubject() == c.Subject {
				return nil, domainerr.Rule(RuleSubjectTaken, "that sign-in is already another contact's")
			}
		}
	}
	contact := &notifyv1.Contact{PersonId: id, Name: c.Name, Email: strings.TrimSpace(c.Email), Roles: c.Roles, Subject: c.Subject, Source: "admin"}
	if old := s.Contacts[id]; old != nil && proto.Equal(old, contact) {
		return nil, nil
	}
	return []proto.Message{&notifyv1.ContactSet{Organisation: c.Organisation, Contact: contact}}, nil
}

// RemoveContact removes a contact the admin added.
type RemoveContact struct {
	Actor        Actor
	Organisation string
	Email        string
}

// DecideRemoveContact decides RemoveContact.
func DecideRemoveContact(s DirectoryState, c RemoveContact) ([]proto.Message, error) {
	if c.Organisation != c.Actor.Organisation && c.Actor.Role != RolePlatformAdmin {
		return nil, domainerr.Rule(RuleNotYourOrganisation, "you manage the contacts of your own organisation only")
	}
	id := PersonID(c.Email)
	if s.Contacts[id] == nil {
		return nil, domainerr.Missing("contact", "there is no contact with that email added to %s", c.Organisation)
	}
	return []proto.Message{&notifyv1.ContactRemoved{Organisation: c.Organisation, PersonId: id, Email: s.Contacts[id].GetEmail()}}, nil
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
