package domain

import (
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// ContractState is one contract as its events left it.
type ContractState struct {
	Started  *monitoringv1.ContractStarted
	Ended    *monitoringv1.ContractEnded
	Outcomes []*monitoringv1.OutcomeRecorded
}

// EvolveContract applies one event (FoldContract of one).
func EvolveContract(s ContractState, e proto.Message) ContractState {
	return FoldContract(s, []proto.Message{e})
}

// FoldContract applies events in order. It never changes the state it is
// given: it copies the outcomes once and appends to the copy, so a state may
// be shared and a long stream loads in linear time.
func FoldContract(s ContractState, events []proto.Message) ContractState {
	s.Outcomes = slices.Clone(s.Outcomes)
	for _, e := range events {
		s.apply(e)
	}
	return s
}

// apply changes s, which must be the caller's own copy, by one event.
func (s *ContractState) apply(e proto.Message) {
	switch e := e.(type) {
	case *monitoringv1.ContractStarted:
		s.Started = e
	case *monitoringv1.ContractEnded:
		s.Ended = e
	case *monitoringv1.OutcomeRecorded:
		s.Outcomes = append(s.Outcomes, e)
	}
}

// StartContract creates a contract from an award; an award seen again
// (a redelivered event) changes nothing.
type StartContract struct {
	Contract *monitoringv1.ContractStarted
}

// DecideStart decides StartContract.
func DecideStart(s ContractState, c StartContract) ([]proto.Message, error) {
	if s.Started != nil {
		return nil, nil
	}
	return []proto.Message{c.Contract}, nil
}

// RecordPlacement is a council putting a placement made outside the
// platform (a spot purchase, or one made before it joined) under
// monitoring: from then on it is a contract like an awarded one.
type RecordPlacement struct {
	Actor      Actor
	Now        time.Time
	ContractID string
	Facts      SettingFacts
	Consortium string
	// Member: the council belongs to the consortium.
	Member           bool
	StartDate        string
	ExpectedEndDate  string
	WeeklyPricePence int64
	CategoryID       string
}

// DecideRecordPlacement decides RecordPlacement.
func DecideRecordPlacement(s ContractState, c RecordPlacement) ([]proto.Message, error) {
	if s.Started != nil {
		return nil, nil
	}
	if !c.Member {
		return nil, domainerr.Rule(RuleNotMember, "council %s is not a member of consortium %s", c.Actor.Council(), c.Consortium)
	}
	if c.StartDate > Today(c.Now) {
		return nil, domainerr.Rule(RuleDateInFuture, "start date %s is in the future: placements to come are awarded through the DPS or a framework", c.StartDate)
	}
	if c.ExpectedEndDate != "" && c.ExpectedEndDate < c.StartDate {
		return nil, domainerr.Rule(RuleEndBeforeStart, "expected end %s is before the start %s", c.ExpectedEndDate, c.StartDate)
	}
	return []proto.Message{&monitoringv1.ContractStarted{
		ContractId: c.ContractID, Kind: monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT, Consortium: c.Consortium, Council: c.Actor.Council(),
		ProviderId: c.Facts.ProviderID, SettingUrn: c.Facts.URN, StartDate: c.StartDate, ExpectedEndDate: c.ExpectedEndDate,
		WeeklyPricePence: c.WeeklyPricePence, PlacementId: c.ContractID, CategoryId: c.CategoryID, Source: "recorded",
	}}, nil
}

// EndPlacement is a placing council recording the end of a placement.
type EndPlacement struct {
	Actor      Actor
	Now        time.Time
	EndDate    string
	ReasonCode string
	Reason     string
	// ReasonCodes are the SSDA903 reason-episode-ceased codes (data, so
	// a new collection year's codes need no code change).
	ReasonCodes []string
}

// DecideEndPlacement decides EndPlacement.
func DecideEndPlacement(s ContractState, c EndPlacement) ([]proto.Message, error) {
	st, err := placement(s, c.Actor)
	if err != nil {
		return nil, err
	}
	if s.Ended != nil {
		return nil, domainerr.Rule(RuleContractEnded, "placement %s already ended on %s (%s)", st.GetContractId(), s.Ended.GetEndDate(), s.Ended.GetReasonCode())
	}
	if c.EndDate > Today(c.Now) {
		return nil, domainerr.Rule(RuleDateInFuture, "end date %s is in the future: record the end when it has happened", c.EndDate)
	}
	if c.EndDate < st.GetStartDate() {
		return nil, domainerr.Rule(RuleEndBeforeStart, "end date %s is before the placement started on %s", c.EndDate, st.GetStartDate())
	}
	if !slices.Contains(c.ReasonCodes, c.ReasonCode) {
		return nil, domainerr.Rule(RuleUnknownReasonCode, "%q is not an SSDA903 reason episode ceased code (e.g. E4A, E13, E8, X1)", c.ReasonCode)
	}
	return []proto.Message{&monitoringv1.ContractEnded{
		ContractId: st.GetContractId(), EndDate: c.EndDate, ReasonCode: c.ReasonCode, Reason: c.Reason,
		Kind: st.GetKind(), Council: st.GetCouncil(), ProviderId: st.GetProviderId(), SettingUrn: st.GetSettingUrn(),
	}}, nil
}

// EndFrameworkContract ends a framework contract with its framework; a
// contract already ended is left as it is.
type EndFrameworkContract struct {
	EndDate    string
	ReasonCode string // "expired" or "terminated"
	Reason     string
}

// DecideEndFramework decides EndFrameworkContract.
func DecideEndFramework(s ContractState, c EndFrameworkContract) ([]proto.Message, error) {
	if s.Started == nil || s.Ended != nil {
		return nil, nil
	}
	st := s.Started
	return []proto.Message{&monitoringv1.ContractEnded{
		ContractId: st.GetContractId(), EndDate: c.EndDate, ReasonCode: c.ReasonCode, Reason: c.Reason,
		Kind: st.GetKind(), ProviderId: st.GetProviderId(),
	}}, nil
}

// RecordOutcome is a placing council's outcome scores at start or review.
type RecordOutcome struct {
	Actor      Actor
	Now        time.Time
	Point      monitoringv1.OutcomePoint
	RecordedOn string
	Scores     *monitoringv1.OutcomeScores
}

// DecideOutcome decides RecordOutcome.
func DecideOutcome(s ContractState, c RecordOutcome) ([]proto.Message, error) {
	st, err := placement(s, c.Actor)
	if err != nil {
		return nil, err
	}
	if c.RecordedOn > Today(c.Now) {
		return nil, domainerr.Rule(RuleDateInFuture, "recorded_on %s is in the future", c.RecordedOn)
	}
	if c.RecordedOn < st.GetStartDate() {
		return nil, domainerr.Rule(RuleOutcomeBeforeStart, "recorded_on %s is before the placement started on %s", c.RecordedOn, st.GetStartDate())
	}
	if s.Ended != nil && c.RecordedOn > s.Ended.GetEndDate() {
		return nil, domainerr.Rule(RuleContractEnded, "placement %s ended on %s: outcomes after that belong to the child's next placement", st.GetContractId(), s.Ended.GetEndDate())
	}
	hasStart := false
	for _, o := range s.Outcomes {
		hasStart = hasStart || o.GetPoint() == monitoringv1.OutcomePoint_OUTCOME_POINT_START
	}
	switch c.Point {
	case monitoringv1.OutcomePoint_OUTCOME_POINT_START:
		if hasStart {
			return nil, domainerr.Rule(RuleStartOutcomeRecorded, "placement %s already has its start outcomes: record a review", st.GetContractId())
		}
	case monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW:
		if !hasStart {
			return nil, domainerr.Rule(RuleReviewBeforeStart, "placement %s has no start outcomes yet: a review is measured against them", st.GetContractId())
		}
	}
	return []proto.Message{&monitoringv1.OutcomeRecorded{
		ContractId: st.GetContractId(), Point: c.Point, RecordedOn: c.RecordedOn, Scores: c.Scores,
		Council: st.GetCouncil(), ProviderId: st.GetProviderId(), SettingUrn: st.GetSettingUrn(),
	}}, nil
}

// placement is the contract as a placement of the actor's council.
func placement(s ContractState, a Actor) (*monitoringv1.ContractStarted, error) {
	st := s.Started
	if st == nil {
		return nil, domainerr.Missing("contract", "there is no such contract")
	}
	if st.GetKind() != monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT {
		return nil, domainerr.Rule(RuleOutcomesForPlacement, "contract %s is a framework contract: it ends with its framework, and outcomes are recorded per placement", st.GetContractId())
	}
	if a.Council() != st.GetCouncil() {
		return nil, domainerr.Missing("contract", "there is no contract %s placed by your council", st.GetContractId())
	}
	return st, nil
}
