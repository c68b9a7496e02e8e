package server_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
)

// A referral's deadline for offers: each provider it is sent to is told
// when offers close; when the deadline is three hours off, those that have
// not answered (alder, not birch, which offered) are reminded once,
// however often the sweep runs; after the council extends it, once again
// as the new deadline nears.
func TestProvidersAreToldWhenOffersClose(t *testing.T) {
	h := newHarness(t)
	for _, p := range []string{"alder", "birch"} {
		h.registerProvider(p)
	}
	due := start.Add(8 * time.Hour) // 17:00 on 3 December 2026 (GMT)
	h.append("purchasing", "referral", "ref-1",
		&purchasingv1.ReferralCreated{ReferralId: "ref-1", Council: "352", DpsId: "dps-1", Consortium: "north-west", CreatedAt: timestamppb.New(start),
			OffersDueBy: timestamppb.New(due)},
		&purchasingv1.ReferralMatched{ReferralId: "ref-1", Matches: []*purchasingv1.MatchedSetting{
			{Rank: 1, ProviderId: "alder", SettingUrn: "SC000001"}, {Rank: 2, ProviderId: "birch", SettingUrn: "SC000002"}}})
	got := h.waitOutbox(2)
	for _, m := range got {
		if !strings.Contains(m.GetBody(), "Offers close at 5:00pm on 3 December 2026.") {
			t.Errorf("%s to %s does not say when offers close:\n%s", m.GetTemplate(), m.GetRecipient().GetEmail(), m.GetBody())
		}
	}
	h.append("purchasing", "referral", "ref-1", &purchasingv1.OfferMade{ReferralId: "ref-1", OfferId: "off-1", ProviderId: "birch", SettingUrn: "SC000002"})
	sweep := func() {
		t.Helper()
		if err := h.notify.App.Sweep(h.Ctx); err != nil {
			t.Fatal(err)
		}
	}
	sweep() // 09:00: eight hours to go, nothing yet
	h.Clock.Set(due.Add(-3 * time.Hour))
	sweep()
	sweep()
	got = h.waitOutbox(3)
	want := map[string]int{"referral-received → referrals@alder.example": 1, "referral-received → referrals@birch.example": 1,
		"referral-offers-closing → referrals@alder.example": 1}
	if !maps.Equal(sent(got), want) {
		t.Fatalf("at 14:00:%s", describe(got))
	}
	if last := got[len(got)-1]; last.GetSubject() != "Offers on referral ref-1 close at 5:00pm on 3 December 2026" {
		t.Errorf("reminder's subject %q", last.GetSubject())
	}

	// Extended to 17:00 the next day: told again only as that nears.
	later := due.Add(24 * time.Hour)
	h.append("purchasing", "referral", "ref-1", &purchasingv1.OfferDeadlineExtended{ReferralId: "ref-1", OffersDueBy: timestamppb.New(later), Previous: timestamppb.New(due)})
	sweep()
	h.Clock.Set(later.Add(-2 * time.Hour))
	sweep()
	got = h.waitOutbox(4)
	want["referral-offers-closing → referrals@alder.example"] = 2
	if !maps.Equal(sent(got), want) {
		t.Fatalf("the next day:%s", describe(got))
	}
	// Once it has passed, nothing more.
	h.Clock.Set(later.Add(time.Hour))
	sweep()
	h.waitOutbox(4)
}
