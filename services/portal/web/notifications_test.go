package web_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	natsjs "github.com/nats-io/nats.go/jetstream"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/portal/server"
)

// The demo people's sign-ins as the portal's dev sign-in gives them
// (signin.go), which a contact's subject names.
const (
	noteRafiSubject  = "demo:provider_responder@provider:pennine-pathways"
	noteChloeSubject = "demo:council_commissioner@council:352"
	noteChloeEmail   = "chloe.byrne@manchester.example.org"
	noteRafiEmail    = "rafi.khan@pennine-pathways.example.org"
)

// noteChloeContact adds Chloe Byrne to Manchester's people to tell, as a
// commissioner of the council would, with her sign-in.
func (s *stack) noteChloeContact() {
	s.t.Helper()
	n := s.notify(auth.CouncilOrg("352"), auth.CouncilCommissioner)
	res := servicetest.Must(n.SetContact(s.Ctx, &notifyv1.SetContactRequest{RequestId: "note-chloe-contact",
		Name: "Chloe Byrne", Email: noteChloeEmail, Roles: []string{auth.CouncilCommissioner}, Subject: noteChloeSubject})).OK(s.t)
	// Read at its position: the pages then know her as a contact.
	servicetest.Must(n.ListContacts(s.Ctx, &notifyv1.ListContactsRequest{MinPosition: res.GetPosition()})).OK(s.t)
}

// noteAwait waits for the notifications service's reaction: after each of
// its commits from position after, the dev outbox is read at that commit's
// position until it holds every "template → email" in want. It returns the
// outbox then.
func (s *stack) noteAwait(after uint64, want ...string) []*notifyv1.OutboxMessage {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(s.Ctx, 30*time.Second)
	defer cancel()
	platform := s.notify(auth.OrgPlatform, auth.PlatformAdmin)
	found := errors.New("found")
	var got []*notifyv1.OutboxMessage
	err := s.Store.Subscribe(ctx, after, []string{eventstore.ContextFilter("notify")}, func(commit []eventstore.RecordedEvent) error {
		res, err := platform.ListOutbox(ctx, &notifyv1.ListOutboxRequest{MinPosition: commit[len(commit)-1].Position})
		if err != nil {
			return err
		}
		sent := map[string]bool{}
		for _, m := range res.GetMessages() {
			sent[m.GetTemplate()+" → "+m.GetRecipient().GetEmail()] = true
		}
		for _, w := range want {
			if !sent[w] {
				return nil
			}
		}
		got = res.GetMessages()
		return found
	})
	if !errors.Is(err, found) {
		s.t.Fatalf("the outbox never held %v: %v", want, err)
	}
	return got
}

// noteID is the id of the outbox's message of template to email.
func noteID(t *testing.T, out []*notifyv1.OutboxMessage, template, email string) string {
	t.Helper()
	for _, m := range out {
		if m.GetTemplate() == template && m.GetRecipient().GetEmail() == email {
			return m.GetNotificationId()
		}
	}
	t.Fatalf("no %s to %s in the outbox", template, email)
	return ""
}

