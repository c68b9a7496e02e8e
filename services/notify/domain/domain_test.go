package domain_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate/evolvetest"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// noon: a time outside anyone's quiet hours in these tests.
var noon = time.Date(2026, time.December, 3, 12, 0, 0, 0, time.UTC)

var alice = &notifyv1.Recipient{Organisation: "provider:pennine-pathways", PersonId: domain.PersonID("referrals@pennine.example"), Name: "Referrals team", Email: "referrals@pennine.example"}

func referralPlanned() domain.Planned {
	return domain.Planned{Recipient: alice, Template: domain.TReferralReceived, Personalisation: map[string]string{"reference": "ref-1", "council": "352", "deadline": "at 9:00am on 4 December 2026"}, Link: "http://portal/inbox/ref-1"}
}

func TestACauseIsDecidedOnce(t *testing.T) {
	cmd := domain.DecideNotificationsCmd{CauseEventID: "evt-1", CauseType: "carecoop.purchasing.v1.ReferralMatched", Planned: []domain.Planned{referralPlanned(), referralPlanned()}}
	id := domain.NotificationID("evt-1", alice.GetOrganisation(), alice.GetPersonId(), domain.TReferralReceived)
	decided := &notifyv1.NotificationDecided{NotificationId: id, Recipient: alice, Template: domain.TReferralReceived,
		Personalisation: map[string]string{"reference": "ref-1", "council": "352", "deadline": "at 9:00am on 4 December 2026"}, Link: "http://portal/inbox/ref-1", Urgent: true,
		CauseEventId: "evt-1", CauseType: "carecoop.purchasing.v1.ReferralMatched"}
	t.Run("first time: one notification per person and template", func(t *testing.T) {
		when(given(domain.EvolveCause), func(s domain.CauseState) ([]proto.Message, error) { return domain.DecideNotifications(s, cmd) }).then(t, decided)
	})
	t.Run("redelivered: nothing", func(t *testing.T) {
		when(given(domain.EvolveCause, decided), func(s domain.CauseState) ([]proto.Message, error) { return domain.DecideNotifications(s, cmd) }).then(t)
	})
	t.Run("urgent never held for a digest", func(t *testing.T) {
		p := referralPlanned()
		p.HeldForDigest = true
		ev, err := domain.DecideNotifications(domain.CauseState{}, domain.DecideNotificationsCmd{CauseEventID: "evt-1", Planned: []domain.Planned{p}})
		if err != nil || ev[0].(*notifyv1.NotificationDecided).GetHeldForDigest() {
			t.Fatalf("urgent held: %v %v", ev, err)
		}
	})
	t.Run("a placeholder without a value is refused", func(t *testing.T) {
		p := referralPlanned()
		delete(p.Personalisation, "council")
		if _, err := domain.DecideNotifications(domain.CauseState{}, domain.DecideNotificationsCmd{CauseEventID: "evt-1", Planned: []domain.Planned{p}}); err == nil {
			t.Fatal("want an error")
		}
	})
}

