package server_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/servicetest"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// A need has no field that could name the child or give a date of birth.
func TestNeedHasNoIdentifyingFields(t *testing.T) {
	fields := (&purchasingv1.Need{}).ProtoReflect().Descriptor().Fields()
	for i := range fields.Len() {
		name := string(fields.Get(i).Name())
		for _, bad := range []string{"name", "birth", "dob", "address", "postcode"} {
			if strings.Contains(name, bad) {
				t.Errorf("Need has field %s", name)
			}
		}
	}
}

// The whole journey of one child's referral: matched to the nearest
// suitable homes, offered and declined, awarded; the others told; the
// measures of speed exact; and what each party may see.
func TestReferralJourney(t *testing.T) {
	h := newHarness(t)
	ctx := h.Ctx
	dpsID := h.market()
	manchester, stockport := h.council("352"), h.council("353")
	created := h.Clock.Now()

	// Free text that looks like a date of birth is refused, naming the field.
	need := standardNeed()
	need.PreferredLocation = "near school; born 12/03/2015"
	_, err := manchester.CreateReferral(ctx, &purchasingv1.CreateReferralRequest{RequestId: "referral-with-dob", DpsId: dpsID, Need: need})
	if got := servicetest.FieldViolations(t, err); !slices.Equal(got, []string{"need.preferred_location"}) {
		t.Errorf("date in free text: violations %v, want [need.preferred_location]", got)
	}
	// A council outside the DPS cannot refer through it.
	_, err = h.council("999").CreateReferral(ctx, &purchasingv1.CreateReferralRequest{RequestId: "referral-non-member", DpsId: dpsID, Need: standardNeed()})
	servicetest.WantRule(t, err, domain.RuleCouncilNotMember)

	res := h.refer(dpsID, "referral-2026-0001", standardNeed())
	refID := res.GetId()
	r := must(manchester.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: refID, MinPosition: res.GetPosition()})).OK(t)
	if r.GetStatus() != purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN || r.GetCouncil() != "352" || r.GetDpsId() != dpsID || !r.GetCreatedAt().AsTime().Equal(created) {
		t.Fatalf("new referral: %s by %s on %s at %v", r.GetStatus(), r.GetCouncil(), r.GetDpsId(), r.GetCreatedAt().AsTime())
	}

	// Matched: the admitted providers' homes within 25 miles, nearest first
	// (A at M20, B at SK1, E at OL1, B's Outstanding home at BB1).
	var got []string
	for _, m := range r.GetMatches() {
		got = append(got, m.GetSettingUrn())
	}
	if want := []string{fallowfield, heatonNorth, oaksView, ribbleView}; !slices.Equal(got, want) {
		t.Fatalf("matches %v, want %v (nearest first)", got, want)
	}
	for i, m := range r.GetMatches() {
		if m.GetRank() != uint32(i+1) {
			t.Errorf("match %s has rank %d, want %d", m.GetSettingUrn(), m.GetRank(), i+1)
		}
		if i > 0 && m.GetDistanceMiles() < r.GetMatches()[i-1].GetDistanceMiles() {
			t.Errorf("match %s (%.1f miles) ranked after a further one", m.GetSettingUrn(), m.GetDistanceMiles())
		}
		if m.GetDistanceMiles() > 25 || m.GetFreePlaces() != 2 {
			t.Errorf("match %s: %.1f miles, %d free places", m.GetSettingUrn(), m.GetDistanceMiles(), m.GetFreePlaces())
		}
		if len(m.GetReasons()) != 0 {
			t.Errorf("GetReferral carries match %s's reasons; ExplainMatch gives them", m.GetSettingUrn())
		}
		// Why each setting was included, as recorded when it matched.
		ex := must(manchester.ExplainMatch(ctx, &purchasingv1.ExplainMatchRequest{ReferralId: refID, SettingUrn: m.GetSettingUrn(), MinPosition: res.GetPosition()})).OK(t)
		if !ex.GetMatched() || ex.GetRank() != m.GetRank() || len(ex.GetReasons()) != 10 {
			t.Errorf("ExplainMatch %s: matched %v rank %d, %d reasons", m.GetSettingUrn(), ex.GetMatched(), ex.GetRank(), len(ex.GetReasons()))
		}
		for _, why := range ex.GetReasons() {
			if !why.GetMet() || why.GetDetail() == "" {
				t.Errorf("match %s carries reason %v", m.GetSettingUrn(), why)
			}
		}
		if i == 0 {
			if d := reason(ex.GetReasons(), domain.CriterionDistance); d.GetDetail() != "1.6 miles from M14 (limit 25)" {
				t.Errorf("nearest match's distance reason = %q", d.GetDetail())
			}
		}
	}
	if r.GetMatchedSettings() != 4 {
		t.Errorf("matched_settings = %d, want 4", r.GetMatchedSettings())
	}

	// Not matched, and ExplainMatch says why.
	for _, c := range []struct{ urn, criterion, detail string }{
		{crosby, domain.CriterionDistance, "31.2 miles from M14 (limit 25)"},
		{irwell, domain.CriterionAdmitted, "Irwell House Trust is not admitted to category residential"},
		{alexandra, domain.CriterionAdmitted, "Moss Side Homes Ltd is suspended from category residential"},
	} {
		ex := must(manchester.ExplainMatch(ctx, &purchasingv1.ExplainMatchRequest{ReferralId: refID, SettingUrn: c.urn, MinPosition: res.GetPosition()})).OK(t)
		if ex.GetMatched() || len(ex.GetReasons()) == 0 {
			t.Errorf("ExplainMatch %s: matched %v, %d reasons", c.urn, ex.GetMatched(), len(ex.GetReasons()))
			continue
		}
		first := ex.GetReasons()[0]
		if first.GetCriterion() != c.criterion || first.GetMet() || first.GetDetail() != c.detail {
			t.Errorf("ExplainMatch %s: first reason %v, want %s unmet: %q", c.urn, first, c.criterion, c.detail)
		}
	}
	ex := must(manchester.ExplainMatch(ctx, &purchasingv1.ExplainMatchRequest{ReferralId: refID, SettingUrn: heatonNorth, MinPosition: res.GetPosition()})).OK(t)
	if !ex.GetMatched() || ex.GetRank() != 2 {
		t.Errorf("ExplainMatch %s: matched %v rank %d, want matched rank 2", heatonNorth, ex.GetMatched(), ex.GetRank())
	}

	// The referral went to the matched providers, and only to them.
	listA := must(h.responder(provA).ListReferrals(ctx, &purchasingv1.ListReferralsRequest{MinPosition: res.GetPosition()})).OK(t)
	if len(listA.GetReferrals()) != 1 || listA.GetReferrals()[0].GetReferralId() != refID {
		t.Fatalf("provider A's referrals: %v", listA.GetReferrals())
	}
	// Lists carry no matches: A reads its own on the referral.
	asA := must(h.responder(provA).GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: refID, MinPosition: res.GetPosition()})).OK(t)
	if len(asA.GetMatches()) != 1 || asA.GetMatches()[0].GetSettingUrn() != fallowfield || asA.GetYourResponse() != "awaiting your offer or decline" {
		t.Errorf("provider A sees matches %v and response %q; want only its own Fallowfield House, awaiting", asA.GetMatches(), asA.GetYourResponse())
	}
	for _, p := range []string{provC, provD} {
		_, err := h.admin(p).GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: refID, MinPosition: res.GetPosition()})
		servicetest.WantCode(t, err, codes.NotFound)
		if l := must(h.admin(p).ListReferrals(ctx, &purchasingv1.ListReferralsRequest{MinPosition: res.GetPosition()})).OK(t); len(l.GetReferrals()) != 0 {
			t.Errorf("unmatched provider %s lists %d referrals", p, len(l.GetReferrals()))
		}
	}
	// Another council sees nothing of it.
	_, err = stockport.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: refID, MinPosition: res.GetPosition()})
	servicetest.WantCode(t, err, codes.NotFound)
	if l := must(stockport.ListReferrals(ctx, &purchasingv1.ListReferralsRequest{MinPosition: res.GetPosition()})).OK(t); len(l.GetReferrals()) != 0 {
		t.Errorf("council 353 lists %d referrals of council 352", len(l.GetReferrals()))
	}

	// Two hours and a quarter later A offers; half an hour after that B
	// offers (after one over the budget is refused) and E declines.
	h.Clock.Advance(2*time.Hour + 15*time.Minute)
	offA := h.offer(provA, refID, fallowfield, 465000, "2026-11-30")
	if offA.GetOfferId() != "off-1" {
		t.Errorf("A's offer id = %q, want off-1", offA.GetOfferId())
	}
	h.Clock.Advance(30 * time.Minute)
	_, err = h.responder(provB).MakeOffer(ctx, offerRequest(refID, ribbleView, 520000, "2026-11-26"))
	servicetest.WantRule(t, err, domain.RuleOfferOverBudget)
	offB := h.offer(provB, refID, heatonNorth, 438000, "2026-11-26")
	// C, not matched, cannot offer.
	_, err = h.responder(provC).MakeOffer(ctx, offerRequest(refID, irwell, 400000, "2026-11-26"))
	servicetest.WantCode(t, err, codes.NotFound)
	declined := must(h.responder(provE).DeclineReferral(ctx, &purchasingv1.DeclineReferralRequest{RequestId: "decline-" + refID, ReferralId: refID,
		Reason: purchasingv1.DeclineReason_DECLINE_REASON_MATCHING_RISK, Note: "The current group includes a younger child who goes missing"})).OK(t)

	r = must(manchester.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: refID, MinPosition: declined.GetPosition()})).OK(t)
	if n := len(r.GetOffers()); n != 2 || r.GetOffers()[0].GetOfferId() != offB.GetOfferId() || r.GetOffers()[1].GetOfferId() != offA.GetOfferId() {
		t.Fatalf("offers %v, want B's (cheaper) then A's", r.GetOffers())
	}
	for _, o := range r.GetOffers() {
		if !o.GetWithinBudget() || o.GetStatus() != purchasingv1.OfferStatus_OFFER_STATUS_OPEN || o.GetProviderName() == "" || o.GetSettingName() == "" {
			t.Errorf("offer %s: within budget %v, %s, by %q for %q", o.GetOfferId(), o.GetWithinBudget(), o.GetStatus(), o.GetProviderName(), o.GetSettingName())
		}
	}
	if len(r.GetDeclines()) != 1 || r.GetDeclines()[0].GetProviderId() != provE || r.GetDeclines()[0].GetReason() != purchasingv1.DeclineReason_DECLINE_REASON_MATCHING_RISK {
		t.Errorf("declines %v, want E's for matching risk", r.GetDeclines())
	}
	const toFirstOffer = int64((2*time.Hour + 15*time.Minute) / time.Second)
	if r.GetSecondsToFirstOffer() != toFirstOffer || !r.GetFirstOfferAt().AsTime().Equal(created.Add(2*time.Hour+15*time.Minute)) {
		t.Errorf("time to first offer %ds (at %v), want %ds", r.GetSecondsToFirstOffer(), r.GetFirstOfferAt().AsTime(), toFirstOffer)
	}

	// Council 353 cannot award council 352's referral.
	award := &purchasingv1.AwardPlacementRequest{RequestId: "award-" + refID, ReferralId: refID, OfferId: offA.GetOfferId(),
		Reason: "Nearest to school and family; matches every need"}
	_, err = stockport.AwardPlacement(ctx, award)
	servicetest.WantCode(t, err, codes.NotFound)

	// The next day Manchester awards A's offer.
	h.Clock.Advance(24 * time.Hour)
	awardedAt := h.Clock.Now()
	awarded := must(manchester.AwardPlacement(ctx, award)).OK(t)
	if !strings.HasPrefix(awarded.GetPlacementId(), "pl-") {
		t.Fatalf("AwardPlacement answered placement id %q", awarded.GetPlacementId())
	}
	const toPlacement = toFirstOffer + 30*60 + 24*60*60
	r = must(manchester.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: refID, MinPosition: awarded.GetPosition()})).OK(t)
	if r.GetStatus() != purchasingv1.ReferralStatus_REFERRAL_STATUS_AWARDED || r.GetPlacementId() != awarded.GetPlacementId() ||
		r.GetSecondsToPlacement() != toPlacement || !r.GetAwardedAt().AsTime().Equal(awardedAt) || r.GetSecondsToFirstOffer() != toFirstOffer {
		t.Errorf("awarded referral: %s, placement %q, %ds to placement at %v, %ds to first offer; want AWARDED, %s, %ds at %v, %ds",
			r.GetStatus(), r.GetPlacementId(), r.GetSecondsToPlacement(), r.GetAwardedAt().AsTime(), r.GetSecondsToFirstOffer(),
			awarded.GetPlacementId(), toPlacement, awardedAt, toFirstOffer)
	}
	for _, o := range r.GetOffers() {
		switch o.GetOfferId() {
		case offA.GetOfferId():
			if o.GetStatus() != purchasingv1.OfferStatus_OFFER_STATUS_ACCEPTED {
				t.Errorf("the awarded offer is %s", o.GetStatus())
			}
		case offB.GetOfferId():
			if o.GetStatus() != purchasingv1.OfferStatus_OFFER_STATUS_CLOSED || o.GetClosedReason() != domain.ClosedAwardedElsewhere {
				t.Errorf("the other offer is %s (%q), want CLOSED (%q)", o.GetStatus(), o.GetClosedReason(), domain.ClosedAwardedElsewhere)
			}
		}
	}
	// Each provider is told where it stands.
	for p, want := range map[string]string{
		provA: "awarded to you",
		provB: "your offer closed: awarded to another offer",
		provE: "you declined",
	} {
		v := must(h.responder(p).GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: refID, MinPosition: awarded.GetPosition()})).OK(t)
		if v.GetYourResponse() != want {
			t.Errorf("provider %s is told %q, want %q", p, v.GetYourResponse(), want)
		}
		if (p == provA) != (v.GetPlacementId() != "") {
			t.Errorf("provider %s sees placement id %q", p, v.GetPlacementId())
		}
	}
	// A retried award (the same request id, e.g. after a dropped
	// connection) answers as the first did.
	if retried := must(manchester.AwardPlacement(ctx, award)).OK(t); retried.GetPlacementId() != awarded.GetPlacementId() || retried.GetPosition() != awarded.GetPosition() {
		t.Errorf("retried award answered %v, want %v", retried, awarded)
	}
	// A second award is refused.
	_, err = manchester.AwardPlacement(ctx, &purchasingv1.AwardPlacementRequest{RequestId: "award-again-" + refID, ReferralId: refID, OfferId: offB.GetOfferId(), Reason: "Changed our mind"})
	servicetest.WantRule(t, err, domain.RuleAlreadyAwarded)

	// The placement, as each party lists it.
	for _, c := range []struct {
		who  *caller
		want int
	}{{manchester, 1}, {h.responder(provA), 1}, {h.lead(), 1}, {h.responder(provB), 0}, {stockport, 0}} {
		pls := must(c.who.ListPlacements(ctx, &purchasingv1.ListPlacementsRequest{MinPosition: awarded.GetPosition()})).OK(t).GetPlacements()
		if len(pls) != c.want {
			t.Errorf("%s lists %d placements, want %d", c.who.Org, len(pls), c.want)
			continue
		}
		if c.want == 1 {
			pl := pls[0]
			if pl.GetPlacementId() != awarded.GetPlacementId() || pl.GetProviderId() != provA || pl.GetSettingUrn() != fallowfield || pl.GetCouncil() != "352" ||
				pl.GetWeeklyPricePence() != 465000 || pl.GetStartDate() != "2026-11-30" || pl.GetSecondsToPlacement() != toPlacement ||
				pl.GetCategoryId() != "residential" || pl.GetDistanceMiles() != 1.6 || pl.GetProviderName() != "Northern Lights" {
				t.Errorf("%s's placement: %v", c.who.Org, pl)
			}
		}
	}
	// The awarded home has one free place fewer.
	pv := must(h.admin(provA).GetProvider(ctx, &purchasingv1.GetProviderRequest{ProviderId: provA, MinPosition: awarded.GetPosition()})).OK(t)
	for _, s := range pv.GetSettings() {
		if s.GetSetting().GetUrn() == fallowfield && s.GetFreePlaces() != 1 {
			t.Errorf("Fallowfield House has %d free places after the award, want 1", s.GetFreePlaces())
		}
	}
	// The referral's decision log records the award with who, when and why.
	log := must(manchester.GetDecisionLog(ctx, &purchasingv1.GetDecisionLogRequest{Id: refID, MinPosition: awarded.GetPosition()})).OK(t).GetDecisions()
	var found bool
	for _, d := range log {
		if d.GetDecision() == "PlacementAwarded" {
			found = true
			if d.GetActor().GetSubject() != manchester.Subject || d.GetReason() != award.GetReason() || !d.GetOccurredAt().AsTime().Equal(awardedAt) {
				t.Errorf("award logged as by %v at %v because %q", d.GetActor(), d.GetOccurredAt().AsTime(), d.GetReason())
			}
		}
		if strings.Contains(d.GetSummary(), "younger child") {
			t.Errorf("free text about children is repeated in the log: %q", d.GetSummary())
		}
	}
	if !found {
		t.Error("the decision log has no PlacementAwarded")
	}

	// A second referral is withdrawn: A's offer on it closes and A is told.
	second := h.refer(dpsID, "referral-2026-0002", standardNeed())
	off := h.offer(provA, second.GetId(), fallowfield, 470000, "2026-11-30")
	withdrawn := must(manchester.WithdrawReferral(ctx, &purchasingv1.WithdrawReferralRequest{RequestId: "withdraw-" + second.GetId(), ReferralId: second.GetId(),
		Reason: purchasingv1.ReferralWithdrawalReason_REFERRAL_WITHDRAWAL_REASON_NEED_CHANGED, Note: "Returning home to family with support"})).OK(t)
	r2 := must(manchester.GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: second.GetId(), MinPosition: withdrawn.GetPosition()})).OK(t)
	if r2.GetStatus() != purchasingv1.ReferralStatus_REFERRAL_STATUS_WITHDRAWN || len(r2.GetOffers()) != 1 ||
		r2.GetOffers()[0].GetOfferId() != off.GetOfferId() || r2.GetOffers()[0].GetStatus() != purchasingv1.OfferStatus_OFFER_STATUS_CLOSED ||
		r2.GetOffers()[0].GetClosedReason() != domain.ClosedReferralWithdrawn {
		t.Errorf("withdrawn referral: %s with offers %v", r2.GetStatus(), r2.GetOffers())
	}
	if v := must(h.responder(provA).GetReferral(ctx, &purchasingv1.GetReferralRequest{ReferralId: second.GetId(), MinPosition: withdrawn.GetPosition()})).OK(t); v.GetYourResponse() != "your offer closed: referral withdrawn" {
		t.Errorf("after withdrawal A is told %q", v.GetYourResponse())
	}
	if open := must(manchester.ListReferrals(ctx, &purchasingv1.ListReferralsRequest{Status: purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN, MinPosition: withdrawn.GetPosition()})).OK(t); len(open.GetReferrals()) != 0 {
		t.Errorf("council 352 still has %d open referrals", len(open.GetReferrals()))
	}
	_, err = h.responder(provA).MakeOffer(ctx, offerRequest(second.GetId(), fallowfield, 460000, "2026-11-30"))
	servicetest.WantRule(t, err, domain.RuleReferralNotOpen)
}

