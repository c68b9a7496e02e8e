package server_test

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 10, item 4: a caller that may not see an aggregate gets NOT_FOUND
// from every command, before any version check; a refusal never names
// another organisation.
func TestRefusalsAnswerNoQuestions(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market()
	refID := h.refer(dpsID, "referral-probe-0001", standardNeed()).GetId()
	h.settle()
	before := h.LastPosition()

	quiet := func(what string, err error) {
		t.Helper()
		st := servicetest.WantCode(t, err, codes.NotFound)
		for _, leak := range []string{"version", "352", consortium} {
			if strings.Contains(st.Message(), leak) {
				t.Errorf("%s: the refusal %q tells %q", what, st.Message(), leak)
			}
		}
	}
	// Another council's referral, whatever version is claimed, and one that
	// does not exist, answer alike.
	for _, v := range []uint64{0, 5, 999} {
		_, err := h.council("353").AwardPlacement(ctx, &purchasingv1.AwardPlacementRequest{RequestId: "probe-award-0001", ReferralId: refID,
			OfferId: "off-1", Reason: "Probe", ExpectedVersion: v})
		quiet("another council's referral", err)
	}
	_, err := h.council("353").WithdrawReferral(ctx, &purchasingv1.WithdrawReferralRequest{RequestId: "probe-withdraw-01", ReferralId: refID,
		Reason: purchasingv1.ReferralWithdrawalReason_REFERRAL_WITHDRAWAL_REASON_PLACED_ELSEWHERE})
	quiet("another council's referral", err)
	_, err = h.council("352").AwardPlacement(ctx, &purchasingv1.AwardPlacementRequest{RequestId: "probe-award-0002", ReferralId: "ref-00000000000000000000",
		OfferId: "off-1", Reason: "Probe", ExpectedVersion: 999})
	quiet("a referral that does not exist", err)
	// A provider it was not sent to.
	_, err = h.responder(provC).MakeOffer(ctx, offerRequest(refID, irwell, 400000, "2026-11-30"))
	quiet("a referral not sent to the provider", err)
	// Another provider's profile and settings.
	_, err = h.admin(provB).UpdateProviderProfile(ctx, &purchasingv1.UpdateProviderProfileRequest{RequestId: "probe-profile-01", ProviderId: provA,
		Profile: providers[provA].profile(), ExpectedVersion: 999})
	quiet("another provider's profile", err)
	_, err = h.responder(provB).PublishVacancy(ctx, &purchasingv1.PublishVacancyRequest{RequestId: "probe-vacancy-01", ProviderId: provA,
		Urn: fallowfield, FreePlaces: 3, AvailableFrom: h.today()})
	quiet("another provider's setting", err)

	// A DPS is public; another consortium's lead may read it but not run
	// it, and is not told whose it is.
	_, err = h.otherLead().CloseDps(ctx, &purchasingv1.CloseDpsRequest{RequestId: "probe-close-0001", DpsId: dpsID, Reason: "Probe"})
	st := servicetest.WantCode(t, err, codes.PermissionDenied)
	if strings.Contains(st.Message(), consortium) {
		t.Errorf("the refusal names the DPS's consortium: %q", st.Message())
	}
	if after := h.LastPosition(); after != before {
		t.Fatalf("refused commands wrote: the store moved from %d to %d", before, after)
	}
	// The referring council still learns of a stale version.
	_, err = h.council("352").AwardPlacement(ctx, &purchasingv1.AwardPlacementRequest{RequestId: "award-stale-0001", ReferralId: refID,
		OfferId: "off-1", Reason: "Nearest to family", ExpectedVersion: 999})
	servicetest.WantCode(t, err, codes.Aborted)
}