func TestDeliveriesAreRecordedOnce(t *testing.T) {
	id := domain.NotificationID("evt-1", alice.GetOrganisation(), alice.GetPersonId(), domain.TReferralReceived)
	decided := &notifyv1.NotificationDecided{NotificationId: id, Recipient: alice, Template: domain.TReferralReceived, CauseEventId: "evt-1"}
	sent := domain.Delivery{NotificationID: id, Channel: notifyv1.Channel_CHANNEL_OUTBOX, Reference: "r1", Attempts: 1}
	when(given(domain.EvolveCause, decided), func(s domain.CauseState) ([]proto.Message, error) {
		if len(s.Pending(noon)) != 1 {
			t.Fatalf("pending %v", s.Pending(noon))
		}
		return domain.DecideDeliveries(s, []domain.Delivery{sent, {NotificationID: "n-not-decided"}})
	}).then(t, &notifyv1.NotificationSent{NotificationId: id, Channel: notifyv1.Channel_CHANNEL_OUTBOX, ChannelReference: "r1", Attempts: 1})
	// Already sent: a second outcome (another replica, a retry) records nothing.
	done := &notifyv1.NotificationSent{NotificationId: id, Channel: notifyv1.Channel_CHANNEL_OUTBOX}
	when(given(domain.EvolveCause, decided, done), func(s domain.CauseState) ([]proto.Message, error) {
		if len(s.Pending(noon)) != 0 {
			t.Fatalf("pending after sent %v", s.Pending(noon))
		}
		return domain.DecideDeliveries(s, []domain.Delivery{{NotificationID: id, Err: errors.New("boom")}})
	}).then(t)
	when(given(domain.EvolveCause, decided), func(s domain.CauseState) ([]proto.Message, error) {
		return domain.DecideDeliveries(s, []domain.Delivery{{NotificationID: id, Channel: notifyv1.Channel_CHANNEL_GOVUK_NOTIFY, Attempts: 4, Err: errors.New("GOV.UK Notify: 503 after 4 attempts")}})
	}).then(t, &notifyv1.NotificationFailed{NotificationId: id, Channel: notifyv1.Channel_CHANNEL_GOVUK_NOTIFY, Error: "GOV.UK Notify: 503 after 4 attempts", Attempts: 4})
}

func TestContacts(t *testing.T) {
	admin := domain.Actor{Subject: "c1", Organisation: "council:352", Role: domain.RoleCouncilCommissioner}
	set := domain.SetContact{Actor: admin, Organisation: "council:352", Name: "Sam", Email: "sam@352.example", Roles: []string{domain.RoleCouncilCommissioner}, Subject: "sam"}
	contact := &notifyv1.Contact{PersonId: domain.PersonID("sam@352.example"), Name: "Sam", Email: "sam@352.example", Roles: []string{domain.RoleCouncilCommissioner}, Subject: "sam", Source: "admin"}
	dec := func(c domain.SetContact) func(domain.DirectoryState) ([]proto.Message, error) {
		return func(s domain.DirectoryState) ([]proto.Message, error) { return domain.DecideSetContact(s, c) }
	}
	when(given(domain.EvolveDirectory), dec(set)).then(t, &notifyv1.ContactSet{Organisation: "council:352", Contact: contact})
	when(given(domain.EvolveDirectory, &notifyv1.ContactSet{Organisation: "council:352", Contact: contact}), dec(set)).then(t)

	other := set
	other.Organisation = "council:353"
	when(given(domain.EvolveDirectory), dec(other)).thenRule(t, domainerr.Precondition, domain.RuleNotYourOrganisation)
	wrongRole := set
	wrongRole.Roles = []string{domain.RoleCouncilCommissioner, domain.RoleProviderAdmin}
	when(given(domain.EvolveDirectory), dec(wrongRole)).thenRule(t, domainerr.Invalid, "roles[1]")
	sameSubject := set
	sameSubject.Email = "other@352.example"
	when(given(domain.EvolveDirectory, &notifyv1.ContactSet{Organisation: "council:352", Contact: contact}), dec(sameSubject)).thenRule(t, domainerr.Precondition, domain.RuleSubjectTaken)

	rm := func(s domain.DirectoryState) ([]proto.Message, error) {
		return domain.DecideRemoveContact(s, domain.RemoveContact{Actor: admin, Organisation: "council:352", Email: "SAM@352.example"})
	}
	when(given(domain.EvolveDirectory), rm).thenRule(t, domainerr.NotFound, "contact")
	when(given(domain.EvolveDirectory, &notifyv1.ContactSet{Organisation: "council:352", Contact: contact}), rm).
		then(t, &notifyv1.ContactRemoved{Organisation: "council:352", PersonId: contact.GetPersonId(), Email: "sam@352.example"})
}

