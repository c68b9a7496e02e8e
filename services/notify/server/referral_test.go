package server_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	natsjs "github.com/nats-io/nats.go/jetstream"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/notify/app"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// The referral journey, as the "done when" says: the providers a
// referral is sent to are told, the commissioner is told of each offer
// (and when every provider has answered), the winner and the others are
// told of the decision — exactly one message to exactly the right people,
// none to another council or another provider, and nothing about the child.
func TestReferralJourneyTellsExactlyTheRightPeople(t *testing.T) {
	h := newHarness(t)
	for _, p := range []string{"alder", "birch", "cedar", "damson"} {
		h.registerProvider(p)
	}
	// Council 352's commissioner, and another council's (told nothing).
	servicetest.Must(h.commissioner("352", "sam").SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: "contact-sam-1", Name: "Sam Commissioner",
		Email: "sam@352.council.example", Roles: []string{auth.CouncilCommissioner}, Subject: "sam"})).OK(t)
	servicetest.Must(h.commissioner("353", "kim").SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: "contact-kim-1", Name: "Kim",
		Email: "kim@353.council.example", Roles: []string{auth.CouncilCommissioner}, Subject: "kim"})).OK(t)

	// What the council wrote about the child must not leave the platform.
	need := &purchasingv1.Need{CategoryId: "residential", AgeYears: 14, Sex: purchasingv1.Sex_SEX_FEMALE, HomeOutcode: "M14", StartBy: "2026-12-10",
		Needs: []string{"sexual-exploitation"}, WeeklyBudgetPence: 550000, ExpectedDurationWeeks: 26, MaxDistanceMiles: 20}
	h.append("purchasing", "referral", "ref-1",
		&purchasingv1.ReferralCreated{ReferralId: "ref-1", Council: "352", DpsId: "dps-1", Consortium: "north-west", Need: need, CreatedAt: timestamppb.New(h.Clock.Now()), CategoryName: "Residential children's homes"},
		&purchasingv1.ReferralMatched{ReferralId: "ref-1", Matches: []*purchasingv1.MatchedSetting{
			{Rank: 1, ProviderId: "alder", SettingUrn: "SC000001"}, {Rank: 2, ProviderId: "alder", SettingUrn: "SC000002"},
			{Rank: 3, ProviderId: "birch", SettingUrn: "SC000003"}, {Rank: 4, ProviderId: "cedar", SettingUrn: "SC000004"}}})
	got := h.waitOutbox(3)
	want := map[string]int{
		"referral-received → referrals@alder.example": 1, "referral-received → referrals@birch.example": 1, "referral-received → referrals@cedar.example": 1,
	}
	if !maps.Equal(sent(got), want) {
		t.Fatalf("told of the referral:%s", describe(got))
	}
	if got[0].GetLink() != "https://portal.example/inbox/ref-1" {
		t.Errorf("link %q", got[0].GetLink())
	}

	h.append("purchasing", "referral", "ref-1", &purchasingv1.OfferMade{ReferralId: "ref-1", OfferId: "off-a", ProviderId: "alder", SettingUrn: "SC000001", WeeklyPricePence: 500000, Note: "She can start on Monday"})
	h.append("purchasing", "referral", "ref-1", &purchasingv1.OfferMade{ReferralId: "ref-1", OfferId: "off-b", ProviderId: "birch", SettingUrn: "SC000003", WeeklyPricePence: 520000})
	h.append("purchasing", "referral", "ref-1", &purchasingv1.ReferralDeclined{ReferralId: "ref-1", ProviderId: "cedar", Note: "no room"})
	got = h.waitOutbox(6)
	want["offer-received → sam@352.council.example"] = 2
	want["all-offers-in → sam@352.council.example"] = 1
	if !maps.Equal(sent(got), want) {
		t.Fatalf("told of the offers:%s", describe(got))
	}

	h.append("purchasing", "referral", "ref-1",
		&purchasingv1.PlacementAwarded{PlacementId: "pl-1", ReferralId: "ref-1", OfferId: "off-a", Council: "352", Consortium: "north-west", ProviderId: "alder", SettingUrn: "SC000001", AgeYears: 14, HomeOutcode: "M14"},
		&purchasingv1.OfferClosed{ReferralId: "ref-1", OfferId: "off-b", ProviderId: "birch", Reason: "awarded to another offer"})
	got = h.waitOutbox(9)
	want["offer-accepted → referrals@alder.example"] = 1
	want["offer-accepted → contracts@alder.example"] = 1
	want["offer-not-accepted → referrals@birch.example"] = 1
	if !maps.Equal(sent(got), want) {
		t.Fatalf("told of the decision:%s", describe(got))
	}
	for _, m := range got {
		text := strings.ToLower(m.GetSubject() + " " + m.GetBody())
		for _, secret := range []string{"14", "female", "m14", "exploitation", "monday", "no room", "2026-12-10", "residential", "sc00000"} {
			if strings.Contains(text, secret) {
				t.Errorf("%s to %s says %q:\n%s\n%s", m.GetTemplate(), m.GetRecipient().GetEmail(), secret, m.GetSubject(), m.GetBody())
			}
		}
	}

	// Each person reads their own; another's is not found.
	mine := servicetest.Must(h.commissioner("352", "sam").ListMyNotifications(h.Ctx, &notifyv1.ListMyNotificationsRequest{MinPosition: h.LastPosition()})).OK(t)
	if len(mine.GetNotifications()) != 3 {
		t.Fatalf("sam has %d notifications, want 3", len(mine.GetNotifications()))
	}
	if n := servicetest.Must(h.commissioner("353", "kim").ListMyNotifications(h.Ctx, &notifyv1.ListMyNotificationsRequest{MinPosition: h.LastPosition()})).OK(t); len(n.GetNotifications()) != 0 {
		t.Fatalf("another council's commissioner told: %v", n)
	}
	providers := slices.IndexFunc(got, func(m *notifyv1.OutboxMessage) bool { return m.GetRecipient().GetOrganisation() == "provider:alder" })
	_, err := h.commissioner("352", "sam").GetNotification(h.Ctx, &notifyv1.GetNotificationRequest{NotificationId: got[providers].GetNotificationId()})
	servicetest.WantCode(t, err, codes.NotFound)
	_, err = h.commissioner("353", "kim").GetNotification(h.Ctx, &notifyv1.GetNotificationRequest{NotificationId: mine.GetNotifications()[0].GetNotificationId()})
	servicetest.WantCode(t, err, codes.NotFound)
	one := servicetest.Must(h.commissioner("352", "sam").GetNotification(h.Ctx, &notifyv1.GetNotificationRequest{NotificationId: mine.GetNotifications()[0].GetNotificationId()})).OK(t)
	if one.GetStatus() != notifyv1.DeliveryStatus_DELIVERY_STATUS_SENT || one.GetCauseEventId() == "" || one.GetRead() {
		t.Fatalf("notification: %v", one)
	}
	servicetest.Must(h.commissioner("352", "sam").MarkNotificationRead(h.Ctx, &notifyv1.MarkNotificationReadRequest{RequestId: "read-0001", NotificationId: one.GetNotificationId()})).OK(t)
	unread := servicetest.Must(h.commissioner("352", "sam").ListMyNotifications(h.Ctx, &notifyv1.ListMyNotificationsRequest{UnreadOnly: true, MinPosition: h.LastPosition()})).OK(t)
	if len(unread.GetNotifications()) != 2 {
		t.Fatalf("unread after reading one: %d", len(unread.GetNotifications()))
	}
	_, err = h.commissioner("353", "kim").MarkNotificationRead(h.Ctx, &notifyv1.MarkNotificationReadRequest{RequestId: "read-0002", NotificationId: one.GetNotificationId()})
	servicetest.WantCode(t, err, codes.NotFound)

	// A restart sends nothing twice; nor does every event delivered again
	// (the durable consumer deleted, so the new one starts at the first).
	h.restart()
	js, err := natsjs.New(servicetest.Must(h.NATS.Connect()).OK(t))
	if err != nil {
		t.Fatal(err)
	}
	h.notify.Stop() // every event handled (waitOutbox settled): nothing in flight
	if err := js.DeleteConsumer(h.Ctx, h.Store.StreamName(), app.Durable); err != nil {
		t.Fatal(err)
	}
	h.startNotify(h.NewStore())
	h.append("purchasing", "referral", "ref-2", &purchasingv1.ReferralCreated{ReferralId: "ref-2", Council: "352", DpsId: "dps-1", Need: need},
		&purchasingv1.ReferralMatched{ReferralId: "ref-2", Matches: []*purchasingv1.MatchedSetting{{ProviderId: "damson"}}})
	got = h.waitOutbox(10) // the new referral's one message, and nothing again
	want["referral-received → referrals@damson.example"] = 1
	if !maps.Equal(sent(got), want) {
		t.Fatalf("after redelivery:%s", describe(got))
	}
}

// The dev outbox is for carecoop dev only.
func TestOutboxOnlyInDev(t *testing.T) {
	h := newHarness(t, app.WithDev(false))
	_, err := h.platform().ListOutbox(h.Ctx, &notifyv1.ListOutboxRequest{})
	servicetest.WantRule(t, err, domain.RuleOutboxDevOnly)
}
