package main

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"time"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// seedCallOff places a child by direct award under the demo framework's
// lot 1: Manchester calls off, purchasing sends the referral to the
// highest-ranked provider of the lot with a suitable vacancy (recording
// the ranking and who was passed over), that provider offers within the
// lot's prices and Manchester awards it. Every command carries a fixed
// request id, so a second start changes nothing.
func seedCallOff(ctx context.Context, addrs seedAddrs, key ed25519.PrivateKey) error {
	fs := &seeder{key: key, addr: addrs.framework}
	defer fs.close()
	lead, err := fs.client(auth.ConsortiumOrg(demoConsortium), auth.ConsortiumLead)
	if err != nil {
		return err
	}
	fws, err := lead.ListFrameworks(ctx, &frameworkv1.ListFrameworksRequest{Consortium: demoConsortium, Status: frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE})
	if err != nil {
		return err
	}
	if len(fws.GetFrameworks()) == 0 {
		return nil
	}
	fw := fws.GetFrameworks()[0].GetFrameworkId()
	ps := &purchasingSeeder{key: key, addr: addrs.purchasing, clients: map[string]purchasingv1.PurchasingServiceClient{}}
	defer ps.close()
	plead, err := ps.as(auth.ConsortiumOrg(demoConsortium), auth.ConsortiumLead)
	if err != nil {
		return err
	}
	dpss, err := plead.ListDps(ctx, &purchasingv1.ListDpsRequest{Consortium: demoConsortium})
	if err != nil || len(dpss.GetDps()) == 0 {
		return err
	}
	council, err := ps.as(auth.CouncilOrg("352"), auth.CouncilCommissioner)
	if err != nil {
		return err
	}
	now := time.Now()
	ref, err := council.CreateReferral(ctx, &purchasingv1.CreateReferralRequest{RequestId: "seed-calloff-direct-01", DpsId: dpss.GetDps()[0].GetDpsId(),
		Need: &purchasingv1.Need{
			CategoryId: "residential", AgeYears: 13, Sex: purchasingv1.Sex_SEX_MALE, NeededBy: purchasingv1.NeededBy_NEEDED_BY_LESS_THAN_5_DAYS,
			HomeOutcode: "M14", MaxDistanceMiles: 25, StartBy: now.AddDate(0, 0, 7).Format(time.DateOnly), WeeklyBudgetPence: 520000,
			ExpectedDurationWeeks: 26, Needs: []string{"emotional_behavioural"}, PreferredLocation: "near current school",
		},
		CallOff: &purchasingv1.CallOff{FrameworkId: fw, LotId: "lot-1", Method: purchasingv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD}})
	if err != nil {
		return fmt.Errorf("call-off referral: %w", err)
	}
	view, err := council.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: ref.GetId(), MinPosition: ref.GetPosition()})
	if err != nil {
		return err
	}
	if view.GetStatus() != purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN || len(view.GetMatches()) == 0 {
		return nil // placed on an earlier start, or no provider of the lot could take the child
	}
	m := view.GetMatches()[0]
	responder, err := ps.as(auth.ProviderOrg(m.GetProviderId()), auth.ProviderResponder)
	if err != nil {
		return err
	}
	off, err := responder.MakeOffer(ctx, &purchasingv1.MakeOfferRequest{RequestId: "seed-calloff-offer-01", ReferralId: ref.GetId(), SettingUrn: m.GetSettingUrn(),
		WeeklyPricePence: 465000, AvailableFrom: now.Format(time.DateOnly), Note: "At our framework price for lot 1"})
	if err != nil {
		return fmt.Errorf("call-off offer: %w", err)
	}
	if _, err := council.AwardPlacement(ctx, &purchasingv1.AwardPlacementRequest{RequestId: "seed-calloff-award-01", ReferralId: ref.GetId(), OfferId: off.GetOfferId(),
		Reason: "Direct award under the framework's lot 1 to the highest-ranked provider with a suitable vacancy"}); err != nil {
		return fmt.Errorf("call-off award: %w", err)
	}
	return calloffAwaitRecord(ctx, lead, fw)
}

// calloffAwaitRecord waits for the framework's reaction to record the
// call-off, so that the stack is not called ready (nor the README's
// GetFramework read) before the framework shows it.
func calloffAwaitRecord(ctx context.Context, lead frameworkv1.FrameworkServiceClient, fw string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := lead.GetFramework(ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: fw})
		if err != nil {
			return err
		}
		if len(got.GetCallOffs()) > 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the framework did not record the seeded call-off within 30 s")
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}
