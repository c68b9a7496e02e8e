package server_test

import (
	"maps"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// The read model restarts from the snapshot saved at the stop and answers
// as the model built from the stream did; the triggers that read it go on
// from where they were (issue 16).
func TestSnap2RestartAnswersTheSameFromTheSnapshot(t *testing.T) {
	h := newHarness(t)
	for _, p := range []string{"alder", "birch"} {
		h.registerProvider(p)
	}
	sam := h.commissioner("352", "sam")
	servicetest.Must(sam.SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: "snap2-contact-sam", Name: "Sam Commissioner",
		Email: "sam@352.council.example", Roles: []string{auth.CouncilCommissioner}, Subject: "sam"})).OK(t)
	h.append("purchasing", "referral", "ref-1",
		&purchasingv1.ReferralCreated{ReferralId: "ref-1", Council: "352", DpsId: "dps-1", Consortium: "north-west", CreatedAt: timestamppb.New(h.Clock.Now())},
		&purchasingv1.ReferralMatched{ReferralId: "ref-1", Matches: []*purchasingv1.MatchedSetting{
			{Rank: 1, ProviderId: "alder", SettingUrn: "SC000001"}, {Rank: 2, ProviderId: "birch", SettingUrn: "SC000003"}}})
	h.append("purchasing", "referral", "ref-1", &purchasingv1.OfferMade{ReferralId: "ref-1", OfferId: "off-a", ProviderId: "alder", SettingUrn: "SC000001", WeeklyPricePence: 500000})
	h.waitOutbox(3)
	mine := servicetest.Must(sam.ListMyNotifications(h.Ctx, &notifyv1.ListMyNotificationsRequest{MinPosition: h.LastPosition()})).OK(t)
	if len(mine.GetNotifications()) != 1 {
		t.Fatalf("sam has %d notifications, want 1", len(mine.GetNotifications()))
	}
	servicetest.Must(sam.MarkNotificationRead(h.Ctx, &notifyv1.MarkNotificationReadRequest{RequestId: "snap2-read-0001", NotificationId: mine.GetNotifications()[0].GetNotificationId()})).OK(t)

	type answers struct {
		mine     *notifyv1.ListNotificationsResponse
		one      *notifyv1.Notification
		contacts *notifyv1.ListContactsResponse
		provider *notifyv1.ListContactsResponse
		prefs    *notifyv1.Preferences
		failures *notifyv1.ListNotificationsResponse
		outbox   *notifyv1.ListOutboxResponse
	}
	read := func() answers {
		t.Helper()
		pos, sam := h.LastPosition(), h.commissioner("352", "sam") // the running service's
		return answers{
			mine:     servicetest.Must(sam.ListMyNotifications(h.Ctx, &notifyv1.ListMyNotificationsRequest{MinPosition: pos})).OK(t),
			one:      servicetest.Must(sam.GetNotification(h.Ctx, &notifyv1.GetNotificationRequest{NotificationId: mine.GetNotifications()[0].GetNotificationId(), MinPosition: pos})).OK(t),
			contacts: servicetest.Must(sam.ListContacts(h.Ctx, &notifyv1.ListContactsRequest{MinPosition: pos})).OK(t),
			provider: servicetest.Must(h.platform().ListContacts(h.Ctx, &notifyv1.ListContactsRequest{Organisation: "provider:alder", MinPosition: pos})).OK(t),
			prefs:    servicetest.Must(sam.GetPreferences(h.Ctx, &notifyv1.GetPreferencesRequest{MinPosition: pos})).OK(t),
			failures: servicetest.Must(h.platform().ListDeliveryFailures(h.Ctx, &notifyv1.ListDeliveryFailuresRequest{MinPosition: pos})).OK(t),
			outbox:   servicetest.Must(h.platform().ListOutbox(h.Ctx, &notifyv1.ListOutboxRequest{MinPosition: pos})).OK(t),
		}
	}
	before := read()
	h.restart()
	if h.notify.App.ReadModels()[0].RestoredAt() == 0 {
		t.Error("the restarted model was replayed, not restored from its snapshot")
	}
	after := read()
	for _, c := range []struct {
		name          string
		before, after proto.Message
	}{
		{"ListMyNotifications", before.mine, after.mine},
		{"GetNotification", before.one, after.one},
		{"ListContacts", before.contacts, after.contacts},
		{"ListContacts (a provider's)", before.provider, after.provider},
		{"GetPreferences", before.prefs, after.prefs},
		{"ListDeliveryFailures", before.failures, after.failures},
		{"ListOutbox", before.outbox, after.outbox},
	} {
		if !proto.Equal(c.before, c.after) {
			t.Errorf("%s differs after the restart:\nbefore %v\nafter  %v", c.name, c.before, c.after)
		}
	}
	if !after.one.GetRead() || len(after.outbox.GetMessages()) != 3 {
		t.Errorf("the restarted model lost data: read %v, %d messages", after.one.GetRead(), len(after.outbox.GetMessages()))
	}

	// The restored referral still knows who was matched and who answered:
	// the last answer tells the commissioner every offer is in.
	h.append("purchasing", "referral", "ref-1", &purchasingv1.OfferMade{ReferralId: "ref-1", OfferId: "off-b", ProviderId: "birch", SettingUrn: "SC000003", WeeklyPricePence: 520000})
	got := h.waitOutbox(5)
	want := map[string]int{
		"referral-received → referrals@alder.example": 1, "referral-received → referrals@birch.example": 1,
		"offer-received → sam@352.council.example": 2, "all-offers-in → sam@352.council.example": 1,
	}
	if !maps.Equal(sent(got), want) {
		t.Fatalf("after the restart:%s", describe(got))
	}
}
