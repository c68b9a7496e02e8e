package server_test

import (
	"maps"
	"testing"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// A person who takes a daily digest gets non-urgent notifications in one
// message a day; urgent ones (alerts, suspensions, referrals) are never
// delayed; one turned off is not sent at all.
func TestDigestHoldsWhatMayWaitAndNeverWhatMayNot(t *testing.T) {
	h := newHarness(t)
	h.registerProvider("birch")
	lee := h.n("lee", auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	servicetest.Must(lee.SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: "contact-0001", Name: "Lee", Email: "lead@nw.example", Roles: []string{auth.ConsortiumLead}, Subject: "lee"})).OK(t)
	servicetest.Must(lee.SetPreferences(h.Ctx, &notifyv1.SetPreferencesRequest{RequestId: "prefs-0001", DailyDigest: true, Off: []string{domain.TPriceUpliftRequested}})).OK(t)

	h.append("purchasing", "dps", "dps-1", &purchasingv1.DpsCreated{DpsId: "dps-1", Consortium: "north-west", Terms: &purchasingv1.DpsTerms{Title: "NW DPS"}})
	h.append("purchasing", "dps", "dps-1", &purchasingv1.ApplicationReceived{DpsId: "dps-1", ProviderId: "birch", DecisionDueOn: "2026-12-17"})
	h.append("purchasing", "dps", "dps-2", &purchasingv1.DpsCreated{DpsId: "dps-2", Consortium: "north-west", Terms: &purchasingv1.DpsTerms{Title: "NW SEND DPS"}})
	h.append("purchasing", "dps", "dps-2", &purchasingv1.ApplicationReceived{DpsId: "dps-2", ProviderId: "birch", DecisionDueOn: "2026-12-17"})
	h.append("monitoring", "risk", "north-west_birch", &monitoringv1.RiskLevelChanged{Consortium: "north-west", ProviderId: "birch", To: monitoringv1.RiskLevel_RISK_LEVEL_RED,
		Action: monitoringv1.RiskAction_RISK_ACTION_SUSPEND})
	got := h.waitOutbox(1)
	if !maps.Equal(sent(got), map[string]int{"provider-suspended → lead@nw.example": 1}) {
		t.Fatalf("sent at once:%s", describe(got))
	}
	var mine *notifyv1.ListNotificationsResponse
	h.eventually("both applications held", func() bool {
		mine = servicetest.Must(lee.ListMyNotifications(h.Ctx, &notifyv1.ListMyNotificationsRequest{MinPosition: h.LastPosition()})).OK(t)
		return len(mine.GetNotifications()) == 3
	})
	held := 0
	for _, n := range mine.GetNotifications() {
		if n.GetStatus() == notifyv1.DeliveryStatus_DELIVERY_STATUS_HELD_FOR_DIGEST {
			held++
		}
	}
	if held != 2 {
		t.Fatalf("%d held, want 2: %v", held, mine)
	}

	if err := h.notify.App.SendDigests(h.Ctx); err != nil {
		t.Fatal(err)
	}
	if err := h.notify.App.SendDigests(h.Ctx); err != nil { // once a day
		t.Fatal(err)
	}
	got = h.waitOutbox(2)
	d := got[1]
	if d.GetTemplate() != domain.TDailyDigest || d.GetRecipient().GetEmail() != "lead@nw.example" || d.GetSubject() != "carecoop: 2 notifications on 2026-12-03" ||
		d.GetLink() != "https://portal.example/notifications" {
		t.Fatalf("digest: %v", d)
	}
	mine = servicetest.Must(lee.ListMyNotifications(h.Ctx, &notifyv1.ListMyNotificationsRequest{MinPosition: h.LastPosition()})).OK(t)
	for _, n := range mine.GetNotifications() {
		if n.GetStatus() == notifyv1.DeliveryStatus_DELIVERY_STATUS_HELD_FOR_DIGEST {
			t.Fatalf("still held after the digest: %v", n)
		}
	}
}
