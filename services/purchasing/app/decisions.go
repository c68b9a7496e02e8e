package app

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
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
	return "", "", ""
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
