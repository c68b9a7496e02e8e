package domain

import (
	"slices"
	"strings"
	"time"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
)

// RegisteredContacts are a provider's contacts from its profile in
// purchasing, as people to tell: one whose role mentions referrals is a
// responder, any other an admin. (A provider admin may set the same email
// here with other roles and a sign-in subject: that contact takes over.)
func RegisteredContacts(cs []*purchasingv1.Contact) []*notifyv1.Contact {
	var out []*notifyv1.Contact
	for _, c := range cs {
		if c.GetEmail() == "" {
			continue
		}
		role := RoleProviderAdmin
		if strings.Contains(strings.ToLower(c.GetRole()), "referral") {
			role = RoleProviderResponder
		}
		out = append(out, &notifyv1.Contact{PersonId: PersonID(c.GetEmail()), Name: c.GetName(), Email: c.GetEmail(), Roles: []string{role}, Source: "registration"})
	}
	return out
}

// Merge is an organisation's contacts: the registered ones, replaced by
// an admin's contact of the same person.
func Merge(registered []*notifyv1.Contact, managed map[string]*notifyv1.Contact) []*notifyv1.Contact {
	var out []*notifyv1.Contact
	for _, c := range registered {
		if managed[c.GetPersonId()] == nil {
			out = append(out, c)
		}
	}
	for _, c := range managed {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *notifyv1.Contact) int { return strings.Compare(a.GetPersonId(), b.GetPersonId()) })
	return out
}

// Recipients are the people of an organisation that t goes to, given their
// contacts and preferences: everyone holding one of t's roles who has not
// turned it off (a mandatory one cannot be), held for the digest when the
// person takes one and t is not urgent, otherwise held until their quiet
// hours end when t is not urgent and now falls in them. A provider with no
// contact in the role falls back to all its contacts, so a referral is
// never sent to no one because its contacts were labelled differently.
func Recipients(org string, t Template, contacts []*notifyv1.Contact, prefs func(personID string) *notifyv1.Preferences, now time.Time) []Planned {
	chosen := contacts[:0:0]
	for _, c := range contacts {
		if t.For(c.GetRoles()) {
			chosen = append(chosen, c)
		}
	}
	if len(chosen) == 0 && OrgKind(org) == "provider" {
		chosen = contacts
	}
	var out []Planned
	for _, c := range chosen {
		p := prefs(c.GetPersonId())
		if p != nil && slices.Contains(p.GetOff(), t.ID) && !t.Mandatory(c.GetRoles()) {
			continue
		}
		pl := Planned{
			Recipient:     &notifyv1.Recipient{Organisation: org, PersonId: c.GetPersonId(), Name: c.GetName(), Email: c.GetEmail()},
			Template:      t.ID,
			HeldForDigest: p != nil && p.GetDailyDigest() && !t.Urgent,
		}
		if !t.Urgent && !pl.HeldForDigest {
			pl.HeldUntil = QuietUntil(p.GetQuietHours(), now)
		}
		out = append(out, pl)
	}
	return out
}