func TestPreferences(t *testing.T) {
	set := func(off []string, digest bool) func(domain.PersonState) ([]proto.Message, error) {
		return func(s domain.PersonState) ([]proto.Message, error) {
			return domain.DecideSetPreferences(s, domain.SetPreferences{Organisation: "council:352", PersonID: "p-1", Roles: []string{domain.RoleCouncilCommissioner}, Off: off, DailyDigest: digest})
		}
	}
	when(given(domain.EvolvePerson), set([]string{domain.TOfferReceived}, false)).thenRule(t, domainerr.Precondition, domain.RuleTemplateMandatory)
	when(given(domain.EvolvePerson), set([]string{"no-such-thing"}, false)).thenRule(t, domainerr.Invalid, "off[0]")
	want := &notifyv1.PreferencesSet{Preferences: &notifyv1.Preferences{Organisation: "council:352", PersonId: "p-1", Off: []string{domain.TAllOffersIn}, DailyDigest: true}}
	when(given(domain.EvolvePerson), set([]string{domain.TAllOffersIn}, true)).then(t, want)
	when(given(domain.EvolvePerson, want), set([]string{domain.TAllOffersIn}, true)).then(t)

	read := func(theirs bool) func(domain.PersonState) ([]proto.Message, error) {
		return func(s domain.PersonState) ([]proto.Message, error) {
			return domain.DecideMarkRead(s, domain.MarkRead{Organisation: "council:352", PersonID: "p-1", NotificationID: "n-1", Theirs: theirs})
		}
	}
	when(given(domain.EvolvePerson), read(false)).thenRule(t, domainerr.NotFound, "notification")
	readEv := &notifyv1.NotificationRead{Organisation: "council:352", PersonId: "p-1", NotificationId: "n-1"}
	when(given(domain.EvolvePerson), read(true)).then(t, readEv)
	when(given(domain.EvolvePerson, readEv), read(true)).then(t)
}

func TestRecipientsByRolePreferenceAndDigest(t *testing.T) {
	reg := domain.RegisteredContacts([]*purchasingv1.Contact{
		{Name: "Referrals team", Role: "referrals", Email: "referrals@p.example"},
		{Name: "Contracts", Role: "contracts", Email: "contracts@p.example"},
	})
	got := domain.Recipients("provider:p", mustTemplate(t, domain.TReferralReceived), reg, func(string) *notifyv1.Preferences { return nil }, noon)
	if len(got) != 1 || got[0].Recipient.GetEmail() != "referrals@p.example" {
		t.Fatalf("referral goes to the referrals contact only: %v", got)
	}
	// No contact in the role: a provider's referral goes to all its contacts.
	onlyContracts := reg[1:]
	if got := domain.Recipients("provider:p", mustTemplate(t, domain.TReferralReceived), onlyContracts, func(string) *notifyv1.Preferences { return nil }, noon); len(got) != 1 {
		t.Fatalf("fallback: %v", got)
	}
	// Turned off (not mandatory) and digest.
	lead := []*notifyv1.Contact{{PersonId: "p-l", Email: "lead@nw.example", Roles: []string{domain.RoleConsortiumLead}}}
	off := func(string) *notifyv1.Preferences {
		return &notifyv1.Preferences{Off: []string{domain.TApplicationReceived}}
	}
	if got := domain.Recipients("consortium:nw", mustTemplate(t, domain.TApplicationReceived), lead, off, noon); len(got) != 0 {
		t.Fatalf("turned off, still sent: %v", got)
	}
	digest := func(string) *notifyv1.Preferences { return &notifyv1.Preferences{DailyDigest: true} }
	if got := domain.Recipients("consortium:nw", mustTemplate(t, domain.TApplicationReceived), lead, digest, noon); len(got) != 1 || !got[0].HeldForDigest {
		t.Fatalf("digest: %v", got)
	}
	if got := domain.Recipients("consortium:nw", mustTemplate(t, domain.TProviderSuspended), lead, digest, noon); len(got) != 1 || got[0].HeldForDigest {
		t.Fatalf("urgent held for digest: %v", got)
	}
}

func mustTemplate(t *testing.T, id string) domain.Template {
	t.Helper()
	tpl, ok := domain.TemplateByID(id)
	if !ok {
		t.Fatalf("no template %s", id)
	}
	return tpl
}

