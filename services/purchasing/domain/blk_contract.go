package domain

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// Rules of block and soft-block contracts (see rules.go for the others).
const (
	RuleBlkAlreadyExists    = "purchasing.block_contract_already_exists"
	RuleBlkCouncilNotMember = "purchasing.block_council_not_member"
	RuleBlkNotProposed      = "purchasing.block_contract_not_proposed"
	RuleBlkNotLive          = "purchasing.block_contract_not_live"
	RuleBlkTermOver         = "purchasing.block_term_over"
	RuleBlkEndWithinTerm    = "purchasing.block_end_within_term"

	MissingBlockContract = "block contract"
)

const (
	blkProposed = purchasingv1.BlockContractStatus_BLOCK_CONTRACT_STATUS_PROPOSED
	blkAccepted = purchasingv1.BlockContractStatus_BLOCK_CONTRACT_STATUS_ACCEPTED
	blkDeclined = purchasingv1.BlockContractStatus_BLOCK_CONTRACT_STATUS_DECLINED
	blkEnded    = purchasingv1.BlockContractStatus_BLOCK_CONTRACT_STATUS_ENDED
)

// BlkMaxTermDays keeps a reservation within the four years a framework may
// last: a longer commitment is a framework's, not a block contract's.
const BlkMaxTermDays = 4 * 366

// BlkState is a block contract as its events built it.
type BlkState struct {
	ContractID string
	Reserved   *purchasingv1.BlockContractReserved
	Status     purchasingv1.BlockContractStatus
	// EndsOn is the last day places are reserved (moved earlier by an end).
	EndsOn string
	Reason string
}

// InitialBlk is the state before any event.
func InitialBlk() BlkState { return BlkState{} }

// Exists reports whether the contract has been reserved.
func (s BlkState) Exists() bool { return s.Reserved != nil }

// EvolveBlk applies one event (FoldBlk of one).
func EvolveBlk(s BlkState, e proto.Message) BlkState { return FoldBlk(s, []proto.Message{e}) }

// FoldBlk applies events in order. The state holds no maps or slices it
// changes, so the copy it is given is already its own.
func FoldBlk(s BlkState, events []proto.Message) BlkState {
	for _, e := range events {
		switch e := e.(type) {
		case *purchasingv1.BlockContractReserved:
			s.ContractID, s.Reserved, s.Status, s.EndsOn = e.GetContractId(), e, blkProposed, e.GetEndsOn()
		case *purchasingv1.BlockContractAccepted:
			s.Status, s.Reason = blkAccepted, e.GetReason()
		case *purchasingv1.BlockContractDeclined:
			s.Status, s.Reason = blkDeclined, e.GetReason()
		case *purchasingv1.BlockContractEnded:
			s.Status, s.EndsOn, s.Reason = blkEnded, e.GetEndsOn(), e.GetReason()
		}
	}
	return s
}

// BlkCommand is a command on a block contract.
type BlkCommand interface {
	decideBlk(BlkState) ([]proto.Message, error)
}

// DecideBlk decides a command against a block contract's state.
func DecideBlk(s BlkState, c BlkCommand) ([]proto.Message, error) {
	if c == nil {
		return nil, fmt.Errorf("purchasing: no command")
	}
	return c.decideBlk(s)
}

// BlkProviderFacts is what reserving needs to know of the provider, read
// from its own stream at decision time.
type BlkProviderFacts struct {
	Registered bool
	Name       string
	Settings   map[string]*SettingState
}

// BlkReserveCapacity reserves places with a provider. Actor: a consortium
// lead (the consortium buys) or a council commissioner (the council buys,
// through Consortium, one of whose DPSs lists it as a member:
// ConsortiumCouncils are those members).
type BlkReserveCapacity struct {
	Actor              Actor
	Now                time.Time
	ContractID         string
	ProviderID         string
	Provider           BlkProviderFacts
	Settings           []*purchasingv1.ReservedSetting
	StartsOn, EndsOn   string
	WeeklyPricePence   int64
	Kind               purchasingv1.BlockKind
	Consortium         string
	ConsortiumCouncils []string
	Note               string
}

// BlkAccept is the provider's yes. Actor: the provider's admin.
type BlkAccept struct {
	Actor  Actor
	Now    time.Time
	Reason string
}

