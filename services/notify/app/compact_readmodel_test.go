package app

import (
	"testing"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

func applyAll(m *ReadModel, events ...eventstore.RecordedEvent) {
	for _, e := range events {
		if err := m.Apply([]eventstore.RecordedEvent{e}); err != nil {
			panic(err)
		}
	}
}

// A closed referral keeps only what a reaction running behind the model
// still reads: its council, and whether (and with which event) every
// matched provider had answered; its matched providers go.
func TestClosedReferralKeepsOnlyWhatLateReactionsRead(t *testing.T) {
	m := NewReadModel()
	matched := &purchasingv1.ReferralMatched{ReferralId: "ref-1"}
	for _, p := range []string{"cedar", "alder", "birch"} {
		matched.Matches = append(matched.Matches, &purchasingv1.MatchedSetting{ProviderId: p})
	}
	applyAll(m,
		eventstore.RecordedEvent{EventID: "e1", Event: &purchasingv1.ReferralCreated{ReferralId: "ref-1", Council: "352"}},
		eventstore.RecordedEvent{EventID: "e2", Event: matched},
		eventstore.RecordedEvent{EventID: "e3", Event: &purchasingv1.OfferMade{ReferralId: "ref-1", ProviderId: "alder"}},
	)
	r := m.referrals["ref-1"]
	if got := r.matched; len(got) != 3 || got[0] != "alder" || got[2] != "cedar" || r.nMatched != 3 {
		t.Fatalf("open referral matched %v (%d), want alder, birch, cedar", got, r.nMatched)
	}
	applyAll(m, eventstore.RecordedEvent{EventID: "e4", Event: &purchasingv1.PlacementAwarded{ReferralId: "ref-1", ProviderId: "alder", Council: "352"}})
	if r.matched != nil || r.council != "352" || r.completedBy != "" || len(r.answered) != 1 {
		t.Fatalf("closed referral = %+v, want its council and the one answer, no matched providers", r)
	}
	// Answers recorded after the award still complete it, as before.
	applyAll(m,
		eventstore.RecordedEvent{EventID: "e5", Event: &purchasingv1.ReferralDeclined{ReferralId: "ref-1", ProviderId: "birch"}},
		eventstore.RecordedEvent{EventID: "e6", Event: &purchasingv1.ReferralDeclined{ReferralId: "ref-1", ProviderId: "cedar"}},
	)
	if r.completedBy != "e6" || r.answered != nil {
		t.Fatalf("completed by %q with answers %v, want e6 and none kept", r.completedBy, r.answered)
	}
}

// The outbox is listed only in carecoop dev: elsewhere the model keeps
// none of it, and the two never share a snapshot.
func TestOutboxKeptOnlyInDev(t *testing.T) {
	events := []eventstore.RecordedEvent{
		{EventID: "d1", Event: &notifyv1.NotificationDecided{NotificationId: "n1", Recipient: &notifyv1.Recipient{Organisation: "provider:alder", PersonId: "p1"}, Template: "referral-received"}},
		{EventID: "s1", Event: &notifyv1.NotificationSent{NotificationId: "n1", Channel: notifyv1.Channel_CHANNEL_OUTBOX}},
		{EventID: "g1", Event: &notifyv1.DigestSent{Recipient: &notifyv1.Recipient{Organisation: "provider:alder", PersonId: "p1"}, Channel: notifyv1.Channel_CHANNEL_OUTBOX, NotificationIds: []string{"n1"}}},
	}
	live, dev := NewReadModel(), NewReadModel()
	dev.keepOutbox = true
	applyAll(live, events...)
	applyAll(dev, events...)
	if len(live.outbox) != 0 || len(dev.outbox) != 2 {
		t.Fatalf("outbox: %d outside dev, %d in dev; want 0 and 2", len(live.outbox), len(dev.outbox))
	}
	if live.SnapshotVersion() == dev.SnapshotVersion() {
		t.Fatalf("dev and live models share the snapshot version %q", live.SnapshotVersion())
	}
	if v := live.view(live.notes["n1"]); v.GetRecipient().GetPersonId() != "p1" || v.GetTemplate() != "referral-received" {
		t.Fatalf("the notification reads back as %v", v)
	}
}

// A return filed is known by setting and month.
func TestReturnsFiledByMonth(t *testing.T) {
	m := NewReadModel()
	applyAll(m,
		eventstore.RecordedEvent{Event: &monitoringv1.MonitoringReturnSubmitted{Urn: "SC1", Period: "2026-11"}},
		eventstore.RecordedEvent{Event: &monitoringv1.MonitoringReturnSubmitted{Urn: "SC1", Period: "2026-09"}},
		eventstore.RecordedEvent{Event: &monitoringv1.MonitoringReturnSubmitted{Urn: "SC1", Period: "2026-11"}},
	)
	for _, c := range []struct {
		urn, period string
		want        bool
	}{{"SC1", "2026-11", true}, {"SC1", "2026-09", true}, {"SC1", "2026-10", false}, {"SC2", "2026-11", false}, {"SC1", "not a month", false}} {
		if got := m.isFiled(c.urn, c.period); got != c.want {
			t.Errorf("isFiled(%s, %s) = %v, want %v", c.urn, c.period, got, c.want)
		}
	}
	if got := m.filed["SC1"]; len(got) != 2 {
		t.Errorf("SC1's months filed = %v, want two", got)
	}
}
