package server_test

import (
	"maps"
	"testing"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// The decisions TestEachTriggerTellsExactlyTheRightPeople leaves out: a
// DPS application rejected is told to that provider's admins alone, and a
// referral withdrawn to the provider whose offer it closes (not to one
// that was sent it and did not offer, nor to the council's commissioners).
func TestRejectionAndWithdrawalTellExactlyTheRightPeople(t *testing.T) {
	h := newHarness(t)
	for _, p := range []string{"alder", "birch", "cedar"} {
		h.registerProvider(p)
	}
	servicetest.Must(h.commissioner("352", "sam").SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: "contact-0001", Name: "Sam", Email: "sam@352.example",
		Roles: []string{auth.CouncilCommissioner}, Subject: "sam"})).OK(t)
	h.append("purchasing", "dps", "dps-1", &purchasingv1.DpsCreated{DpsId: "dps-1", Consortium: "north-west", Terms: &purchasingv1.DpsTerms{Title: "North West Placements DPS"}})
	h.append("purchasing", "dps", "dps-1", &purchasingv1.ApplicationRejected{DpsId: "dps-1", ProviderId: "alder", CategoryId: "residential", Reason: "no Ofsted registration"})
	h.append("purchasing", "referral", "ref-1", &purchasingv1.ReferralCreated{ReferralId: "ref-1", Council: "352", DpsId: "dps-1"},
		&purchasingv1.ReferralMatched{ReferralId: "ref-1", Matches: []*purchasingv1.MatchedSetting{{ProviderId: "birch"}, {ProviderId: "cedar"}}})
	h.append("purchasing", "referral", "ref-1", &purchasingv1.OfferMade{ReferralId: "ref-1", OfferId: "off-b", ProviderId: "birch"})
	h.append("purchasing", "referral", "ref-1", &purchasingv1.ReferralWithdrawn{ReferralId: "ref-1"},
		&purchasingv1.OfferClosed{ReferralId: "ref-1", OfferId: "off-b", ProviderId: "birch", Reason: "referral withdrawn"})
	got := h.waitOutbox(5)
	want := map[string]int{
		"dps-decision → contracts@alder.example":      1,
		"referral-received → referrals@birch.example": 1, "referral-received → referrals@cedar.example": 1,
		"offer-received → sam@352.example":             1,
		"referral-withdrawn → referrals@birch.example": 1,
	}
	if !maps.Equal(sent(got), want) {
		t.Fatalf("told:%s", describe(got))
	}
	for _, m := range got {
		if m.GetTemplate() == "dps-decision" && m.GetSubject() != "Your application to North West Placements DPS: rejected (residential)" {
			t.Errorf("subject %q", m.GetSubject())
		}
		if m.GetTemplate() == "referral-withdrawn" && m.GetSubject() != "Referral ref-1 was withdrawn" {
			t.Errorf("subject %q", m.GetSubject())
		}
	}
}
