package server_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// A person's quiet hours (8pm to 7am): what may wait, decided in them, is
// held and handed to the channel by the first sweep after they end, once,
// a restart and further sweeps sending nothing again; a suspension (an
// alert) goes at once; someone without quiet hours is told at once.
func TestQuietHoursHoldWhatMayWaitUntilTheyEnd(t *testing.T) {
	h := newHarness(t)
	h.registerProvider("birch")
	lee := h.n("lee", auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	servicetest.Must(lee.SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: "contact-0001", Name: "Lee", Email: "lee@nw.example", Roles: []string{auth.ConsortiumLead}, Subject: "lee"})).OK(t)
	servicetest.Must(lee.SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: "contact-0002", Name: "Lou", Email: "lou@nw.example", Roles: []string{auth.ConsortiumLead}, Subject: "lou"})).OK(t)

	// Refused: hours past 23, or ending when they start.
	_, err := lee.SetPreferences(h.Ctx, &notifyv1.SetPreferencesRequest{RequestId: "prefs-0001", QuietHours: &notifyv1.QuietHours{FromHour: 24, UntilHour: 7}})
	servicetest.WantCode(t, err, codes.InvalidArgument)
	if f := servicetest.FieldViolations(t, err); !slices.Equal(f, []string{"quiet_hours.from_hour"}) {
		t.Errorf("violations %v", f)
	}
	_, err = lee.SetPreferences(h.Ctx, &notifyv1.SetPreferencesRequest{RequestId: "prefs-0002", QuietHours: &notifyv1.QuietHours{FromHour: 7, UntilHour: 7}})
	servicetest.WantCode(t, err, codes.InvalidArgument)
	quiet := &notifyv1.QuietHours{FromHour: 20, UntilHour: 7}
	res := servicetest.Must(lee.SetPreferences(h.Ctx, &notifyv1.SetPreferencesRequest{RequestId: "prefs-0003", QuietHours: quiet})).OK(t)
	if got := servicetest.Must(lee.GetPreferences(h.Ctx, &notifyv1.GetPreferencesRequest{MinPosition: res.GetPosition()})).OK(t); !proto.Equal(got.GetQuietHours(), quiet) {
		t.Fatalf("preferences %v", got)
	}

	h.Clock.Set(time.Date(2026, 12, 3, 21, 0, 0, 0, time.UTC)) // 9pm in London
	h.append("purchasing", "dps", "dps-1", &purchasingv1.DpsCreated{DpsId: "dps-1", Consortium: "north-west", Terms: &purchasingv1.DpsTerms{Title: "NW DPS"}})
	h.append("purchasing", "dps", "dps-1", &purchasingv1.ApplicationReceived{DpsId: "dps-1", ProviderId: "birch", DecisionDueOn: "2026-12-17"})
	h.append("monitoring", "risk", "north-west_birch", &monitoringv1.RiskLevelChanged{Consortium: "north-west", ProviderId: "birch", To: monitoringv1.RiskLevel_RISK_LEVEL_RED,
		Action: monitoringv1.RiskAction_RISK_ACTION_SUSPEND})
	got := h.waitOutbox(3)
	want := map[string]int{"provider-suspended → lee@nw.example": 1, "provider-suspended → lou@nw.example": 1, "dps-application-received → lou@nw.example": 1}
	if !maps.Equal(sent(got), want) {
		t.Fatalf("in Lee's quiet hours:%s", describe(got))
	}
	var held *notifyv1.Notification
	h.eventually("the application held for Lee", func() bool {
		for _, n := range servicetest.Must(lee.ListMyNotifications(h.Ctx, &notifyv1.ListMyNotificationsRequest{MinPosition: h.LastPosition()})).OK(t).GetNotifications() {
			if n.GetTemplate() == "dps-application-received" {
				held = n
			}
		}
		return held != nil
	})
	if held.GetStatus() != notifyv1.DeliveryStatus_DELIVERY_STATUS_HELD_FOR_QUIET_HOURS || !held.GetHeldUntil().AsTime().Equal(time.Date(2026, 12, 4, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("held: %v", held)
	}

	sweep := func() {
		t.Helper()
		if err := h.notify.App.Sweep(h.Ctx); err != nil {
			t.Fatal(err)
		}
	}
	h.Clock.Set(time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC)) // still quiet
	sweep()
	h.restart()
	h.waitOutbox(3)
	h.Clock.Set(time.Date(2026, 12, 4, 7, 0, 0, 0, time.UTC)) // they end
	sweep()
	sweep()
	got = h.waitOutbox(4)
	want["dps-application-received → lee@nw.example"] = 1
	if !maps.Equal(sent(got), want) {
		t.Fatalf("after Lee's quiet hours:%s", describe(got))
	}
	h.restart()
	sweep()
	h.waitOutbox(4)
	lee = h.n("lee", auth.ConsortiumOrg("north-west"), auth.ConsortiumLead) // the restarted service
	n := servicetest.Must(lee.GetNotification(h.Ctx, &notifyv1.GetNotificationRequest{NotificationId: held.GetNotificationId(), MinPosition: h.LastPosition()})).OK(t)
	if n.GetStatus() != notifyv1.DeliveryStatus_DELIVERY_STATUS_SENT || n.GetHeldUntil() != nil {
		t.Fatalf("after: %v", n)
	}
}

// A digest is not sent in the person's quiet hours: someone quiet from 6am
// to 8am gets the day's digest once they end, not at 7am.
func TestNoDigestInQuietHours(t *testing.T) {
	h := newHarness(t)
	h.registerProvider("birch")
	lee := h.n("lee", auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	servicetest.Must(lee.SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: "contact-0001", Name: "Lee", Email: "lee@nw.example", Roles: []string{auth.ConsortiumLead}, Subject: "lee"})).OK(t)
	servicetest.Must(lee.SetPreferences(h.Ctx, &notifyv1.SetPreferencesRequest{RequestId: "prefs-0001", DailyDigest: true, QuietHours: &notifyv1.QuietHours{FromHour: 6, UntilHour: 8}})).OK(t)
	h.append("purchasing", "dps", "dps-1", &purchasingv1.DpsCreated{DpsId: "dps-1", Consortium: "north-west", Terms: &purchasingv1.DpsTerms{Title: "NW DPS"}})
	h.append("purchasing", "dps", "dps-1", &purchasingv1.ApplicationReceived{DpsId: "dps-1", ProviderId: "birch", DecisionDueOn: "2026-12-17"})
	h.waitOutbox(0)
	h.eventually("the application held for the digest", func() bool {
		ns := servicetest.Must(lee.ListMyNotifications(h.Ctx, &notifyv1.ListMyNotificationsRequest{MinPosition: h.LastPosition()})).OK(t).GetNotifications()
		return len(ns) == 1 && ns[0].GetStatus() == notifyv1.DeliveryStatus_DELIVERY_STATUS_HELD_FOR_DIGEST
	})
	digests := func() {
		t.Helper()
		if err := h.notify.App.SendDigests(h.Ctx); err != nil {
			t.Fatal(err)
		}
	}
	h.Clock.Set(time.Date(2026, 12, 4, 7, 0, 0, 0, time.UTC))
	digests()
	h.waitOutbox(0)
	h.Clock.Set(time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC))
	digests()
	digests()
	got := h.waitOutbox(1)
	if !maps.Equal(sent(got), map[string]int{"daily-digest → lee@nw.example": 1}) || got[0].GetSubject() != "carecoop: 1 notifications on 2026-12-04" {
		t.Fatalf("digest:%s %q", describe(got), got[0].GetSubject())
	}
}
