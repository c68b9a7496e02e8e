package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// othersIn lists what a provider's view of a referral tells about anyone
// else: other providers' matches, offers and declines, ranks, how many were
// asked, how fast the market answered, another's placement.
func othersIn(v *purchasingv1.ReferralView, own string) []string {
	var out []string
	for _, m := range v.GetMatches() {
		if m.GetProviderId() != own {
			out = append(out, "the match of "+m.GetProviderId())
		}
		if m.GetRank() != 0 {
			out = append(out, "the rank of "+m.GetSettingUrn())
		}
	}
	for _, o := range v.GetOffers() {
		if o.GetProviderId() != own {
			out = append(out, "the offer of "+o.GetProviderId())
		}
	}
	for _, d := range v.GetDeclines() {
		if d.GetProviderId() != own {
			out = append(out, "the decline of "+d.GetProviderId())
		}
	}
	if v.GetMatchedSettings() != 0 {
		out = append(out, "how many settings were asked")
	}
	if v.GetFirstOfferAt() != nil || v.GetSecondsToFirstOffer() != 0 {
		out = append(out, "when the first offer came")
	}
	return out
}

func match(v *purchasingv1.ReferralView, urn string) *purchasingv1.MatchedSetting {
	for _, m := range v.GetMatches() {
		if m.GetSettingUrn() == urn {
			return m
		}
	}
	return nil
}

// Issue 10, item 2: a referral shows each party what it is entitled to. A
// provider it was sent to reads the need and its own matches, offers and
// declines: not the others', their prices, their ranks or how many were
// asked. A provider's price history (the median of its awards, which after
// one award is another council's price) goes to the platform and the
// provider itself, not to the councils and leads who refer.
func TestReferralReadsShowCommercialsOnlyToThoseEntitled(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market()

	// Council 352's referral goes to A, B and E: A offers £4,650 a week,
	// B £4,380, E declines; 352 places with A.
	first := h.refer(dpsID, "referral-views-0001", standardNeed()).GetId()
	offA := h.offer(provA, first, fallowfield, 465000, "2026-11-30")
	h.offer(provB, first, heatonNorth, 438000, "2026-11-26")
	must(h.responder(provE).DeclineReferral(ctx, &purchasingv1.DeclineReferralRequest{RequestId: "decline-views-0001", ReferralId: first,
		Reason: purchasingv1.DeclineReason_DECLINE_REASON_PRICE, Note: "Our fees for this need are above the budget"})).OK(t)
	awarded := must(h.council("352").AwardPlacement(ctx, &purchasingv1.AwardPlacementRequest{RequestId: "award-views-0001", ReferralId: first,
		OfferId: offA.GetOfferId(), Reason: "Nearest to school and family"})).OK(t)

	// B asks for the referral: its own offer, closed; nothing of A's or E's.
	asB := must(h.responder(provB).GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: first, MinPosition: awarded.GetPosition()})).OK(t)
	if leaks := othersIn(asB, provB); len(leaks) != 0 {
		t.Errorf("provider B reads, on a referral sent to A, B and E: %v", leaks)
	}
	if len(asB.GetOffers()) != 1 || asB.GetOffers()[0].GetWeeklyPricePence() != 438000 || asB.GetPlacementId() != "" {
		t.Errorf("provider B reads offers %v and placement %q; want its own offer only and no placement", asB.GetOffers(), asB.GetPlacementId())
	}

	// Council 353 refers the same need: A's home is matched again.
	second := must(h.council("353").CreateReferral(ctx, &purchasingv1.CreateReferralRequest{RequestId: "referral-views-0002", DpsId: dpsID, Need: standardNeed()})).OK(t)
	get := func(c *caller) *purchasingv1.ReferralView {
		t.Helper()
		return must(c.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: second.GetId(), MinPosition: second.GetPosition()})).OK(t)
	}

	// The referring council and the lead read every match ranked, and no
	// provider's price history: A's would be what council 352 pays.
	for _, c := range []*caller{h.council("353"), h.lead()} {
		v := get(c)
		if len(v.GetMatches()) != 4 || v.GetMatchedSettings() != 4 || match(v, fallowfield) == nil {
			t.Fatalf("%s reads matches %v (%d settings), want the 4 with %s", c.Org, v.GetMatches(), v.GetMatchedSettings(), fallowfield)
		}
		for _, m := range v.GetMatches() {
			if m.GetRank() == 0 || m.GetMedianAwardedPricePence() != 0 {
				t.Errorf("%s reads %s with rank %d and median price %d; want its rank and no price", c.Org, m.GetSettingUrn(), m.GetRank(), m.GetMedianAwardedPricePence())
			}
		}
	}
	if got := match(get(h.auditor()), fallowfield).GetMedianAwardedPricePence(); got != 465000 {
		t.Errorf("the platform reads A's median price as %d, want 465000", got)
	}

	// A reads its own home with its own price history, unranked; B its
	// own two homes and no one else's.
	asA := get(h.responder(provA))
	if m := match(asA, fallowfield); len(asA.GetMatches()) != 1 || m.GetMedianAwardedPricePence() != 465000 || m.GetRank() != 0 {
		t.Errorf("provider A reads matches %v; want only its own home, unranked, with its median 465000", asA.GetMatches())
	}
	asB = get(h.responder(provB))
	if leaks := othersIn(asB, provB); len(leaks) != 0 || len(asB.GetMatches()) != 2 {
		t.Errorf("provider B reads %d matches and %v", len(asB.GetMatches()), leaks)
	}
	list := must(h.responder(provB).ListReferrals(ctx, &purchasingv1.ListReferralsRequest{MinPosition: second.GetPosition()})).OK(t).GetReferrals()
	if len(list) != 2 {
		t.Fatalf("provider B lists %d referrals, want the 2 sent to it", len(list))
	}
	for _, v := range list {
		if leaks := othersIn(v, provB); len(leaks) != 0 {
			t.Errorf("provider B lists %s with %v", v.GetReferralId(), leaks)
		}
	}

	// ExplainMatch: B is told why its home matched, not its rank; it may
	// not ask about A's home. The council reads the rank.
	explain := func(c *caller, urn string) (*purchasingv1.ExplainMatchResponse, error) {
		return c.ExplainMatch(ctx, &purchasingv1.ExplainMatchRequest{ReferralId: second.GetId(), SettingUrn: urn, MinPosition: second.GetPosition()})
	}
	if ex := must(explain(h.responder(provB), heatonNorth)).OK(t); !ex.GetMatched() || ex.GetRank() != 0 || len(ex.GetReasons()) == 0 {
		t.Errorf("provider B's ExplainMatch of its own home: matched %v, rank %d, %d reasons; want matched, unranked, with reasons",
			ex.GetMatched(), ex.GetRank(), len(ex.GetReasons()))
	}
	_, err := explain(h.responder(provB), fallowfield)
	servicetest.WantCode(t, err, codes.NotFound)
	if ex := must(explain(h.council("353"), heatonNorth)).OK(t); ex.GetRank() != match(get(h.council("353")), heatonNorth).GetRank() {
		t.Errorf("the council's ExplainMatch reads rank %d", ex.GetRank())
	}

	// Placements: 353 and B list none of the placement 352 made with A.
	for _, c := range []*caller{h.council("353"), h.responder(provB)} {
		if pls := must(c.ListPlacements(ctx, &purchasingv1.ListPlacementsRequest{MinPosition: second.GetPosition()})).OK(t).GetPlacements(); len(pls) != 0 {
			t.Errorf("%s lists %d placements of others", c.Org, len(pls))
		}
	}
}

