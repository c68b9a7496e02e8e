package domain

import (
	"fmt"
	"maps"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/geo"
	"github.com/carecoop/carecoop/services/kit/money"
)

const (
	referralOpen      = purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN
	referralAwarded   = purchasingv1.ReferralStatus_REFERRAL_STATUS_AWARDED
	referralWithdrawn = purchasingv1.ReferralStatus_REFERRAL_STATUS_WITHDRAWN

	offerOpen     = purchasingv1.OfferStatus_OFFER_STATUS_OPEN
	offerAccepted = purchasingv1.OfferStatus_OFFER_STATUS_ACCEPTED
	offerClosed   = purchasingv1.OfferStatus_OFFER_STATUS_CLOSED
)

// Reasons an offer closes, as its provider is told.
const (
	ClosedAwardedElsewhere  = "awarded to another offer"
	ClosedReferralWithdrawn = "referral withdrawn"
)

// ReferralState is a referral as its events built it.
type ReferralState struct {
	ReferralID string
	Created    *purchasingv1.ReferralCreated
	Status     purchasingv1.ReferralStatus
	// Matches by setting URN, and the providers they belong to.
	Matches   map[string]*purchasingv1.MatchedSetting
	Providers map[string]bool
	Offers    []*OfferState
	Declined  map[string]bool
	Placement *purchasingv1.PlacementAwarded
	// OffersDueBy is when offers close; zero for referrals made before
	// deadlines existed, which take offers until they close.
	OffersDueBy time.Time
}

// OfferState is one offer and where it stands.
type OfferState struct {
	Offer        *purchasingv1.OfferMade
	Status       purchasingv1.OfferStatus
	ClosedReason string
}

// InitialReferral is the state before any event.
func InitialReferral() ReferralState { return ReferralState{} }

// Exists reports whether the referral has been created.
func (s ReferralState) Exists() bool { return s.Created != nil }

// Offer finds an offer by id.
func (s ReferralState) Offer(id string) *OfferState {
	for _, o := range s.Offers {
		if o.Offer.GetOfferId() == id {
			return o
		}
	}
	return nil
}

// EvolveReferral applies one event (FoldReferral of one).
func EvolveReferral(s ReferralState, e proto.Message) ReferralState {
	return FoldReferral(s, []proto.Message{e})
}

// FoldReferral applies events in order. It never changes the state it is
// given: it copies what events change once (matches, providers, declines,
// offers), then applies them to the copy, so a state may be shared and a
// long stream loads in linear time. Treat what a state holds as read-only.
func FoldReferral(s ReferralState, events []proto.Message) ReferralState {
	s.Matches, s.Providers, s.Declined = maps.Clone(s.Matches), maps.Clone(s.Providers), maps.Clone(s.Declined)
	if s.Offers != nil {
		offers := make([]*OfferState, len(s.Offers))
		for i, o := range s.Offers {
			o := *o
			offers[i] = &o
		}
		s.Offers = offers
	}
	for _, e := range events {
		s.apply(e)
	}
	return s
}

// apply changes s, which must be the caller's own copy, by one event.
func (s *ReferralState) apply(e proto.Message) {
	switch e := e.(type) {
	case *purchasingv1.ReferralCreated:
		s.ReferralID, s.Created, s.Status = e.GetReferralId(), e, referralOpen
		if e.GetOffersDueBy() != nil {
			s.OffersDueBy = e.GetOffersDueBy().AsTime()
		}
		s.Matches, s.Providers, s.Declined = map[string]*purchasingv1.MatchedSetting{}, map[string]bool{}, map[string]bool{}
	case *purchasingv1.ReferralMatched:
		for _, m := range e.GetMatches() {
			s.Matches[m.GetSettingUrn()] = m
			s.Providers[m.GetProviderId()] = true
		}
	case *purchasingv1.OfferMade:
		s.Offers = append(s.Offers, &OfferState{Offer: e, Status: offerOpen})
	case *purchasingv1.ReferralDeclined:
		s.Declined[e.GetProviderId()] = true
	case *purchasingv1.PlacementAwarded:
		s.Status, s.Placement = referralAwarded, e
		if o := s.Offer(e.GetOfferId()); o != nil {
			o.Status = offerAccepted
		}
	case *purchasingv1.OfferClosed:
		if o := s.Offer(e.GetOfferId()); o != nil {
			o.Status, o.ClosedReason = offerClosed, e.GetReason()
		}
	case *purchasingv1.ReferralWithdrawn:
		s.Status = referralWithdrawn
	case *purchasingv1.OfferDeadlineExtended:
		s.OffersDueBy = e.GetOffersDueBy().AsTime()
	}
}

