package server_test

import (
	"maps"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/notify/server"
)

// What falls due with the calendar: a referral with no offer after four
// hours, a DPS application's decision due within two working days and
// then overdue, a tender closed with bids to score, an accreditation
// expiring within 30 days, a monthly monitoring return due within three
// working days and then overdue — each told once, however often the sweep
// runs, and none to another council, consortium or provider.
func TestTheSweepTellsWhatFallsDueOnce(t *testing.T) {
	h := newHarness(t)
	h.registerProvider("birch")
	set := func(c notifyv1.NotifyServiceClient, id, email, role, subject string) {
		servicetest.Must(c.SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: id, Name: subject, Email: email, Roles: []string{role}, Subject: subject})).OK(t)
	}
	set(h.commissioner("352", "sam"), "contact-0001", "sam@352.example", auth.CouncilCommissioner, "sam")
	set(h.n("lee", auth.ConsortiumOrg("north-west"), auth.ConsortiumLead), "contact-0002", "lead@nw.example", auth.ConsortiumLead, "lee")
	// Another council, consortium and provider: told nothing by any of it.
	h.registerProvider("alder")
	set(h.commissioner("353", "kim"), "contact-0003", "kim@353.example", auth.CouncilCommissioner, "kim")
	set(h.n("lou", auth.ConsortiumOrg("north-east"), auth.ConsortiumLead), "contact-0004", "lead@ne.example", auth.ConsortiumLead, "lou")

	h.append("purchasing", "referral", "ref-1", &purchasingv1.ReferralCreated{ReferralId: "ref-1", Council: "352", DpsId: "dps-1"})
	h.append("purchasing", "referral", "ref-2", &purchasingv1.ReferralCreated{ReferralId: "ref-2", Council: "352", DpsId: "dps-1"})
	h.append("purchasing", "referral", "ref-2", &purchasingv1.OfferMade{ReferralId: "ref-2", OfferId: "o-1", ProviderId: "birch"})
	h.append("purchasing", "dps", "dps-1", &purchasingv1.DpsCreated{DpsId: "dps-1", Consortium: "north-west", Terms: &purchasingv1.DpsTerms{Title: "NW DPS"}})
	h.append("purchasing", "dps", "dps-1", &purchasingv1.ApplicationReceived{DpsId: "dps-1", ProviderId: "birch", ReceivedOn: "2026-12-03", DecisionDueOn: "2026-12-17"})
	h.append("purchasing", "provider", "birch", &purchasingv1.AccreditationRecorded{ProviderId: "birch", Accreditation: &purchasingv1.Accreditation{
		Kind: purchasingv1.AccreditationKind_ACCREDITATION_KIND_PUBLIC_LIABILITY_INSURANCE, Reference: "INS-123", ExpiresOn: "2026-12-20"}})
	h.append("framework", "framework", "fw-1", &frameworkv1.FrameworkDrafted{FrameworkId: "fw-1", Consortium: "north-west"})
	h.append("framework", "framework", "fw-1", &frameworkv1.FrameworkOpenedForBids{FrameworkId: "fw-1", BidsCloseAt: timestamppb.New(start.Add(time.Hour))})
	h.append("framework", "framework", "fw-1", &frameworkv1.BidSubmitted{FrameworkId: "fw-1", LotId: "lot-1", ProviderId: "birch"})
	h.append("framework", "framework", "fw-1", &frameworkv1.BidSubmitted{FrameworkId: "fw-1", LotId: "lot-2", ProviderId: "birch"})

	// A child placed at birch's SC000777 since October: October's return
	// filed, November's due on Monday 14 December (10 working days).
	h.append("monitoring", "contract", "pl-1", &monitoringv1.ContractStarted{ContractId: "pl-1", Kind: monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT,
		Consortium: "north-west", Council: "352", ProviderId: "birch", SettingUrn: "SC000777", StartDate: "2026-10-01"})
	h.append("monitoring", "setting", "SC000777", &monitoringv1.MonitoringReturnSubmitted{Urn: "SC000777", ProviderId: "birch", Period: "2026-10", DueOn: "2026-11-13", Revision: 1})

	sweep := func() {
		t.Helper()
		if err := h.notify.App.Sweep(h.Ctx); err != nil {
			t.Fatal(err)
		}
	}
	sweep()
	got := h.waitOutbox(3) // the events' own messages, and the accreditation
	want := map[string]int{"accreditation-expiring → contracts@birch.example": 1, "offer-received → sam@352.example": 1, "dps-application-received → lead@nw.example": 1}
	if !maps.Equal(sent(got), want) {
		t.Fatalf("at 09:00:%s", describe(got))
	}

	h.Clock.Advance(4 * time.Hour) // 13:00: ref-1 has no offer; bidding closed at 10:00
	h.append("framework", "framework", "fw-1", &frameworkv1.BidScored{FrameworkId: "fw-1", LotId: "lot-1", ProviderId: "birch"})
	sweep()
	sweep()
	got = h.waitOutbox(5)
	want["referral-no-offer → sam@352.example"] = 1
	want["tender-closed → lead@nw.example"] = 1
	if !maps.Equal(sent(got), want) {
		t.Fatalf("at 13:00:%s", describe(got))
	}

	h.Clock.Set(time.Date(2026, 12, 10, 9, 0, 0, 0, time.UTC)) // two working days before November's return is due
	sweep()
	got = h.waitOutbox(7)
	want["monitoring-return-due → referrals@birch.example"] = 1
	want["monitoring-return-due → contracts@birch.example"] = 1
	if !maps.Equal(sent(got), want) {
		t.Fatalf("return due:%s", describe(got))
	}
	h.Clock.Set(time.Date(2026, 12, 16, 9, 0, 0, 0, time.UTC)) // one working day before the decision is due; the return overdue
	sweep()
	h.Clock.Set(time.Date(2026, 12, 18, 9, 0, 0, 0, time.UTC)) // overdue
	sweep()
	sweep()
	got = h.waitOutbox(11)
	want["monitoring-return-overdue → referrals@birch.example"] = 1
	want["monitoring-return-overdue → contracts@birch.example"] = 1
	want["dps-application-due-soon → lead@nw.example"] = 1
	want["dps-application-overdue → lead@nw.example"] = 1
	if !maps.Equal(sent(got), want) {
		t.Fatalf("due and overdue:%s", describe(got))
	}
	for _, m := range got {
		if m.GetTemplate() == "tender-closed" && m.GetSubject() != "Framework fw-1 closed: 1 bids to score" {
			t.Errorf("subject %q", m.GetSubject())
		}
		if m.GetTemplate() == "monitoring-return-due" && m.GetSubject() != "Monitoring return for setting SC000777, 2026-11: due by 2026-12-14" {
			t.Errorf("subject %q", m.GetSubject())
		}
	}
}