// Issue 10, item 2: on the DPS and the register a provider reads its own
// applications, memberships, profile and vacancies and, of the others, only
// who is admitted: not another's application, rejection or suspension and
// its reason, nor its contacts, accreditations or free places.
func TestProviderReadsNothingOfOtherProviders(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market() // C's application is pending, D is suspended
	pos := h.LastPosition()
	asB := h.admin(provB)

	d := must(asB.GetDps(ctx, &purchasingv1.GetDpsRequest{DpsId: dpsID, MinPosition: pos})).OK(t)
	for _, m := range d.GetMemberships() {
		if m.GetStatus() != purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_ADMITTED && m.GetProviderId() != provB {
			t.Errorf("provider B reads %s's membership as %s", m.GetProviderId(), m.GetStatus())
		}
	}
	if d := must(h.admin(provD).GetDps(ctx, &purchasingv1.GetDpsRequest{DpsId: dpsID, MinPosition: pos})).OK(t); !slices.ContainsFunc(d.GetMemberships(), func(m *purchasingv1.Membership) bool {
		return m.GetProviderId() == provD && m.GetStatus() == purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_SUSPENDED
	}) {
		t.Errorf("provider D does not read its own suspension: %v", d.GetMemberships())
	}
	for _, a := range must(asB.ListApplications(ctx, &purchasingv1.ListApplicationsRequest{DpsId: dpsID, MinPosition: pos})).OK(t).GetApplications() {
		if a.GetProviderId() != provB {
			t.Errorf("provider B reads %s's application (%s, %q)", a.GetProviderId(), a.GetStatus(), a.GetReason())
		}
	}
	for _, p := range must(asB.ListProviders(ctx, &purchasingv1.ListProvidersRequest{MinPosition: pos})).OK(t).GetProviders() {
		if p.GetProviderId() != provB {
			t.Errorf("provider B lists provider %s", p.GetProviderId())
		}
	}
	for _, v := range must(asB.ListVacancies(ctx, &purchasingv1.ListVacanciesRequest{NearOutcode: "M14", MinPosition: pos})).OK(t).GetVacancies() {
		if v.GetProviderId() != provB {
			t.Errorf("provider B reads %s's vacancy at %s", v.GetProviderId(), v.GetSettingUrn())
		}
	}
	_, err := asB.GetProvider(ctx, &purchasingv1.GetProviderRequest{ProviderId: provA, MinPosition: pos})
	servicetest.WantCode(t, err, codes.NotFound)
	// A buyer reads A's profile with its contacts.
	if v := must(h.council("353").GetProvider(ctx, &purchasingv1.GetProviderRequest{ProviderId: provA, MinPosition: pos})).OK(t); len(v.GetProfile().GetContacts()) == 0 {
		t.Error("a council reads provider A's profile without its contacts")
	}
}