// Issue 14, the referral journey in the portal: Priya Shah (Pennine
// Pathways' admin) adds Rafi Khan to the people to tell — an email the
// service refuses first, shown on its field — then a referral Chloe Byrne
// sends reaches Rafi's notifications, unread in the navigation, linking to
// the referral in his inbox, and he marks it read; Pennine's and Northern
// Lights' offers reach Chloe ("An offer on referral …") and the dev outbox;
// after the award Rafi reads that his offer was accepted and the outbox
// shows Northern Lights told another was chosen. Sam Okoro (Northern
// Lights) opening Rafi's notification gets "Page not found"; Rafi cannot
// keep the contacts (403).
func TestNotificationsReferralJourney(t *testing.T) {
	s := newStack(t)
	dpsID := s.inboxMarket()
	s.noteChloeContact()

	// Priya: Notifications from the navigation; she is no contact herself.
	s.signIn("Priya Shah")
	s.Follow(`.govuk-service-navigation a[href="/notifications"]`)
	s.Contains("Notifications", "Ask your organisation’s admin")
	s.Axe()
	s.Follow(`main a[href="/notifications/contacts"]`)
	s.Contains("People to tell", "Referrals team", "referrals@pennine-pathways.example.org", "From your registration")
	s.Axe()
	// An email that is none, and no role: refused on their fields.
	s.Fill("#name", "Rafi Khan")
	s.Fill("#email", "rafi.khan-at-pennine")
	s.Follow(`form[action="/notifications/contacts"] button[type="submit"]`)
	s.Contains("There is a problem")
	wantIn(t, "the email's error", s.Text("#email-error"), "Email")
	if got := s.Eval(`document.querySelector("#name").value`); got != "Rafi Khan" {
		t.Fatalf("the name was not kept: %q", got)
	}
	s.Axe()
	s.Fill("#email", noteRafiEmail)
	s.Click(`input[name="roles"][value="provider_responder"]`)
	s.Fill("#subject", noteRafiSubject)
	s.Follow(`form[action="/notifications/contacts"] button[type="submit"]`)
	s.Contains("Rafi Khan will be told")
	wantIn(t, "the contacts", s.Text("#contacts"), "Rafi Khan", noteRafiEmail, "Responds to referrals", "Yes")

	// Chloe's referral, matched to Heaton Norris House (Pennine) and
	// Fallowfield House (Northern Lights).
	before := s.LastPosition()
	referral := s.inboxRefer(dpsID, "note-referral-1", "M14", 10, 14, purchasingv1.Sex_SEX_MALE, "emotional_behavioural")
	s.noteAwait(before, "referral-received → "+noteRafiEmail, "referral-received → referrals@northern-lights-care.example.org")

	// Rafi: one unread in the navigation; the notification links to the
	// referral in his inbox.
	s.signIn("Rafi Khan")
	wantIn(t, "the navigation", s.Text(".govuk-service-navigation"), "Notifications (1 unread)")
	s.Follow(`.govuk-service-navigation a[href="/notifications"]`)
	wantIn(t, "the unread", s.Text("main"), "Unread (1)", "New referral "+referral+" from council 352", "Urgent")
	s.Axe()
	s.Follow(`main .govuk-summary-card__title a`)
	s.Contains("New referral "+referral, "this email does not contain them")
	s.Axe()
	s.Follow(`main a[href="/inbox/` + referral + `"]`)
	s.Contains("Male, 14")
	s.Visit("/notifications")
	s.Follow(`main .govuk-summary-card__title a`)
	s.Follow(`main form[action$="/read"] button`)
	s.Contains("Notification marked as read", "You have read every notification", "Read")
	if strings.Contains(s.Text(".govuk-service-navigation"), "unread") {
		t.Fatal("the navigation still counts an unread notification")
	}
	// Rafi keeps no contacts.
	s.Visit("/notifications/contacts")
	s.Contains("You cannot see this page")

	// Both providers offer: Chloe is told of each.
	before = s.LastPosition()
	pennineOffer := servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderResponder).MakeOffer(s.Ctx, &purchasingv1.MakeOfferRequest{
		RequestId: "note-offer-pennine", ReferralId: referral, SettingUrn: "SC200001", WeeklyPricePence: 620000, AvailableFrom: "2026-12-07"})).OK(t)
	servicetest.Must(s.purchasing(auth.ProviderOrg(northernLights), auth.ProviderResponder).MakeOffer(s.Ctx, &purchasingv1.MakeOfferRequest{
		RequestId: "note-offer-northern", ReferralId: referral, SettingUrn: "SC100001", WeeklyPricePence: 640000, AvailableFrom: "2026-12-07"})).OK(t)
	s.noteAwait(before, "offer-received → "+noteChloeEmail, "all-offers-in → "+noteChloeEmail)
	s.signIn("Chloe Byrne")
	s.Follow(`.govuk-service-navigation a[href="/notifications"]`)
	wantIn(t, "Chloe's notifications", s.Text("main"), "Unread (3)", "An offer on referral "+referral, "Every provider has answered referral "+referral)
	s.Axe()
	s.Follow(`main a[href="/referrals/` + referral + `"]`)
	s.Contains("Heaton Norris House")
	// The dev outbox, from her notifications.
	s.Visit("/notifications")
	s.Follow(`main a[href="/dev/outbox"]`)
	s.Contains("Outbox", "would have sent", "Chloe Byrne ("+noteChloeEmail+"), council 352", "An offer on referral "+referral,
		"Rafi Khan ("+noteRafiEmail+"), pennine-pathways", "New referral "+referral)
	s.Axe()
	s.Follow(`main a[href="/dev/outbox?to=mine"]`)
	if strings.Contains(s.Text("main"), noteRafiEmail) {
		t.Fatal("the outbox of Chloe's organisation shows a provider's message")
	}
	s.Contains("An offer on referral " + referral)

	// The award: the winner and the other told.
	before = s.LastPosition()
	servicetest.Must(s.purchasing(auth.CouncilOrg("352"), auth.CouncilCommissioner).AwardPlacement(s.Ctx, &purchasingv1.AwardPlacementRequest{
		RequestId: "note-award-1", ReferralId: referral, OfferId: pennineOffer.GetOfferId(), Reason: "The nearest suitable home within budget"})).OK(t)
	out := s.noteAwait(before, "offer-accepted → "+noteRafiEmail, "offer-not-accepted → referrals@northern-lights-care.example.org")
	s.Visit("/dev/outbox")
	s.Contains("Your offer on referral "+referral+" was accepted", "Referral "+referral+": another offer was chosen")
	s.signIn("Rafi Khan")
	s.Follow(`.govuk-service-navigation a[href="/notifications"]`)
	wantIn(t, "Rafi's notifications", s.Text("main"), "Unread (1)", "Your offer on referral "+referral+" was accepted")

	// Another organisation's notification is not found.
	accepted := noteID(t, out, "offer-accepted", noteRafiEmail)
	s.signIn("Sam Okoro")
	s.Visit("/notifications/" + accepted)
	s.Contains("Page not found")
	s.signIn("Chloe Byrne")
	s.Visit("/notifications/" + accepted)
	s.Contains("Page not found")
	// Nor can she mark it read, without JavaScript either.
	c := s.httpSignedIn(noteStackPerson(t, "Chloe Byrne"))
	res, err := c.PostForm(s.portal.URL+"/notifications/"+accepted+"/read", map[string][]string{"request_id": {"note-mark-chloe-1"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("Chloe marking Rafi's notification read: %d, want 404", res.StatusCode)
	}
}

func noteStackPerson(t *testing.T, name string) int {
	t.Helper()
	for i, p := range stackPeople {
		if p.Name == name {
			return i
		}
	}
	t.Fatalf("no demo person %q", name)
	return 0
}

// Issue 14, what to receive: Chloe Byrne reads that offers and
// no-offer warnings are always sent to a commissioner (no box to untick),
// turns off "every provider has answered", chooses quiet hours (8pm to
// 7am, after hours that end when they start are refused) and saves; an
// offer then reaches her and that message does not. She adds a colleague to her council's
// people to tell and removes her. Dev Patel (analyst), no contact, is told
// to ask his admin on both pages; the failed deliveries are the platform
// admin's alone.
func TestNotificationsPreferences(t *testing.T) {
	s := newStack(t)
	dpsID := s.inboxMarket()
	s.noteChloeContact()

	s.signIn("Chloe Byrne")
	s.Follow(`.govuk-service-navigation a[href="/notifications"]`)
	s.Contains("You have read every notification")
	s.Follow(`main a[href="/notifications/settings"]`)
	s.Contains("What you receive", "You always receive")
	wantIn(t, "the fixed ones", s.Text("#fixed"), "An offer on your council's referral", "No offer yet on your council's referral")
	if n := s.Eval(`String(document.querySelectorAll('input[value="offer-received"]').length)`); n != "0" {
		t.Fatal("an offer received can be unticked")
	}
	s.Axe()
	s.Click(`input[name="on"][value="all-offers-in"]`)
	s.Click(`input[name="digest"][value="no"]`)
	// Quiet hours that end when they start are refused, the field named.
	s.Select("#quiet_hours-from_hour", "7")
	s.Select("#quiet_hours-until_hour", "7")
	s.Follow(`form[action="/notifications/settings"] button[type="submit"]`)
	s.Contains("There is a problem", "Until hour must be a different hour from the one your quiet hours start at")
	s.Axe()
	s.Select("#quiet_hours-from_hour", "20")
	s.Follow(`form[action="/notifications/settings"] button[type="submit"]`)
	s.Contains("Your choices are saved")
	if got := s.Eval(`document.querySelector('#quiet_hours-from_hour').value + "-" + document.querySelector('#quiet_hours-until_hour').value`); got != "20-7" {
		t.Fatalf("quiet hours shown as %q, want 8pm until 7am", got)
	}
	wantIn(t, "the quiet hours", s.Eval(`document.querySelector('#quiet_hours-from_hour').selectedOptions[0].text + " " + document.querySelector('#quiet_hours-until_hour').selectedOptions[0].text`), "8pm", "7am")
	if got := s.Eval(`String(document.querySelector('input[value="all-offers-in"]').checked)`); got != "false" {
		t.Fatal("every provider has answered is still chosen")
	}

	// A referral matched to Ribble View alone, and its one offer: Chloe is
	// told of the offer (in the same decision as "every provider has
	// answered" would be) and of nothing else.
	before := s.LastPosition()
	referral := s.inboxRefer(dpsID, "note-referral-2", "BB2", 5, 12, purchasingv1.Sex_SEX_FEMALE)
	servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderResponder).MakeOffer(s.Ctx, &purchasingv1.MakeOfferRequest{
		RequestId: "note-offer-ribble", ReferralId: referral, SettingUrn: "SC200003", WeeklyPricePence: 610000, AvailableFrom: "2026-12-07"})).OK(t)
	out := s.noteAwait(before, "offer-received → "+noteChloeEmail)
	for _, m := range out {
		if m.GetTemplate() == "all-offers-in" {
			t.Fatalf("Chloe turned it off and was sent %q", m.GetSubject())
		}
	}
	s.Follow(`.govuk-service-navigation a[href="/notifications"]`)
	wantIn(t, "Chloe's notifications", s.Text("main"), "Unread (1)", "An offer on referral "+referral)

	// As a commissioner she keeps her council's people to tell: she adds
	// Dana Reed, then removes her.
	s.Follow(`main a[href="/notifications/contacts"]`)
	s.Fill("#name", "Dana Reed")
	s.Fill("#email", "dana.reed@manchester.example.org")
	s.Click(`input[name="roles"][value="council_viewer"]`)
	s.Follow(`form[action="/notifications/contacts"] button[type="submit"]`)
	s.Contains("Dana Reed will be told")
	wantIn(t, "the contacts", s.Text("#contacts"), "Chloe Byrne", "Dana Reed", "Viewer")
	s.Follow(`form[action="/notifications/contacts/remove"]:has(input[value="dana.reed@manchester.example.org"]) button`)
	s.Contains("dana.reed@manchester.example.org will no longer be told")
	if strings.Contains(s.Text("#contacts"), "Dana Reed") {
		t.Fatal("Dana Reed is still told")
	}

	// Dev Patel is no contact.
	s.signIn("Dev Patel")
	s.Follow(`.govuk-service-navigation a[href="/notifications"]`)
	s.Contains("Ask your organisation’s admin")
	s.Visit("/notifications/settings")
	s.Contains("Ask your organisation’s admin")
	s.Axe()
	s.Visit("/platform/deliveries")
	s.Contains("You cannot see this page")

	// The platform admin: failed deliveries from the navigation (the dev
	// outbox fails nothing).
	s.signIn("Pat Morgan")
	s.Follow(`.govuk-service-navigation a[href="/platform/deliveries"]`)
	s.Contains("Failed deliveries", "Every notification was delivered")
	s.Axe()
}