// BlkDecline is the provider's no, with a reason. Actor: the provider's admin.
type BlkDecline struct {
	Actor  Actor
	Now    time.Time
	Reason string
}

// BlkEnd ends a contract early. Actor: the buyer, in the role that reserved.
type BlkEnd struct {
	Actor  Actor
	Now    time.Time
	EndsOn string
	Reason string
}

func (c BlkReserveCapacity) decideBlk(s BlkState) ([]proto.Message, error) {
	buyer, consortium, council := "", "", ""
	switch {
	case c.Actor.Role == RoleConsortiumLead && c.Actor.Consortium() != "":
		consortium, buyer = c.Actor.Consortium(), c.Actor.Organisation
		if c.Consortium != "" && c.Consortium != consortium {
			return nil, domainerr.Field("consortium", "a lead reserves for its own consortium (%s), not %s: leave it empty", consortium, c.Consortium)
		}
	case c.Actor.Role == RoleCouncilCommissioner && c.Actor.Council() != "":
		council, consortium, buyer = c.Actor.Council(), c.Consortium, c.Actor.Organisation
		if consortium == "" {
			return nil, domainerr.Field("consortium", "name the consortium the council buys through")
		}
		if !containsString(c.ConsortiumCouncils, council) {
			return nil, domainerr.Rule(RuleBlkCouncilNotMember, "council %s is not a member of any dynamic purchasing system of consortium %s", council, consortium)
		}
	default:
		return nil, domainerr.Forbidden("%s may not reserve capacity: only a consortium lead or a council commissioner may", c.Actor.describe())
	}
	if s.Exists() {
		return nil, domainerr.Rule(RuleBlkAlreadyExists, "block contract %s already exists", c.ContractID)
	}
	if !c.Provider.Registered {
		return nil, domainerr.Missing(MissingProvider, "there is no provider %s", c.ProviderID)
	}
	if len(c.Settings) == 0 {
		return nil, domainerr.Field("settings", "name at least one setting with the places reserved there")
	}
	settings := make([]*purchasingv1.ReservedSetting, len(c.Settings))
	seen := map[string]bool{}
	for i, rs := range c.Settings {
		st := c.Provider.Settings[rs.GetUrn()]
		switch {
		case seen[rs.GetUrn()]:
			return nil, domainerr.Field(fmt.Sprintf("settings[%d].urn", i), "setting %s is named twice: give its places once", rs.GetUrn())
		case st == nil || st.Removed:
			return nil, domainerr.Field(fmt.Sprintf("settings[%d].urn", i), "%s has no setting with URN %s", c.Provider.Name, rs.GetUrn())
		case rs.GetPlaces() < 1:
			return nil, domainerr.Field(fmt.Sprintf("settings[%d].places", i), "reserve at least one place")
		case rs.GetPlaces() > st.Setting.GetRegisteredPlaces():
			return nil, domainerr.Field(fmt.Sprintf("settings[%d].places", i), "%s is registered for %d places: %d cannot be reserved there",
				st.Setting.GetName(), st.Setting.GetRegisteredPlaces(), rs.GetPlaces())
		}
		seen[rs.GetUrn()] = true
		settings[i] = &purchasingv1.ReservedSetting{Urn: rs.GetUrn(), Places: rs.GetPlaces(), Name: st.Setting.GetName()}
	}
	start, err := parseDate("starts_on", c.StartsOn)
	if err != nil {
		return nil, err
	}
	end, err := parseDate("ends_on", c.EndsOn)
	if err != nil {
		return nil, err
	}
	switch {
	case end.Before(start):
		return nil, domainerr.Field("ends_on", "the term ends (%s) before it starts (%s)", c.EndsOn, c.StartsOn)
	case end.Before(Today(c.Now)):
		return nil, domainerr.Field("ends_on", "the term has already ended (%s)", c.EndsOn)
	case end.Sub(start) > BlkMaxTermDays*24*time.Hour:
		return nil, domainerr.Field("ends_on", "a block contract lasts at most four years")
	}
	if c.WeeklyPricePence <= 0 {
		return nil, domainerr.Field("weekly_price_pence", "give the weekly price of one place, in pence")
	}
	if c.Kind != purchasingv1.BlockKind_BLOCK_KIND_BLOCK && c.Kind != purchasingv1.BlockKind_BLOCK_KIND_SOFT_BLOCK {
		return nil, domainerr.Field("kind", "say whether empty places are paid for (block) or only held first (soft block)")
	}
	return one(&purchasingv1.BlockContractReserved{ContractId: c.ContractID, Buyer: buyer, Consortium: consortium, Council: council,
		ProviderId: c.ProviderID, ProviderName: c.Provider.Name, Settings: settings, StartsOn: c.StartsOn, EndsOn: c.EndsOn,
		WeeklyPricePence: c.WeeklyPricePence, Kind: c.Kind, Note: c.Note, ReservedAt: timestamppb.New(c.Now)})
}

