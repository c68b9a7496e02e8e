package domain

import (
	"time"

	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
)

// Command is one of the command structs below (by value or by pointer).
// Each carries the Actor who issues it and the time Now it is issued at.
type Command interface {
	decide(State) ([]proto.Message, error)
}

// DraftFramework creates a framework owned by the actor's consortium.
// Actor: a consortium lead.
type DraftFramework struct {
	Actor       Actor
	Now         time.Time
	FrameworkID string
	Terms       *frameworkv1.FrameworkTerms
}

// AmendFramework replaces the terms of a draft. Actor: the framework's lead.
type AmendFramework struct {
	Actor  Actor
	Now    time.Time
	Terms  *frameworkv1.FrameworkTerms
	Reason string
}

// AddMemberCouncil adds a council (three-digit LA code). Actor: the lead.
type AddMemberCouncil struct {
	Actor  Actor
	Now    time.Time
	LACode string
	Reason string
}

// RemoveMemberCouncil removes a council. Actor: the lead.
type RemoveMemberCouncil struct {
	Actor  Actor
	Now    time.Time
	LACode string
	Reason string
}

// OpenForBids publishes a draft for bids until BidsCloseAt. Actor: the lead.
type OpenForBids struct {
	Actor       Actor
	Now         time.Time
	BidsCloseAt time.Time
}

// SubmitBid submits the actor's provider's bid on a lot, or amends it when
// one is already in. Actor: a provider admin ("provider:<id>").
type SubmitBid struct {
	Actor            Actor
	Now              time.Time
	LotID            string
	WeeklyPricePence int64
	QualityAnswers   []*frameworkv1.QualityAnswer
}

// ScoreBid records the lead's quality score of a bid after bidding closes;
// the price and total scores follow from the bids. Actor: the lead.
type ScoreBid struct {
	Actor        Actor
	Now          time.Time
	LotID        string
	ProviderID   string
	QualityScore uint32
	Reason       string
}

// LotAwardDecision names the providers admitted to one lot.
type LotAwardDecision struct {
	LotID       string
	ProviderIDs []string
}

// AwardFramework admits providers to lots, ranked by total score, and
// starts the standstill from NoticePublishedOn ("YYYY-MM-DD", the day the
// contract award notice was published; "" = Now's day). Actor: the lead.
type AwardFramework struct {
	Actor             Actor
	Now               time.Time
	Lots              []LotAwardDecision
	Reason            string
	NoticePublishedOn string
}

// ActivateFramework starts an awarded framework. Actor: the lead.
type ActivateFramework struct {
	Actor  Actor
	Now    time.Time
	Reason string
}

// ExtendFramework uses the next unused extension option. Actor: the lead.
type ExtendFramework struct {
	Actor  Actor
	Now    time.Time
	Reason string
}

// ExpireFramework ends an active framework after its current end date.
// Actor: the lead.
type ExpireFramework struct {
	Actor Actor
	Now   time.Time
}

// TerminateFramework ends a framework early, in any state but ended.
// Actor: the lead.
type TerminateFramework struct {
	Actor  Actor
	Now    time.Time
	Reason string
}

// RequestPriceUplift asks for a new weekly price on a lot from EffectiveFrom
// ("YYYY-MM-DD"). Actor: a provider admin of a provider admitted on the lot.
// The uplift's id, "up-<n>", is in the PriceUpliftRequested event.
type RequestPriceUplift struct {
	Actor                Actor
	Now                  time.Time
	LotID                string
	RequestedWeeklyPence int64
	EffectiveFrom        string
	Justification        string
}

// ApprovePriceUplift approves a pending uplift; the provider's price on the
// lot becomes the requested price. Actor: the lead.
type ApprovePriceUplift struct {
	Actor    Actor
	Now      time.Time
	UpliftID string
	Reason   string
}

// RejectPriceUplift rejects a pending uplift. Actor: the lead.
type RejectPriceUplift struct {
	Actor    Actor
	Now      time.Time
	UpliftID string
	Reason   string
}

// SuspendProvider suspends an admitted provider from a lot. Actor: the lead.
type SuspendProvider struct {
	Actor      Actor
	Now        time.Time
	LotID      string
	ProviderID string
	Reason     string
}

// ReinstateProvider lifts a provider's suspension on a lot. Actor: the lead.
type ReinstateProvider struct {
	Actor      Actor
	Now        time.Time
	LotID      string
	ProviderID string
	Reason     string
}

// ApplyRiskAction is the consortium's early-warning policy acting on a
// provider's risk level: Suspend suspends it on every lot it is admitted to
// and not already suspended on; otherwise it reinstates it on the lots
// where the policy suspended it, and only those. It decides nothing when
// nothing would change, or when the framework's lots are not live, so the
// policy may send it to every framework of the consortium, and again.
// Actor: the consortium's policy (RoleConsortiumPolicy).
type ApplyRiskAction struct {
	Actor      Actor
	Now        time.Time
	ProviderID string
	Suspend    bool
	Reason     string
}