// A retried CreateReferral (the same request id) makes one referral.
func TestCreateReferralIsIdempotent(t *testing.T) {
	h := newHarness(t)
	dpsID := h.market()
	first := h.refer(dpsID, "referral-2026-0042", standardNeed())
	h.Clock.Advance(time.Minute)
	again := h.refer(dpsID, "referral-2026-0042", standardNeed())
	if again.GetId() != first.GetId() || again.GetPosition() != first.GetPosition() || again.GetStreamVersion() != first.GetStreamVersion() {
		t.Errorf("retry answered %v, want the first answer %v", again, first)
	}
	list := must(h.council("352").ListReferrals(h.Ctx, &purchasingv1.ListReferralsRequest{MinPosition: again.GetPosition()})).OK(t)
	if len(list.GetReferrals()) != 1 || list.GetReferrals()[0].GetReferralId() != first.GetId() {
		t.Errorf("ListReferrals after a retry: %d referrals", len(list.GetReferrals()))
	}
	// The same request id from another council is its own referral.
	other := must(h.council("353").CreateReferral(h.Ctx, &purchasingv1.CreateReferralRequest{RequestId: "referral-2026-0042", DpsId: dpsID, Need: standardNeed()})).OK(t)
	if other.GetId() == first.GetId() {
		t.Error("another council's request with the same id landed on council 352's referral")
	}
}

func reason(rs []*purchasingv1.MatchReason, criterion string) *purchasingv1.MatchReason {
	for _, r := range rs {
		if r.GetCriterion() == criterion {
			return r
		}
	}
	return nil
}