// providerDecides admits the provider's admin to a proposed, unexpired
// contract; to another provider it does not exist.
func (s BlkState) providerDecides(a Actor, now time.Time) error {
	if !s.Exists() || a.Provider() != s.Reserved.GetProviderId() {
		return domainerr.Missing(MissingBlockContract, "there is no such block contract with your organisation")
	}
	if a.Role != RoleProviderAdmin {
		return domainerr.Forbidden("%s may not decide block contracts: only the provider's admin may", a.describe())
	}
	if s.Status != blkProposed {
		return domainerr.Rule(RuleBlkNotProposed, "block contract %s is %s: only a proposed one can be accepted or declined", s.ContractID, blkStatusWords(s.Status))
	}
	if FormatDate(Today(now)) > s.EndsOn {
		return domainerr.Rule(RuleBlkTermOver, "block contract %s's term ended on %s", s.ContractID, s.EndsOn)
	}
	return nil
}

func (c BlkAccept) decideBlk(s BlkState) ([]proto.Message, error) {
	if err := s.providerDecides(c.Actor, c.Now); err != nil {
		return nil, err
	}
	return one(&purchasingv1.BlockContractAccepted{ContractId: s.ContractID, ProviderId: s.Reserved.GetProviderId(), Reason: c.Reason})
}

func (c BlkDecline) decideBlk(s BlkState) ([]proto.Message, error) {
	if err := s.providerDecides(c.Actor, c.Now); err != nil {
		return nil, err
	}
	if len(c.Reason) < 3 {
		return nil, domainerr.Field("reason", "say why the reservation is declined")
	}
	return one(&purchasingv1.BlockContractDeclined{ContractId: s.ContractID, ProviderId: s.Reserved.GetProviderId(), Reason: c.Reason})
}

func (c BlkEnd) decideBlk(s BlkState) ([]proto.Message, error) {
	if !s.Exists() || c.Actor.Organisation != s.Reserved.GetBuyer() {
		return nil, domainerr.Missing(MissingBlockContract, "there is no such block contract of your organisation")
	}
	want := RoleConsortiumLead
	if s.Reserved.GetCouncil() != "" {
		want = RoleCouncilCommissioner
	}
	if c.Actor.Role != want {
		return nil, domainerr.Forbidden("%s may not end block contract %s: only its buyer's %s may", c.Actor.describe(), s.ContractID, want)
	}
	if s.Status != blkProposed && s.Status != blkAccepted {
		return nil, domainerr.Rule(RuleBlkNotLive, "block contract %s is %s already", s.ContractID, blkStatusWords(s.Status))
	}
	today := FormatDate(Today(c.Now))
	if today > s.EndsOn {
		return nil, domainerr.Rule(RuleBlkTermOver, "block contract %s's term ended on %s", s.ContractID, s.EndsOn)
	}
	if _, err := parseDate("ends_on", c.EndsOn); err != nil {
		return nil, err
	}
	earliest := max(today, s.Reserved.GetStartsOn())
	if c.EndsOn < earliest || c.EndsOn > s.EndsOn {
		return nil, domainerr.Rule(RuleBlkEndWithinTerm, "block contract %s can end from %s to %s, not on %s", s.ContractID, earliest, s.EndsOn, c.EndsOn)
	}
	return one(&purchasingv1.BlockContractEnded{ContractId: s.ContractID, EndsOn: c.EndsOn, Reason: c.Reason})
}

func blkStatusWords(st purchasingv1.BlockContractStatus) string {
	switch st {
	case blkProposed:
		return "proposed"
	case blkAccepted:
		return "accepted"
	case blkDeclined:
		return "declined"
	case blkEnded:
		return "ended"
	}
	return "unknown"
}
