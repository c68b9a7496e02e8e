package app

import (
	"cmp"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// Who sees what, beyond the policy table's roles: the table says which roles
// may call a query; these say whose data each caller may read. What a caller
// may not see is reported as not found, so ids do not leak.

func platformWide(p auth.Principal) bool { return p.OrgKind() == auth.OrgPlatform }

// provider is the caller's provider id ("" when the caller is no provider).
func provider(p auth.Principal) string {
	if p.OrgKind() == "provider" {
		return p.OrgID()
	}
	return ""
}

func council(p auth.Principal) string {
	if p.OrgKind() == "council" {
		return p.OrgID()
	}
	return ""
}

func consortium(p auth.Principal) string {
	if p.OrgKind() == "consortium" {
		return p.OrgID()
	}
	return ""
}

// buyer: councils, consortia and the platform read provider profiles and
// supply; a provider reads only its own.
func canSeeProvider(p auth.Principal, providerID string) bool {
	if id := provider(p); id != "" {
		return id == providerID
	}
	return true
}

// runsDps: the consortium that runs the DPS, or the platform.
func runsDps(p auth.Principal, d *dpsRM) bool {
	return platformWide(p) || consortium(p) == d.consortium
}

// canSeeReferral: the referring council, the consortium running the DPS, the
// platform, and the providers it was sent to.
func (m *ReadModel) canSeeReferral(p auth.Principal, r *referralRM) bool {
	return seesReferral(p, r.council, r.consortium, func(id string) bool { return m.wasSentTo(r, id) })
}

// canSeeReferralState is canSeeReferral on the aggregate a command loaded.
func canSeeReferralState(p auth.Principal, st domain.ReferralState) bool {
	return seesReferral(p, st.Created.GetCouncil(), st.Created.GetConsortium(), func(id string) bool { return st.Providers[id] })
}

// seesReferral: sentTo reports whether the referral was sent to a provider.
func seesReferral(p auth.Principal, refCouncil, refConsortium string, sentTo func(providerID string) bool) bool {
	switch {
	case platformWide(p):
		return true
	case council(p) != "":
		return council(p) == refCouncil
	case consortium(p) != "":
		return consortium(p) == refConsortium
	case provider(p) != "":
		return sentTo(provider(p))
	}
	return false
}

func notFound(what, id string) error {
	return domainerr.Missing(what, "there is no %s %s that you may see", what, id)
}

// Read views: what a viewer who may see a thing reads of it, one function per
// message type. A field the viewer may not have is left zero.

// viewReferralFor is the referral as p reads it (p may see it). The
// referring council, the consortium running the DPS and the platform read
// every match, offer (cheapest first) and decline, and how fast the market
// answered. A provider reads the need, its own matched settings, offers and
// declines, and where it stands: not who else was asked, how many, at what
// price, or how fast they answered.
func (m *ReadModel) viewReferralFor(p auth.Principal, r *referralRM) *purchasingv1.ReferralView {
	return m.referralView(p, r, true)
}

// referralView is viewReferralFor, with the matches or without (lists).
func (m *ReadModel) referralView(p auth.Principal, r *referralRM, matches bool) *purchasingv1.ReferralView {
	v := &purchasingv1.ReferralView{ReferralId: r.id, Council: r.council, DpsId: r.dpsID, Consortium: r.consortium,
		Need: r.needMsg(), Status: r.status, CreatedAt: timestamppb.New(r.createdAt), Version: r.version}
	if r.offersDueBy != nil {
		v.OffersDueBy = clone(r.offersDueBy)
	}
	v.CallOff = calloffFor(provider(p), r.callOff)
	own := provider(p)
	if own == "" {
		v.MatchedSettings = uint32(r.matched)
	}
	if matches {
		for i := range r.matches {
			if mt := &r.matches[i]; own == "" || m.provIDs[mt.provider] == own {
				v.Matches = append(v.Matches, viewMatchFor(p, m.matchMsg(mt)))
			}
		}
	}
	for i := range r.offers {
		if o := &r.offers[i]; own == "" || m.provIDs[o.provider] == own {
			v.Offers = append(v.Offers, m.viewOffer(o))
		}
	}
	slices.SortStableFunc(v.Offers, func(a, b *purchasingv1.Offer) int {
		return cmp.Compare(a.GetWeeklyPricePence(), b.GetWeeklyPricePence())
	})
	for i := range r.declines {
		if d := &r.declines[i]; own == "" || m.provIDs[d.provider] == own {
			v.Declines = append(v.Declines, m.viewDecline(d))
		}
	}
	if !r.firstOfferAt.IsZero() && own == "" {
		v.FirstOfferAt = timestamppb.New(r.firstOfferAt)
		v.SecondsToFirstOffer = int64(r.firstOfferAt.Sub(r.createdAt).Seconds())
	}
	if r.placement != nil {
		v.AwardedAt = timestamppb.New(r.awardedAt)
		v.SecondsToPlacement = r.placement.GetSecondsToPlacement()
		if own == "" || r.placement.GetProviderId() == own {
			v.PlacementId = r.placement.GetPlacementId()
		}
	}
	if own != "" {
		v.YourResponse = m.yourResponse(own, r)
	}
	v.Summarised = r.archived
	return v
}

// viewOffer is an offer as those who may read it read it.
func (m *ReadModel) viewOffer(o *offerRM) *purchasingv1.Offer {
	id := m.provIDs[o.provider]
	return &purchasingv1.Offer{OfferId: o.id, ProviderId: id, ProviderName: m.providerName(id), SettingUrn: o.settingURN, SettingName: o.settingName,
		WeeklyPricePence: o.price, AvailableFrom: o.availableFrom, Note: o.note, Status: o.status, ClosedReason: o.closedReason,
		DistanceMiles: o.distance, OfstedGrade: o.grade, MadeAt: timestamppb.New(time.Unix(0, o.madeAt)), WithinBudget: o.withinBudget}
}

// viewDecline is a decline as those who may read it read it.
func (m *ReadModel) viewDecline(d *declineRM) *purchasingv1.Decline {
	return &purchasingv1.Decline{ProviderId: m.provIDs[d.provider], Reason: d.reason, Note: d.note, DeclinedAt: timestamppb.New(time.Unix(0, d.at))}
}

// matchMsg is a matched setting as every reader's view starts from.
func (m *ReadModel) matchMsg(mt *matchRM) *purchasingv1.MatchedSetting {
	return &purchasingv1.MatchedSetting{Rank: mt.rank, ProviderId: m.provIDs[mt.provider], SettingUrn: mt.urn, SettingName: mt.name, SettingType: mt.kind,
		Outcode: mt.outcode, DistanceMiles: mt.distance, OfstedGrade: mt.grade, MedianAwardedPricePence: mt.median, FreePlaces: mt.free}
}

// viewMatchFor is a matched setting as p reads it. Its rank is its place
// among every setting matched (rank 9 tells that at least eight others were
// asked), so a provider does not read it. The median awarded price is
// computed from the provider's placements with every council of every
// consortium (after one award it is another council's price), so only the
// platform and the provider itself read it.
func viewMatchFor(p auth.Principal, mt *purchasingv1.MatchedSetting) *purchasingv1.MatchedSetting {
	v := mt // the caller's own copy
	if provider(p) != "" {
		v.Rank = 0
	}
	if !platformWide(p) && provider(p) != mt.GetProviderId() {
		v.MedianAwardedPricePence = 0
	}
	return v
}

// viewExplanationFor is ExplainMatch's answer as p reads it: a provider
// reads why its setting was or was not matched, not its rank.
func viewExplanationFor(p auth.Principal, ex *purchasingv1.ExplainMatchResponse) *purchasingv1.ExplainMatchResponse {
	if provider(p) != "" {
		ex.Rank = 0
	}
	return ex
}

// viewAnswersFor is an application's answers to the selection criteria as
// p reads them: the consortium that runs the DPS decides on them and the
// applicant wrote them; nobody else reads them — not another provider, nor
// the platform, which reads the application and its decision only.
func viewAnswersFor(p auth.Principal, d *dpsRM, mem *memberRM) []*purchasingv1.CriterionAnswer {
	if consortium(p) != d.consortium && provider(p) != mem.provider {
		return nil
	}
	out := make([]*purchasingv1.CriterionAnswer, len(mem.answers))
	for i, a := range mem.answers {
		out[i] = clone(a)
	}
	return out
}
