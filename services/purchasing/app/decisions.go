package app

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/money"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// summarise describes an event for a decision log: one line a governance
// panel can read, the reason recorded with it and the provider it concerns.
// Free text about the child (notes, risks) is never repeated here.
func summarise(e proto.Message) (summary, reason, provider string) {
	switch e := e.(type) {
	case *purchasingv1.DpsCreated:
		return fmt.Sprintf("Created DPS %q for consortium %s with %d categories and %d member councils", e.GetTerms().GetTitle(), e.GetConsortium(),
			len(e.GetTerms().GetCategories()), len(e.GetTerms().GetMemberCouncils())), "", ""
	case *purchasingv1.DpsOpened:
		return "Opened the DPS to applications and referrals", "", ""
	case *purchasingv1.DpsClosed:
		return "Closed the DPS", e.GetReason(), ""
	case *purchasingv1.ApplicationReceived:
		return fmt.Sprintf("Received %s's application to %s; decision due by %s", e.GetProviderName(), strings.Join(e.GetCategoryIds(), ", "), e.GetDecisionDueOn()), "", e.GetProviderId()
	case *purchasingv1.ProviderAdmitted:
		return fmt.Sprintf("Admitted %s to category %s", e.GetProviderName(), e.GetCategoryId()), e.GetReason(), e.GetProviderId()
	case *purchasingv1.ApplicationRejected:
		return fmt.Sprintf("Rejected %s's application to category %s", e.GetProviderId(), e.GetCategoryId()), e.GetReason(), e.GetProviderId()
	case *purchasingv1.ProviderSuspended:
		return fmt.Sprintf("Suspended %s %s", e.GetProviderId(), scope(e.GetCategoryId())), e.GetReason(), e.GetProviderId()
	case *purchasingv1.ProviderReinstated:
		return fmt.Sprintf("Reinstated %s %s", e.GetProviderId(), scope(e.GetCategoryId())), e.GetReason(), e.GetProviderId()
	case *purchasingv1.ProviderRemoved:
		return fmt.Sprintf("Removed %s from the DPS", e.GetProviderId()), e.GetReason(), e.GetProviderId()
	case *purchasingv1.MatchingSuspended:
		return fmt.Sprintf("Suspended %s from matching under the consortium's early-warning policy (risk %s)", haltScope(e.GetProviderId(), e.GetSettingUrn()), e.GetRiskLevel()),
			e.GetReason(), e.GetProviderId()
	case *purchasingv1.MatchingReinstated:
		return fmt.Sprintf("Reinstated %s in matching under the consortium's early-warning policy (risk %s)", haltScope(e.GetProviderId(), e.GetSettingUrn()), e.GetRiskLevel()),
			e.GetReason(), e.GetProviderId()
	case *purchasingv1.ReferralCreated:
		n := e.GetNeed()
		return fmt.Sprintf("Council %s referred a child aged %d for %s near %s, start by %s", e.GetCouncil(), n.GetAgeYears(), n.GetCategoryId(), n.GetHomeOutcode(), n.GetStartBy()), "", ""
	case *purchasingv1.ReferralMatched:
		return fmt.Sprintf("Matched %d of %d settings considered and sent the referral to their providers", len(e.GetMatches()), e.GetConsidered()), "", ""
	case *purchasingv1.OfferMade:
		return fmt.Sprintf("%s offered setting %s from %s (%s)", e.GetProviderId(), e.GetSettingUrn(), e.GetAvailableFrom(), e.GetOfferId()), "", e.GetProviderId()
	case *purchasingv1.ReferralDeclined:
		return fmt.Sprintf("%s declined: %s", e.GetProviderId(), e.GetReason()), "", e.GetProviderId()
	case *purchasingv1.PlacementAwarded:
		return fmt.Sprintf("Awarded placement %s to %s at setting %s from %s", e.GetPlacementId(), e.GetProviderId(), e.GetSettingUrn(), e.GetStartDate()), e.GetReason(), e.GetProviderId()
	case *purchasingv1.OfferClosed:
		return fmt.Sprintf("Closed offer %s of %s", e.GetOfferId(), e.GetProviderId()), e.GetReason(), e.GetProviderId()
	case *purchasingv1.ReferralWithdrawn:
		return "Withdrew the referral", e.GetReason().String(), ""
	case *purchasingv1.OfferDeadlineExtended:
		return "Extended the deadline for offers to " + domain.FormatDeadline(e.GetOffersDueBy().AsTime()), e.GetReason(), ""
	}
	return agrlogSummarise(e)
}