// ReferralCommand is a command on a referral.
type ReferralCommand interface {
	decideReferral(ReferralState) ([]proto.Message, error)
}

// DecideReferral decides a command against a referral's state.
func DecideReferral(s ReferralState, c ReferralCommand) ([]proto.Message, error) {
	if c == nil {
		return nil, fmt.Errorf("purchasing: no command")
	}
	return c.decideReferral(s)
}

// CreateReferral refers an anonymised child through a DPS; the application
// layer has matched the need (Matches, ranked) against the supply of the
// moment. Actor: a council commissioner.
type CreateReferral struct {
	Actor      Actor
	Now        time.Time
	ReferralID string
	Dps        DpsState
	Need       *purchasingv1.Need
	Matches    []*purchasingv1.MatchedSetting
	Considered uint32
	// OffersDueBy is the commissioner's deadline for offers; zero takes the
	// DPS's offer window from Now.
	OffersDueBy time.Time
	// CallOff, when set, calls off from a framework lot: Matches are then
	// among the lot's providers only.
	CallOff *CallOffFacts
}

// MakeOffer offers one of the provider's matched settings. Actor: a
// responder or admin of a provider the referral was sent to.
type MakeOffer struct {
	Actor            Actor
	Now              time.Time
	SettingURN       string
	WeeklyPricePence int64
	AvailableFrom    string
	Note             string
}

// DeclineReferral is a matched provider's "no", with a reason code.
type DeclineReferral struct {
	Actor  Actor
	Now    time.Time
	Reason purchasingv1.DeclineReason
	Note   string
}

// AwardPlacement accepts one offer: the placement. Actor: a commissioner of
// the referring council.
type AwardPlacement struct {
	Actor   Actor
	Now     time.Time
	OfferID string
	Reason  string
	// Vacancy is the offered setting's free places on the provider's
	// stream; nil does not check them.
	Vacancy *Vacancy
}

// WithdrawReferral closes an open referral. Actor: the referring council.
type WithdrawReferral struct {
	Actor  Actor
	Now    time.Time
	Reason purchasingv1.ReferralWithdrawalReason
	Note   string
}

func (c CreateReferral) decideReferral(s ReferralState) ([]proto.Message, error) {
	la := c.Actor.Council()
	if c.Actor.Role != RoleCouncilCommissioner || la == "" {
		return nil, domainerr.Forbidden("%s may not refer a child: only a council commissioner may", c.Actor.describe())
	}
	if s.Exists() {
		return nil, domainerr.Rule(RuleReferralAlreadyExists, "referral %s already exists", c.ReferralID)
	}
	d := c.Dps
	if err := d.openOn(c.Now); err != nil {
		return nil, err
	}
	if c.CallOff != nil {
		// A call-off's council is a member of the framework, not the DPS.
		if err := calloffCheck(c.CallOff, la); err != nil {
			return nil, err
		}
	} else if !containsString(d.Terms.GetMemberCouncils(), la) {
		return nil, domainerr.Rule(RuleCouncilNotMember, "council %s is not a member of DPS %s: ask the consortium that runs it to add it", la, d.DpsID)
	}
	cat, ok := d.Category(c.Need.GetCategoryId())
	if !ok {
		return nil, domainerr.Rule(RuleUnknownCategory, "DPS %s has no category %q", d.DpsID, c.Need.GetCategoryId())
	}
	if !geo.Known(c.Need.GetHomeOutcode()) {
		return nil, domainerr.Field("need.home_outcode", "unknown outcode %q: give the first half of the child's home postcode, e.g. M14", c.Need.GetHomeOutcode())
	}
	start, err := parseDate("need.start_by", c.Need.GetStartBy())
	if err != nil {
		return nil, err
	}
	if start.Before(Today(c.Now)) {
		return nil, domainerr.Rule(RuleStartByNotPast, "the start-by date %s has passed", c.Need.GetStartBy())
	}
	due, err := dlOffersDueBy(c.OffersDueBy, c.Now, d.Terms)
	if err != nil {
		return nil, err
	}
	need := proto.Clone(c.Need).(*purchasingv1.Need)
	need.HomeOutcode = geo.Normalise(need.GetHomeOutcode())
	created := &purchasingv1.ReferralCreated{ReferralId: c.ReferralID, Council: la, DpsId: d.DpsID, Consortium: d.Consortium, Need: need,
		CreatedAt: timestamppb.New(c.Now), CategoryName: cat.GetName(), OffersDueBy: timestamppb.New(due)}
	if c.CallOff != nil {
		created.CallOff, created.CallOffMaxWeeklyPence = proto.Clone(c.CallOff.CallOff).(*purchasingv1.CallOff), c.CallOff.MaxPence
	}
	return []proto.Message{
		created,
		&purchasingv1.ReferralMatched{ReferralId: c.ReferralID, Matches: c.Matches, Considered: c.Considered},
	}, nil
}