// Two replicas: the first to claim a period sweeps it, the other skips,
// so what falls due is told once.
func TestOneReplicaSweepsAPeriod(t *testing.T) {
	h := newHarness(t)
	other, err := server.Start(h.Ctx, server.Config{Addr: "127.0.0.1:0", Store: h.NewStore(), Verifier: h.Verifier, Clock: h.Clock.Now}, h.opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Stop)
	h.registerProvider("birch")
	h.append("purchasing", "provider", "birch", &purchasingv1.AccreditationRecorded{ProviderId: "birch", Accreditation: &purchasingv1.Accreditation{
		Kind: purchasingv1.AccreditationKind_ACCREDITATION_KIND_SAFEGUARDING_POLICY, Reference: "SG-1", ExpiresOn: "2026-12-24"}})
	first, err := h.notify.App.SweepOnce(h.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	second, err := other.App.SweepOnce(h.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !first || second {
		t.Fatalf("first replica swept %v, second %v; want only the first", first, second)
	}
	got := h.waitOutbox(1)
	if !maps.Equal(sent(got), map[string]int{"accreditation-expiring → contracts@birch.example": 1}) {
		t.Fatalf("told:%s", describe(got))
	}
	h.Clock.Advance(time.Hour) // the next period: swept again, told nothing again
	if swept, err := other.App.SweepOnce(h.Ctx); err != nil || !swept {
		t.Fatalf("next period: %v %v", swept, err)
	}
	h.waitOutbox(1)
}
