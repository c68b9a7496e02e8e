package server_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/notify/app"
)

// "No offer after N hours" with N configured (six here, not the default
// four): the referring council's commissioner is told once, when six hours
// have passed, and in those words; another council's is told nothing.
func TestNoOfferAfterConfiguredHours(t *testing.T) {
	h := newHarness(t, app.WithNoOfferAfter(6*time.Hour))
	set := func(c notifyv1.NotifyServiceClient, id, email, subject string) {
		servicetest.Must(c.SetContact(h.Ctx, &notifyv1.SetContactRequest{RequestId: id, Name: subject, Email: email, Roles: []string{auth.CouncilCommissioner}, Subject: subject})).OK(t)
	}
	set(h.commissioner("352", "sam"), "contact-0001", "sam@352.example", "sam")
	set(h.commissioner("353", "kim"), "contact-0002", "kim@353.example", "kim")
	h.append("purchasing", "referral", "ref-1", &purchasingv1.ReferralCreated{ReferralId: "ref-1", Council: "352", DpsId: "dps-1"})
	sweep := func() {
		t.Helper()
		if err := h.notify.App.Sweep(h.Ctx); err != nil {
			t.Fatal(err)
		}
	}
	h.Clock.Advance(5 * time.Hour)
	sweep()
	h.waitOutbox(0)
	h.Clock.Advance(time.Hour)
	sweep()
	sweep()
	got := h.waitOutbox(1)
	if !maps.Equal(sent(got), map[string]int{"referral-no-offer → sam@352.example": 1}) {
		t.Fatalf("told:%s", describe(got))
	}
	if want := "No provider has made an offer on referral ref-1 in its first 6 hours."; !strings.HasPrefix(got[0].GetBody(), want) {
		t.Fatalf("body %q", got[0].GetBody())
	}
}