func containsString(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// sentTo admits a provider the referral was sent to; to anyone else the
// referral does not exist.
func (s ReferralState) sentTo(a Actor) (string, error) {
	p := a.Provider()
	if !s.Exists() || p == "" || !s.Providers[p] {
		return "", domainerr.Missing(MissingReferral, "no such referral was sent to you")
	}
	return p, nil
}

// owner admits a commissioner of the referring council; to anyone else the
// referral does not exist.
func (s ReferralState) owner(a Actor) error {
	if !s.Exists() || a.Council() != s.Created.GetCouncil() {
		return domainerr.Missing(MissingReferral, "there is no such referral of your council")
	}
	if a.Role != RoleCouncilCommissioner {
		return domainerr.Forbidden("%s may not decide referrals: only a commissioner may", a.describe())
	}
	return nil
}

func (s ReferralState) open() error {
	switch s.Status {
	case referralAwarded:
		return domainerr.Rule(RuleAlreadyAwarded, "referral %s has already been awarded (placement %s)", s.ReferralID, s.Placement.GetPlacementId())
	case referralWithdrawn:
		return domainerr.Rule(RuleReferralNotOpen, "referral %s was withdrawn", s.ReferralID)
	}
	return nil
}

func (c MakeOffer) decideReferral(s ReferralState) ([]proto.Message, error) {
	p, err := s.sentTo(c.Actor)
	if err != nil {
		return nil, err
	}
	if err := s.open(); err != nil {
		return nil, err
	}
	if !s.OffersDueBy.IsZero() && c.Now.After(s.OffersDueBy) {
		return nil, domainerr.Rule(RuleOfferDeadlinePassed, "offers on referral %s closed at %s: ask the council to extend the deadline", s.ReferralID, FormatDeadline(s.OffersDueBy))
	}
	m := s.Matches[c.SettingURN]
	if m == nil || m.GetProviderId() != p {
		return nil, domainerr.Rule(RuleSettingNotMatched, "setting %s is not one of your settings this referral was matched to", c.SettingURN)
	}
	if s.Declined[p] {
		return nil, domainerr.Rule(RuleAlreadyDeclined, "you declined referral %s", s.ReferralID)
	}
	for _, o := range s.Offers {
		if o.Offer.GetSettingUrn() == c.SettingURN && o.Status == offerOpen {
			return nil, domainerr.Rule(RuleAlreadyOffered, "setting %s is already offered (%s)", c.SettingURN, o.Offer.GetOfferId())
		}
	}
	if ceiling, what := s.calloffCeiling(); c.WeeklyPricePence > ceiling {
		return nil, domainerr.Rule(RuleOfferOverBudget, "%s a week is over %s", money.Pence(c.WeeklyPricePence), what)
	}
	if _, err := parseDate("available_from", c.AvailableFrom); err != nil {
		return nil, err
	}
	return one(&purchasingv1.OfferMade{ReferralId: s.ReferralID, OfferId: fmt.Sprintf("off-%d", len(s.Offers)+1), ProviderId: p,
		SettingUrn: c.SettingURN, WeeklyPricePence: c.WeeklyPricePence, AvailableFrom: c.AvailableFrom, Note: c.Note})
}

func (c DeclineReferral) decideReferral(s ReferralState) ([]proto.Message, error) {
	p, err := s.sentTo(c.Actor)
	if err != nil {
		return nil, err
	}
	if err := s.open(); err != nil {
		return nil, err
	}
	if s.Declined[p] {
		return nil, domainerr.Rule(RuleAlreadyDeclined, "you have already declined referral %s", s.ReferralID)
	}
	for _, o := range s.Offers {
		if o.Offer.GetProviderId() == p && o.Status == offerOpen {
			return nil, domainerr.Rule(RuleAlreadyOffered, "you have an open offer (%s) on referral %s", o.Offer.GetOfferId(), s.ReferralID)
		}
	}
	return one(&purchasingv1.ReferralDeclined{ReferralId: s.ReferralID, ProviderId: p, Reason: c.Reason, Note: c.Note})
}

// closeOffers closes every open offer but keep, telling each provider why.
func (s ReferralState) closeOffers(keep, reason string) []proto.Message {
	var out []proto.Message
	for _, o := range s.Offers {
		if o.Status == offerOpen && o.Offer.GetOfferId() != keep {
			out = append(out, &purchasingv1.OfferClosed{ReferralId: s.ReferralID, OfferId: o.Offer.GetOfferId(), ProviderId: o.Offer.GetProviderId(), Reason: reason})
		}
	}
	return out
}

func (c AwardPlacement) decideReferral(s ReferralState) ([]proto.Message, error) {
	if err := s.owner(c.Actor); err != nil {
		return nil, err
	}
	if err := s.open(); err != nil {
		return nil, err
	}
	o := s.Offer(c.OfferID)
	if o == nil {
		return nil, domainerr.Missing(MissingOffer, "referral %s has no offer %s", s.ReferralID, c.OfferID)
	}
	if o.Status != offerOpen {
		return nil, domainerr.Rule(RuleOfferNotOpen, "offer %s is closed (%s)", c.OfferID, o.ClosedReason)
	}
	cr, off := s.Created, o.Offer
	need := cr.GetNeed()
	if err := vacCheck(c.Vacancy, off.GetSettingUrn(), need.GetSiblingCount()); err != nil {
		return nil, err
	}
	m := s.Matches[off.GetSettingUrn()]
	start := off.GetAvailableFrom()
	if today := FormatDate(Today(c.Now)); start < today {
		start = today
	}
	award := &purchasingv1.PlacementAwarded{
		PlacementId: "pl-" + strings.TrimPrefix(s.ReferralID, "ref-"), ReferralId: s.ReferralID, OfferId: c.OfferID,
		Council: cr.GetCouncil(), Consortium: cr.GetConsortium(), DpsId: cr.GetDpsId(), CategoryId: need.GetCategoryId(),
		ProviderId: off.GetProviderId(), SettingUrn: off.GetSettingUrn(), WeeklyPricePence: off.GetWeeklyPricePence(), StartDate: start,
		ExpectedDurationWeeks: need.GetExpectedDurationWeeks(), HomeOutcode: need.GetHomeOutcode(), SettingOutcode: m.GetOutcode(),
		DistanceMiles: m.GetDistanceMiles(), AgeYears: need.GetAgeYears(), SettingType: m.GetSettingType(), SiblingCount: need.GetSiblingCount(),
		Reason: c.Reason, SecondsToPlacement: int64(c.Now.Sub(cr.GetCreatedAt().AsTime()).Seconds()), CallOff: calloffOf(cr),
	}
	return append([]proto.Message{award}, s.closeOffers(c.OfferID, ClosedAwardedElsewhere)...), nil
}

func (c WithdrawReferral) decideReferral(s ReferralState) ([]proto.Message, error) {
	if err := s.owner(c.Actor); err != nil {
		return nil, err
	}
	if err := s.open(); err != nil {
		return nil, err
	}
	out := []proto.Message{&purchasingv1.ReferralWithdrawn{ReferralId: s.ReferralID, Reason: c.Reason, Note: c.Note}}
	return append(out, s.closeOffers("", ClosedReferralWithdrawn)...), nil
}