// A portal started without the notifications service serves every page;
// its notifications pages say they are not set up.
func TestNotificationsWithoutTheService(t *testing.T) {
	s := startStack(t)
	nc, err := s.NATS.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	p, err := server.Start(s.Ctx, server.Config{Addr: "127.0.0.1:0", Framework: s.addrs["framework"], Purchasing: s.addrs["purchasing"],
		Demand: s.addrs["demand"], Monitoring: s.addrs["monitoring"], JetStream: js, Key: s.Key(), DevPeople: stackPeople, Clock: s.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	s.portal = p
	c := s.httpSignedIn(noteStackPerson(t, "Chloe Byrne"))
	for path, want := range map[string]string{"/": "Notifications", "/notifications": "Notifications are not set up", "/notifications/settings": "Notifications are not set up",
		"/notifications/contacts": "Notifications are not set up", "/dev/outbox": "Notifications are not set up"} {
		res, err := c.Get(p.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s without notify: %d, want 200 with %q", path, res.StatusCode, want)
		}
	}
}

// The dev outbox is served only by a portal with the demo people: one
// without them answers "not found" there, and still asks a sign-in for the
// notifications pages.
func TestOutboxOnlyInDev(t *testing.T) {
	s := startStack(t)
	nc, err := s.NATS.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := natsjs.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	p, err := server.Start(s.Ctx, server.Config{Addr: "127.0.0.1:0", Framework: s.addrs["framework"], Purchasing: s.addrs["purchasing"],
		Demand: s.addrs["demand"], Monitoring: s.addrs["monitoring"], Notify: s.addrs["notify"], JetStream: js, Key: s.Key(), Clock: s.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for path, want := range map[string]int{"/dev/outbox": http.StatusNotFound, "/notifications": http.StatusSeeOther} {
		res, err := c.Get(p.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET %s without demo people: %d, want %d", path, res.StatusCode, want)
		}
	}
}
