package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// a13cPost posts a form to path as the i-th demo person and gives the
// answer's status.
func (s *stack) a13cPost(i int, path string, form url.Values) int {
	s.t.Helper()
	res, err := s.httpSignedIn(i).PostForm(s.portal.URL+path, form)
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func (s *stack) a13cGet(i int, path string) int {
	s.t.Helper()
	res, err := s.httpSignedIn(i).Get(s.portal.URL + path)
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// Issue 13, who may act on a council's referral and placement, with forms
// that would work for its commissioner: Erin Walsh, Oldham's commissioner,
// finds neither (404) and changes nothing by posting; Dana Reed,
// Manchester's viewer, is refused every action (403); Dev Patel,
// Manchester's analyst, may not open a referral or a placement (403).
// Afterwards the referral is still open with its offer, and the placement
// live with no outcome, visit or end; the same forms then work for Chloe
// Byrne, Manchester's commissioner.
func TestA13cOnlyTheCouncilsCommissionerActs(t *testing.T) {
	s := startStack(t)
	placement := s.plcPlace()
	dps := servicetest.Must(s.purchasing(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead).ListDps(s.Ctx, &purchasingv1.ListDpsRequest{})).OK(t).GetDps()[0].GetDpsId()
	servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderResponder).PublishVacancy(s.Ctx, &purchasingv1.PublishVacancyRequest{RequestId: "a13c-act-vacancy",
		ProviderId: pennine, Urn: plcHome, FreePlaces: 2, AvailableFrom: "2026-12-07"})).OK(t)
	chloe := s.purchasing(auth.CouncilOrg("352"), auth.CouncilCommissioner)
	ref := servicetest.Must(chloe.CreateReferral(s.Ctx, &purchasingv1.CreateReferralRequest{RequestId: "a13c-act-referral", DpsId: dps, Need: &purchasingv1.Need{
		CategoryId: "residential", AgeYears: 13, Sex: purchasingv1.Sex_SEX_MALE, NeededBy: purchasingv1.NeededBy_NEEDED_BY_MORE_THAN_5_DAYS,
		HomeOutcode: "M14", MaxDistanceMiles: 20, StartBy: "2026-12-20", WeeklyBudgetPence: 600000, ExpectedDurationWeeks: 26}})).OK(t).GetId()
	offer := servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderResponder).MakeOffer(s.Ctx, &purchasingv1.MakeOfferRequest{
		RequestId: "a13c-act-offer", ReferralId: ref, SettingUrn: plcHome, WeeklyPricePence: 500000, AvailableFrom: "2026-12-10"})).OK(t)
	s.settle(offer.GetPosition())
	version := servicetest.Must(chloe.GetReferral(s.Ctx, &purchasingv1.GetReferralRequest{ReferralId: ref})).OK(t).GetVersion()

	const erin, dana, dev = 8, 7, 3
	award := "/referrals/" + ref + "/offers/" + offer.GetOfferId() + "/award"
	forms := []struct {
		path string
		form url.Values
	}{
		{award, url.Values{"request_id": {"portal-a13c-award-01"}, "reason": {"Closest to his school"}, "version": {strconv.FormatUint(version, 10)}}},
		{"/referrals/" + ref + "/withdraw", url.Values{"request_id": {"portal-a13c-withdraw"}, "reason": {"3"}, "note": {"No longer needed"}, "version": {strconv.FormatUint(version, 10)}}},
		{"/placements/" + placement + "/outcomes/start", url.Values{"request_id": {"portal-a13c-outcome"}, "recorded_on-day": {"5"}, "recorded_on-month": {"12"}, "recorded_on-year": {"2026"},
			"scores-stability": {"3"}, "scores-education": {"3"}, "scores-health": {"3"}, "scores-wellbeing": {"3"}, "scores-childs_view": {"3"}}},
		{"/placements/" + placement + "/visit", url.Values{"request_id": {"portal-a13c-visit-1"}, "visited_on-day": {"6"}, "visited_on-month": {"12"}, "visited_on-year": {"2026"},
			"rating": {"2"}, "findings": {"Rotas rely on agency cover"}}},
		{"/placements/" + placement + "/end/confirm", url.Values{"request_id": {"portal-a13c-end-0001"}, "end_date-day": {"6"}, "end_date-month": {"12"}, "end_date-year": {"2026"},
			"reason_code": {"E4A"}, "reason": {"Returned home"}}},
	}
	for _, f := range forms {
		if code := s.a13cPost(erin, f.path, f.form); code != http.StatusNotFound {
			t.Errorf("Oldham's commissioner posting to %s: %d, want 404", f.path, code)
		}
		if code := s.a13cPost(dana, f.path, f.form); code != http.StatusForbidden {
			t.Errorf("Manchester's viewer posting to %s: %d, want 403", f.path, code)
		}
	}
	for _, path := range []string{"/referrals/" + ref, award, "/referrals/" + ref + "/withdraw", "/referrals/" + ref + "/deadline",
		"/placements/" + placement, "/placements/" + placement + "/outcomes/review", "/placements/" + placement + "/end"} {
		if code := s.a13cGet(erin, path); code != http.StatusNotFound {
			t.Errorf("Oldham's commissioner opening %s: %d, want 404", path, code)
		}
	}
	for _, path := range []string{award, "/referrals/" + ref + "/withdraw", "/placements/" + placement + "/end", "/placements/" + placement + "/visit"} {
		if code := s.a13cGet(dana, path); code != http.StatusForbidden {
			t.Errorf("Manchester's viewer opening %s: %d, want 403", path, code)
		}
	}
	for _, path := range []string{"/referrals", "/referrals/" + ref, "/placements", "/placements/" + placement, "/alerts"} {
		if code := s.a13cGet(dev, path); code != http.StatusForbidden {
			t.Errorf("Manchester's analyst opening %s: %d, want 403", path, code)
		}
	}

	// Nothing changed.
	pos := s.LastPosition()
	r := servicetest.Must(chloe.GetReferral(s.Ctx, &purchasingv1.GetReferralRequest{ReferralId: ref, MinPosition: pos})).OK(t)
	if r.GetStatus() != purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN || r.GetVersion() != version {
		t.Errorf("the referral is %v at version %d, want open at %d", r.GetStatus(), r.GetVersion(), version)
	}
	c := servicetest.Must(s.monitoring(auth.CouncilOrg("352"), auth.CouncilCommissioner).GetContract(s.Ctx,
		&monitoringv1.GetContractRequest{ContractId: placement, MinPosition: pos})).OK(t)
	if c.GetStatus() != monitoringv1.ContractStatus_CONTRACT_STATUS_LIVE || len(c.GetOutcomes()) != 0 {
		t.Errorf("the placement is %v with %d outcomes", c.GetStatus(), len(c.GetOutcomes()))
	}
	for _, d := range servicetest.Must(s.monitoring(auth.CouncilOrg("352"), auth.CouncilCommissioner).GetDecisionLog(s.Ctx,
		&monitoringv1.GetDecisionLogRequest{Aggregate: "contract", Id: placement, MinPosition: pos})).OK(t).GetDecisions() {
		if d.GetDecision() != "ContractStarted" {
			t.Errorf("the placement's log has %s", d.GetDecision())
		}
	}

	// The same forms work for Chloe Byrne, the commissioner: what was
	// refused was the person, not the form.
	const chloeByrne = 2
	for _, f := range []int{1, 2} {
		if code := s.a13cPost(chloeByrne, forms[f].path, forms[f].form); code != http.StatusSeeOther {
			t.Errorf("Chloe Byrne posting to %s: %d, want 303", forms[f].path, code)
		}
	}
	r = servicetest.Must(chloe.GetReferral(s.Ctx, &purchasingv1.GetReferralRequest{ReferralId: ref, MinPosition: s.LastPosition()})).OK(t)
	if r.GetStatus() != purchasingv1.ReferralStatus_REFERRAL_STATUS_WITHDRAWN {
		t.Errorf("Chloe's withdrawal left the referral %v", r.GetStatus())
	}
}
