package server_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 11, item 9: every command on a provider, a DPS or a referral takes
// the version the caller last saw. One that has moved on since answers
// ABORTED and nothing is written; the version the caller saw is accepted.
func TestEveryCommandRefusesAStaleVersionAndWritesNothing(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market()
	provider := must(h.responder(provA).PublishVacancy(ctx, &purchasingv1.PublishVacancyRequest{RequestId: "vacancy-stale-0001", ProviderId: provA,
		Urn: fallowfield, FreePlaces: 3, AvailableFrom: h.today()})).OK(t).GetStreamVersion()
	dps := must(h.admin(provC).ApplyToDps(ctx, &purchasingv1.ApplyToDpsRequest{RequestId: "apply-stale-0001", DpsId: dpsID, ProviderId: provC,
		CategoryIds: []string{"supported-16-plus"}, Answers: criterionAnswers})).OK(t).GetStreamVersion()
	refID := h.refer(dpsID, "referral-stale-0001", standardNeed()).GetId()
	referral := h.offer(provA, refID, fallowfield, 450000, h.today()).GetStreamVersion()
	h.settle()
	before := h.LastPosition()

	// Each saw the aggregate one change ago.
	calls := map[string]func(context.Context) error{
		"AddSetting": func(ctx context.Context) error {
			_, err := h.admin(provA).AddSetting(ctx, &purchasingv1.AddSettingRequest{RequestId: "stale-add-setting", ProviderId: provA,
				Setting: home("SC999001", "Didsbury House", "M20", good), ExpectedVersion: provider - 1})
			return err
		},
		"RemoveSetting": func(ctx context.Context) error {
			_, err := h.admin(provA).RemoveSetting(ctx, &purchasingv1.RemoveSettingRequest{RequestId: "stale-remove-setting", ProviderId: provA,
				Urn: crosby, Reason: "Closed for refurbishment", ExpectedVersion: provider - 1})
			return err
		},
		"RecordAccreditation": func(ctx context.Context) error {
			_, err := h.admin(provA).RecordAccreditation(ctx, &purchasingv1.RecordAccreditationRequest{RequestId: "stale-accreditation", ProviderId: provA,
				Accreditation:   accreditation(purchasingv1.AccreditationKind_ACCREDITATION_KIND_SAFEGUARDING_POLICY, "SG-2027", currentUntil),
				ExpectedVersion: provider - 1})
			return err
		},
		"PublishVacancy": func(ctx context.Context) error {
			_, err := h.responder(provA).PublishVacancy(ctx, &purchasingv1.PublishVacancyRequest{RequestId: "stale-publish-vacancy", ProviderId: provA,
				Urn: fallowfield, FreePlaces: 1, AvailableFrom: h.today(), ExpectedVersion: provider - 1})
			return err
		},
		"WithdrawVacancy": func(ctx context.Context) error {
			_, err := h.responder(provA).WithdrawVacancy(ctx, &purchasingv1.WithdrawVacancyRequest{RequestId: "stale-withdraw-vacancy", ProviderId: provA,
				Urn: fallowfield, Reason: "Place taken", ExpectedVersion: provider - 1})
			return err
		},
		"ApplyToDps": func(ctx context.Context) error {
			_, err := h.admin(provB).ApplyToDps(ctx, &purchasingv1.ApplyToDpsRequest{RequestId: "stale-apply-to-dps", DpsId: dpsID, ProviderId: provB,
				CategoryIds: []string{"supported-16-plus"}, Answers: criterionAnswers, ExpectedVersion: dps - 1})
			return err
		},
		"AdmitProvider": func(ctx context.Context) error {
			q := admission(dpsID, provC, "residential")
			q.RequestId, q.ExpectedVersion = "stale-admit-provider", dps-1
			_, err := h.lead().AdmitProvider(ctx, q)
			return err
		},
		"RejectApplication": func(ctx context.Context) error {
			q := admission(dpsID, provC, "residential")
			q.RequestId, q.Reason, q.ExpectedVersion = "stale-reject-application", "No residential capacity", dps-1
			_, err := h.lead().RejectApplication(ctx, q)
			return err
		},
		"SuspendProvider": func(ctx context.Context) error {
			_, err := h.lead().SuspendProvider(ctx, &purchasingv1.ProviderMembershipRequest{RequestId: "stale-suspend-provider", DpsId: dpsID,
				ProviderId: provA, Reason: "Safeguarding concern under review", ExpectedVersion: dps - 1})
			return err
		},
		"ReinstateProvider": func(ctx context.Context) error {
			_, err := h.lead().ReinstateProvider(ctx, &purchasingv1.ProviderMembershipRequest{RequestId: "stale-reinstate-provider", DpsId: dpsID,
				ProviderId: provD, Reason: "Re-inspected Good", ExpectedVersion: dps - 1})
			return err
		},
		"RemoveProvider": func(ctx context.Context) error {
			_, err := h.lead().RemoveProvider(ctx, &purchasingv1.ProviderMembershipRequest{RequestId: "stale-remove-provider", DpsId: dpsID,
				ProviderId: provB, Reason: "Contract breach", ExpectedVersion: dps - 1})
			return err
		},
		"MakeOffer": func(ctx context.Context) error {
			q := offerRequest(refID, heatonNorth, 470000, h.today())
			q.RequestId, q.ExpectedVersion = "stale-make-offer", referral-1
			_, err := h.responder(provB).MakeOffer(ctx, q)
			return err
		},
		"DeclineReferral": func(ctx context.Context) error {
			_, err := h.responder(provB).DeclineReferral(ctx, &purchasingv1.DeclineReferralRequest{RequestId: "stale-decline-referral", ReferralId: refID,
				Reason: purchasingv1.DeclineReason_DECLINE_REASON_NO_VACANCY, ExpectedVersion: referral - 1})
			return err
		},
		"WithdrawReferral": func(ctx context.Context) error {
			_, err := h.council("352").WithdrawReferral(ctx, &purchasingv1.WithdrawReferralRequest{RequestId: "stale-withdraw-referral", ReferralId: refID,
				Reason: purchasingv1.ReferralWithdrawalReason_REFERRAL_WITHDRAWAL_REASON_PLACED_ELSEWHERE, ExpectedVersion: referral - 1})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			servicetest.WantCode(t, call(ctx), codes.Aborted)
		})
	}
	if after := h.LastPosition(); after != before {
		t.Fatalf("stale commands wrote: the store moved from %d to %d", before, after)
	}

	// The version the caller saw is still the aggregate's: accepted.
	must(h.responder(provA).PublishVacancy(ctx, &purchasingv1.PublishVacancyRequest{RequestId: "fresh-publish-vacancy", ProviderId: provA,
		Urn: fallowfield, FreePlaces: 1, AvailableFrom: h.today(), ExpectedVersion: provider})).OK(t)
	q := admission(dpsID, provC, "residential")
	q.ExpectedVersion = dps
	must(h.lead().AdmitProvider(ctx, q)).OK(t)
	must(h.council("352").WithdrawReferral(ctx, &purchasingv1.WithdrawReferralRequest{RequestId: "fresh-withdraw-referral", ReferralId: refID,
		Reason: purchasingv1.ReferralWithdrawalReason_REFERRAL_WITHDRAWAL_REASON_PLACED_ELSEWHERE, ExpectedVersion: referral})).OK(t)
}