// agrlogSummarise describes placement agreements' and block contracts'
// events. An agreement's terms say nothing about the child, and neither
// do these lines.
func agrlogSummarise(e proto.Message) (summary, reason, provider string) {
	switch e := e.(type) {
	case *purchasingv1.AgreementDrawn:
		t := e.GetTerms()
		return fmt.Sprintf("Drew version 1 of the placement agreement for placement %s: %s at %s from %s, %s a week (terms %s)",
			t.GetPlacementId(), agrlogName(t.GetProviderName(), t.GetProviderId()), agrlogName(t.GetSettingName(), t.GetSettingUrn()),
			t.GetStartDate(), agrlogWeekly(t.GetPrices()), agrlogDigest(e.GetDigest())), "", t.GetProviderId()
	case *purchasingv1.AgreementAccepted:
		a := e.GetAcceptance()
		return fmt.Sprintf("%s (%s, %s) accepted version %d of the agreement on behalf of %s (terms %s)",
			a.GetSubject(), agrlogRole(a.GetRole()), a.GetOrganisation(), a.GetVersion(), agrlogParty(a.GetParty()), agrlogDigest(a.GetDigest())), "", ""
	case *purchasingv1.AgreementLocked:
		return fmt.Sprintf("Both parties have accepted version %d of the agreement: it is in force (terms %s)",
			e.GetVersion(), agrlogDigest(e.GetDigest())), "", ""
	case *purchasingv1.AgreementVariationProposed:
		t := e.GetTerms()
		return fmt.Sprintf("%s (%s) proposed a variation of the agreement on behalf of %s: %s a week (terms %s)",
			e.GetSubject(), e.GetOrganisation(), agrlogParty(e.GetParty()), agrlogWeekly(t.GetPrices()), agrlogDigest(e.GetDigest())), "", t.GetProviderId()
	case *purchasingv1.AgreementPlacementEnded:
		return "Recorded that the placement ended on " + e.GetEndDate(), "", ""
	case *purchasingv1.BlockContractReserved:
		places := uint32(0)
		for _, st := range e.GetSettings() {
			places += st.GetPlaces()
		}
		kind := "block contract (empty places are paid for)"
		if e.GetKind() == purchasingv1.BlockKind_BLOCK_KIND_SOFT_BLOCK {
			kind = "soft block (empty places are not paid for, only offered first)"
		}
		return fmt.Sprintf("%s reserved %s at %s of %s from %s to %s at %s a week each, as a %s",
			e.GetBuyer(), agrlogCount(int(places), "place"), agrlogCount(len(e.GetSettings()), "setting"), agrlogName(e.GetProviderName(), e.GetProviderId()), e.GetStartsOn(), e.GetEndsOn(),
			money.Pence(e.GetWeeklyPricePence()), kind), e.GetNote(), e.GetProviderId()
	case *purchasingv1.BlockContractAccepted:
		return e.GetProviderId() + " accepted the block contract", e.GetReason(), e.GetProviderId()
	case *purchasingv1.BlockContractDeclined:
		return e.GetProviderId() + " declined the block contract", e.GetReason(), e.GetProviderId()
	case *purchasingv1.BlockContractEnded:
		return "Ended the block contract early, on " + e.GetEndsOn(), e.GetReason(), ""
	}
	return "", "", ""
}

func agrlogCount(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

func agrlogParty(p purchasingv1.AgreementParty) string {
	switch p {
	case purchasingv1.AgreementParty_AGREEMENT_PARTY_COUNCIL:
		return "the council"
	case purchasingv1.AgreementParty_AGREEMENT_PARTY_PROVIDER:
		return "the provider"
	}
	return "an unknown party"
}

// agrlogRole turns a role as tokens carry it ("provider_admin") into words.
func agrlogRole(role string) string {
	if role == "" {
		return "no role"
	}
	return strings.ReplaceAll(role, "_", " ")
}

func agrlogName(name, id string) string {
	if name == "" {
		return id
	}
	return name + " (" + id + ")"
}

// agrlogWeekly is the first weekly price of a schedule, and how many
// changes follow it.
func agrlogWeekly(prices []*purchasingv1.AgreementPrice) string {
	if len(prices) == 0 {
		return "no price"
	}
	s := money.Pence(prices[0].GetWeeklyPricePence()).String()
	if n := len(prices) - 1; n > 0 {
		s += fmt.Sprintf(" (then %d price changes)", n)
	}
	return s
}

// agrlogDigest shortens a terms digest to what a reader compares by eye.
func agrlogDigest(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

func scope(category string) string {
	if category == "" {
		return "from every category"
	}
	return "from category " + category
}

func haltScope(provider, urn string) string {
	if urn == "" {
		return "every setting of " + provider
	}
	return "setting " + urn + " of " + provider
}
