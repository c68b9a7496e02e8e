package domain

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
)

// DecisionSummary describes an event for a framework's decision log: one
// line a governance panel can read, the reason recorded with it, and the lot
// and provider it concerns (empty when it concerns the whole framework or
// several lots). Bid events are summarised without prices or answers, which
// stay between the provider and the consortium. Unknown events give "".
func DecisionSummary(e proto.Message) (summary, reason, lotID, providerID string) {
	switch e := e.(type) {
	case *frameworkv1.FrameworkDrafted:
		t := e.GetTerms()
		return fmt.Sprintf("Drafted framework %q for consortium %s: %s, %s, term %s to %s", t.GetTitle(), e.GetConsortium(),
			count(len(t.GetLots()), "lot"), count(len(t.GetMemberCouncils()), "member council"), t.GetTermStart(), t.GetTermEnd()), "", "", ""
	case *frameworkv1.FrameworkAmended:
		t := e.GetTerms()
		return fmt.Sprintf("Amended the terms of framework %q: %s, %s, %d/%d quality/price weighting", t.GetTitle(),
			count(len(t.GetLots()), "lot"), count(len(t.GetMemberCouncils()), "member council"), t.GetQualityWeight(), t.GetPriceWeight()), e.GetReason(), "", ""
	case *frameworkv1.MemberCouncilAdded:
		return "Added council " + e.GetLaCode() + " as a member", e.GetReason(), "", ""
	case *frameworkv1.MemberCouncilRemoved:
		return "Removed council " + e.GetLaCode() + " from the members", e.GetReason(), "", ""
	case *frameworkv1.FrameworkOpenedForBids:
		return "Opened for bids until " + e.GetBidsCloseAt().AsTime().UTC().Format("2006-01-02 15:04 UTC"), "", "", ""
	case *frameworkv1.BidSubmitted:
		return fmt.Sprintf("Provider %s submitted a bid on lot %s", e.GetProviderId(), e.GetLotId()), "", e.GetLotId(), e.GetProviderId()
	case *frameworkv1.BidAmended:
		return fmt.Sprintf("Provider %s amended its bid on lot %s", e.GetProviderId(), e.GetLotId()), "", e.GetLotId(), e.GetProviderId()
	case *frameworkv1.BidScored:
		return fmt.Sprintf("Scored the bid of provider %s on lot %s: quality %d, price %.1f, total %.1f",
			e.GetProviderId(), e.GetLotId(), e.GetQualityScore(), e.GetPriceScore(), e.GetTotalScore()), e.GetReason(), e.GetLotId(), e.GetProviderId()
	case *frameworkv1.FrameworkAwarded:
		parts := make([]string, 0, len(e.GetLots()))
		for _, l := range e.GetLots() {
			parts = append(parts, fmt.Sprintf("%s to lot %s", count(len(l.GetAdmitted()), "provider"), l.GetLotId()))
		}
		if len(e.GetLots()) == 1 {
			lotID = e.GetLots()[0].GetLotId()
		}
		summary = "Admitted " + strings.Join(parts, "; ")
		if ends, ok := parseDate(e.GetStandstillEnds()); ok {
			summary += fmt.Sprintf("; contract award notice published %s, standstill ends %s", e.GetNoticePublishedOn(), ends.Format(DateLayout))
		}
		return summary, e.GetReason(), lotID, ""
	case *frameworkv1.CallOffRecorded:
		return fmt.Sprintf("Council %s called off from lot %s by %s: placed with provider %s", e.GetCouncil(), e.GetLotId(), calloffMethod(e.GetMethod()), e.GetProviderId()),
			e.GetReason(), e.GetLotId(), e.GetProviderId()
	case *frameworkv1.FrameworkActivated:
		return "Activated the framework", e.GetReason(), "", ""
	case *frameworkv1.FrameworkExtended:
		return fmt.Sprintf("Extended the framework by %s to %s", count(int(e.GetMonths()), "month"), e.GetNewEnd()), e.GetReason(), "", ""
	case *frameworkv1.FrameworkExpired:
		return "The framework expired after " + e.GetEnd(), "", "", ""
	case *frameworkv1.FrameworkTerminated:
		return "Terminated the framework", e.GetReason(), "", ""
	case *frameworkv1.PriceUpliftRequested:
		return fmt.Sprintf("Provider %s requested price uplift %s on lot %s: from %s to %s a week from %s",
				e.GetProviderId(), e.GetUpliftId(), e.GetLotId(), pounds(e.GetCurrentWeeklyPence()), pounds(e.GetRequestedWeeklyPence()), e.GetEffectiveFrom()),
			e.GetJustification(), e.GetLotId(), e.GetProviderId()
	case *frameworkv1.PriceUpliftApproved:
		return fmt.Sprintf("Approved price uplift %s for provider %s on lot %s: %s a week from %s",
			e.GetUpliftId(), e.GetProviderId(), e.GetLotId(), pounds(e.GetNewWeeklyPence()), e.GetEffectiveFrom()), e.GetReason(), e.GetLotId(), e.GetProviderId()
	case *frameworkv1.PriceUpliftRejected:
		return fmt.Sprintf("Rejected price uplift %s for provider %s on lot %s", e.GetUpliftId(), e.GetProviderId(), e.GetLotId()),
			e.GetReason(), e.GetLotId(), e.GetProviderId()
	case *frameworkv1.ProviderSuspendedFromLot:
		return fmt.Sprintf("Suspended provider %s on lot %s%s", e.GetProviderId(), e.GetLotId(), byPolicy(e.GetByMonitoring())), e.GetReason(), e.GetLotId(), e.GetProviderId()
	case *frameworkv1.ProviderReinstatedOnLot:
		return fmt.Sprintf("Reinstated provider %s on lot %s%s", e.GetProviderId(), e.GetLotId(), byPolicy(e.GetByMonitoring())), e.GetReason(), e.GetLotId(), e.GetProviderId()
	}
	return "", "", "", ""
}

// count writes "1 lot", "3 lots".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// byPolicy marks what the consortium's early-warning policy did, not its lead.
func byPolicy(byMonitoring bool) string {
	if byMonitoring {
		return " under the consortium's early-warning policy"
	}
	return ""
}

// calloffMethod is a call-off method in words.
func calloffMethod(m frameworkv1.CallOffMethod) string {
	switch m {
	case frameworkv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD:
		return "direct award to the highest-ranked provider with a suitable vacancy"
	case frameworkv1.CallOffMethod_CALL_OFF_METHOD_FURTHER_COMPETITION:
		return "further competition among the lot's providers"
	}
	return "an unstated method"
}