// Nothing about a child in a message: every template uses only the
// permitted personalisation keys (none of which carries a need, an age, a
// sex, an area or free text), says where to read the details, and its
// fixed words name nothing about the child either.
func TestTemplatesSayNothingAboutAChild(t *testing.T) {
	forbiddenKeys := []string{"need", "age", "sex", "gender", "area", "outcode", "postcode", "note", "summary", "reason", "name", "dob", "birth", "category", "risk", "specialism"}
	for k := range domain.Keys {
		for _, f := range forbiddenKeys {
			if k == f {
				t.Errorf("key %q may carry something about a child", k)
			}
		}
	}
	forbiddenWords := regexp.MustCompile(`\b(year-old|aged|his|her|he|she|boy|girl|born|birth|needs|postcode|sibling|siblings)\b`)
	for _, tpl := range domain.Templates {
		for _, k := range tpl.Placeholders() {
			if _, ok := domain.Keys[k]; !ok {
				t.Errorf("%s uses %q, which is not a permitted key", tpl.ID, k)
			}
		}
		text := strings.ToLower(tpl.Subject + " " + tpl.Body)
		if w := forbiddenWords.FindString(text); w != "" {
			t.Errorf("%s says %q", tpl.ID, w)
		}
		if !strings.Contains(tpl.Body, "((link))") {
			t.Errorf("%s does not link to the portal", tpl.ID)
		}
		p := map[string]string{}
		for k := range domain.Keys {
			p[k] = "x"
		}
		if _, _, err := tpl.Render(p); err != nil {
			t.Error(err)
		}
	}
}

func TestEvolveIsPure(t *testing.T) {
	d1 := &notifyv1.NotificationDecided{NotificationId: "n-1"}
	d2 := &notifyv1.NotificationDecided{NotificationId: "n-2"}
	evolvetest.AssertPure(t, domain.EvolveCause, []proto.Message{d1}, d2, &notifyv1.NotificationSent{NotificationId: "n-1"}, &notifyv1.NotificationFailed{NotificationId: "n-2"})
	evolvetest.AssertFold(t, domain.EvolveCause, domain.FoldCause, []proto.Message{d1, d2, &notifyv1.NotificationSent{NotificationId: "n-1"}})
	c := &notifyv1.ContactSet{Organisation: "council:352", Contact: &notifyv1.Contact{PersonId: "p-1"}}
	evolvetest.AssertPure(t, domain.EvolveDirectory, []proto.Message{c}, &notifyv1.ContactSet{Contact: &notifyv1.Contact{PersonId: "p-2"}}, &notifyv1.ContactRemoved{PersonId: "p-1"})
	evolvetest.AssertFold(t, domain.EvolveDirectory, domain.FoldDirectory, []proto.Message{c, &notifyv1.ContactRemoved{PersonId: "p-1"}})
	r := &notifyv1.NotificationRead{NotificationId: "n-1"}
	evolvetest.AssertPure(t, domain.EvolvePerson, []proto.Message{r}, &notifyv1.NotificationRead{NotificationId: "n-2"}, &notifyv1.PreferencesSet{Preferences: &notifyv1.Preferences{DailyDigest: true}})
	evolvetest.AssertFold(t, domain.EvolvePerson, domain.FoldPerson, []proto.Message{r, &notifyv1.PreferencesSet{}})
}

func TestADigestIsSentOnceADay(t *testing.T) {
	day := domain.DigestDay{Recipient: alice, Date: "2026-12-03", NotificationIDs: []string{"n-1", "n-2"}, Channel: notifyv1.Channel_CHANNEL_OUTBOX, Reference: "r", Link: "l"}
	sent := &notifyv1.DigestSent{Recipient: alice, Date: "2026-12-03", NotificationIds: []string{"n-1", "n-2"}, Channel: notifyv1.Channel_CHANNEL_OUTBOX, ChannelReference: "r", Link: "l"}
	dec := func(d domain.DigestDay) func(domain.DigestState) ([]proto.Message, error) {
		return func(s domain.DigestState) ([]proto.Message, error) { return domain.DecideDigest(s, d) }
	}
	when(given(domain.EvolveDigest), dec(day)).then(t, sent)
	when(given(domain.EvolveDigest, sent), dec(day)).then(t)
	empty := day
	empty.NotificationIDs = nil
	when(given(domain.EvolveDigest), dec(empty)).then(t)
}
