package app

import (
	"context"

	"strings"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// Who sees what. A person reads only their own notifications: those sent
// to the contact of their organisation whose sign-in subject is theirs (or
// whose email is their subject, for identity providers that sign people in
// by email). Anyone else's is NOT_FOUND. The platform admin reads any, and
// the delivery failures.

// me is the caller's contact in their organisation (call with the lock held).
func (m *ReadModel) me(p auth.Principal) *notifyv1.Contact {
	for _, c := range m.contacts(p.Organisation) {
		if (c.GetSubject() != "" && c.GetSubject() == p.Subject) || strings.EqualFold(c.GetEmail(), p.Subject) {
			return c
		}
	}
	return nil
}

func notAContact() error {
	return domainerr.Rule(domain.RuleNotAContact, "you are not one of your organisation's contacts yet: ask its admin to add you with your sign-in")
}

// visibleNote is a notification the caller may read.
func (m *ReadModel) visibleNote(p auth.Principal, id string) (*noteRM, error) {
	n := m.notes[id]
	if n != nil {
		if p.OrgKind() == auth.OrgPlatform && p.HasRole(auth.PlatformAdmin) {
			return n, nil
		}
		if me := m.me(p); me != nil && n.isFor(p.Organisation, me.GetPersonId()) {
			return n, nil
		}
	}
	return nil, domainerr.Missing("notification", "there is no notification %s of yours", id)
}

// orgOf is the organisation a caller names: its own by default; only the
// platform admin names another (anyone else naming another is told it does
// not exist).
func orgOf(p auth.Principal, named string) (string, error) {
	if named == "" || named == p.Organisation {
		return p.Organisation, nil
	}
	if p.OrgKind() == auth.OrgPlatform && p.HasRole(auth.PlatformAdmin) {
		return named, nil
	}
	return "", domainerr.Missing("organisation", "there is no organisation %s that you may see", named)
}

// caughtUp waits until the read model holds every commit in the store at
// this moment: a command that reads facts from it (who the caller is)
// sees a contact added a moment before.
func (s *Service) caughtUp(ctx context.Context) error {
	last, err := s.store.LastPosition(ctx)
	if err != nil {
		return err
	}
	return s.runner.WaitFor(ctx, last)
}
