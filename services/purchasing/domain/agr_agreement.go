package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// The individual placement agreement: drawn on award from the terms that
// apply, accepted by both parties (the placing council's commissioner and
// the awarded provider's admin), then locked. A change is a variation — a
// new version of the terms — that both accept again; until they do, the
// version in force stands.

// Rules an agreement command may break.
const (
	RuleAgreementDrawn           = "agreement_already_drawn"
	RuleAgreementLocked          = "agreement_locked"
	RuleAgreementVersion         = "agreement_version_not_awaiting"
	RuleAgreementDigest          = "agreement_digest_mismatch"
	RuleAgreementAlreadyAccepted = "agreement_already_accepted"
	RuleAgreementNotInForce      = "agreement_not_in_force"
	RuleAgreementVariationOpen   = "agreement_variation_pending"
)

// AgreementIDFor is the agreement of a placement: one per placement, so a
// redelivered award lands on the same stream.
func AgreementIDFor(placementID string) string {
	return "agr-" + strings.TrimPrefix(placementID, "pl-")
}

// AgreementState is an agreement's versions and where they stand.
type AgreementState struct {
	AgreementID string
	// Versions, oldest first: Versions[n-1] is version n.
	Versions []*AgreementVersion
	// InForce is the latest locked version (0: none yet).
	InForce uint32
	// EndedOn is the placement's end as monitoring recorded it.
	EndedOn string
}

// AgreementVersion is one version of the terms.
type AgreementVersion struct {
	Terms      *purchasingv1.AgreementTerms
	Digest     string
	DrawnAt    time.Time
	Accepted   map[purchasingv1.AgreementParty]*purchasingv1.AgreementAcceptance
	Locked     bool
	ProposedBy purchasingv1.AgreementParty
	Proposer   string
}

// InitialAgreement is the state before any event.
func InitialAgreement() AgreementState { return AgreementState{} }

// Exists reports whether the agreement has been drawn.
func (s AgreementState) Exists() bool { return len(s.Versions) > 0 }

// Council and Provider are the parties (from the terms as drawn).
func (s AgreementState) Council() string  { return s.first().GetCouncil() }
func (s AgreementState) Provider() string { return s.first().GetProviderId() }

// Consortium is the consortium the placement was made through.
func (s AgreementState) Consortium() string { return s.first().GetConsortium() }

func (s AgreementState) first() *purchasingv1.AgreementTerms {
	if len(s.Versions) == 0 {
		return nil
	}
	return s.Versions[0].Terms
}

// Latest is the newest version (nil before the agreement is drawn).
func (s AgreementState) Latest() *AgreementVersion {
	if len(s.Versions) == 0 {
		return nil
	}
	return s.Versions[len(s.Versions)-1]
}

// Awaiting is the version awaiting acceptance (0: none).
func (s AgreementState) Awaiting() uint32 {
	if l := s.Latest(); l != nil && !l.Locked {
		return uint32(len(s.Versions))
	}
	return 0
}

// Current is the terms that govern costs: the version in force, or the
// agreement as drawn before anyone has accepted it.
func (s AgreementState) Current() *AgreementVersion {
	if s.InForce > 0 {
		return s.Versions[s.InForce-1]
	}
	if len(s.Versions) > 0 {
		return s.Versions[0]
	}
	return nil
}

// AgreementCommand is a command on an agreement.
type AgreementCommand interface{ agreementCommand() }

// DrawAgreement records the agreement of an award. Terms carry everything
// but the agreement id and version, which the decider sets.
type DrawAgreement struct {
	Actor       Actor
	Now         time.Time
	AgreementID string
	Terms       *purchasingv1.AgreementTerms
}

// AcceptAgreement is one party's acceptance of the version awaiting it.
type AcceptAgreement struct {
	Actor   Actor
	Now     time.Time
	Version uint32
	// Digest of the terms the person read ("" = not checked).
	Digest string
}

// ProposeVariation proposes new terms: a new weekly price from a date,
// a new end date, or both.
type ProposeVariation struct {
	Actor          Actor
	Now            time.Time
	NewWeeklyPrice int64
	PriceFrom      string
	EndDate        string
	Reason         string
}

// RecordAgreementPlacementEnded records monitoring's end of the placement.
type RecordAgreementPlacementEnded struct {
	EndDate    string
	ReasonCode string
}

func (DrawAgreement) agreementCommand()                 {}
func (AcceptAgreement) agreementCommand()               {}
func (ProposeVariation) agreementCommand()              {}
func (RecordAgreementPlacementEnded) agreementCommand() {}

// DecideAgreement decides c against s.
func DecideAgreement(s AgreementState, c AgreementCommand) ([]proto.Message, error) {
	if _, draw := c.(DrawAgreement); !draw && !s.Exists() {
		return nil, domainerr.Missing("agreement", "there is no such agreement")
	}
	switch c := c.(type) {
	case DrawAgreement:
		return agrDecideDraw(s, c)
	case AcceptAgreement:
		return agrDecideAccept(s, c)
	case ProposeVariation:
		return agrDecideVariation(s, c)
	case RecordAgreementPlacementEnded:
		if s.EndedOn == c.EndDate {
			return nil, nil
		}
		return []proto.Message{&purchasingv1.AgreementPlacementEnded{AgreementId: s.AgreementID, EndDate: c.EndDate, ReasonCode: c.ReasonCode}}, nil
	}
	return nil, fmt.Errorf("unknown agreement command %T", c)
}

func agrDecideDraw(s AgreementState, c DrawAgreement) ([]proto.Message, error) {
	if s.Exists() {
		return nil, domainerr.Rule(RuleAgreementDrawn, "agreement %s has already been drawn", s.AgreementID)
	}
	if len(c.Terms.GetPrices()) == 0 || c.Terms.GetStartDate() == "" {
		return nil, domainerr.Field("terms.prices", "an agreement needs a start date and a weekly price")
	}
	t := proto.Clone(c.Terms).(*purchasingv1.AgreementTerms)
	t.AgreementId, t.Version = c.AgreementID, 1
	return []proto.Message{&purchasingv1.AgreementDrawn{AgreementId: c.AgreementID, Terms: t, Digest: AgreementDigest(t), DrawnAt: timestamppb.New(c.Now)}}, nil
}

// agrPartyOf is the party a accepts or proposes for: the placing council's
// commissioner or the awarded provider's admin; anyone else is refused.
func agrPartyOf(s AgreementState, a Actor) (purchasingv1.AgreementParty, error) {
	switch {
	case a.Council() != "" && a.Council() == s.Council() && a.Role == RoleCouncilCommissioner:
		return purchasingv1.AgreementParty_AGREEMENT_PARTY_COUNCIL, nil
	case a.Provider() != "" && a.Provider() == s.Provider() && a.Role == RoleProviderAdmin:
		return purchasingv1.AgreementParty_AGREEMENT_PARTY_PROVIDER, nil
	}
	return 0, domainerr.Forbidden("only the placing council's commissioner or the provider's admin may act on agreement %s; you are %s", s.AgreementID, a.describe())
}

// AgreementPartyName is a party in words.
func AgreementPartyName(p purchasingv1.AgreementParty) string {
	switch p {
	case purchasingv1.AgreementParty_AGREEMENT_PARTY_COUNCIL:
		return "the council"
	case purchasingv1.AgreementParty_AGREEMENT_PARTY_PROVIDER:
		return "the provider"
	}
	return "nobody"
}

func agrDecideAccept(s AgreementState, c AcceptAgreement) ([]proto.Message, error) {
	party, err := agrPartyOf(s, c.Actor)
	if err != nil {
		return nil, err
	}
	awaiting := s.Awaiting()
	if awaiting == 0 {
		return nil, domainerr.Rule(RuleAgreementLocked, "version %d of agreement %s is locked: both parties have accepted it; propose a variation to change it", s.InForce, s.AgreementID)
	}
	if c.Version != awaiting {
		return nil, domainerr.Rule(RuleAgreementVersion, "version %d is not the one awaiting acceptance: version %d is", c.Version, awaiting)
	}
	v := s.Latest()
	if c.Digest != "" && c.Digest != v.Digest {
		return nil, domainerr.Rule(RuleAgreementDigest, "the terms you read (digest %s) are not version %d's (digest %s)", c.Digest, awaiting, v.Digest)
	}
	if prev, ok := v.Accepted[party]; ok {
		return nil, domainerr.Rule(RuleAgreementAlreadyAccepted, "%s has already accepted version %d (%s)", AgreementPartyName(party), awaiting, prev.GetSubject())
	}
	out := []proto.Message{&purchasingv1.AgreementAccepted{AgreementId: s.AgreementID, Acceptance: &purchasingv1.AgreementAcceptance{
		Version: awaiting, Party: party, Subject: c.Actor.Subject, Organisation: c.Actor.Organisation, Role: c.Actor.Role,
		AcceptedAt: timestamppb.New(c.Now), Digest: v.Digest,
	}}}
	if len(v.Accepted) == 1 {
		out = append(out, &purchasingv1.AgreementLocked{AgreementId: s.AgreementID, Version: awaiting, Digest: v.Digest})
	}
	return out, nil
}

func agrDecideVariation(s AgreementState, c ProposeVariation) ([]proto.Message, error) {
	party, err := agrPartyOf(s, c.Actor)
	if err != nil {
		return nil, err
	}
	if s.InForce == 0 {
		return nil, domainerr.Rule(RuleAgreementNotInForce, "agreement %s is not in force yet: both parties accept it before it can be varied", s.AgreementID)
	}
	if a := s.Awaiting(); a != 0 {
		return nil, domainerr.Rule(RuleAgreementVariationOpen, "version %d is awaiting acceptance: accept it (or let it stand) before proposing another", a)
	}
	cur := s.Versions[s.InForce-1].Terms
	priced := c.NewWeeklyPrice != 0 || c.PriceFrom != ""
	switch {
	case !priced && c.EndDate == "":
		return nil, domainerr.Field("new_weekly_price_pence", "say a new weekly price from a date, a new end date, or both")
	case priced && c.NewWeeklyPrice <= 0:
		return nil, domainerr.Field("new_weekly_price_pence", "a new weekly price must be more than £0")
	case priced && c.PriceFrom == "":
		return nil, domainerr.Field("price_from", "say from which date the new weekly price applies")
	case priced && c.PriceFrom <= agrLastPriceFrom(cur):
		return nil, domainerr.Field("price_from", "the new price must apply from after %s, when the current one did", agrLastPriceFrom(cur))
	case c.EndDate != "" && c.EndDate < cur.GetStartDate():
		return nil, domainerr.Field("end_date", "the end date must be on or after the start date, %s", cur.GetStartDate())
	case priced && c.EndDate != "" && c.PriceFrom > c.EndDate:
		return nil, domainerr.Field("price_from", "the new price must apply from on or before the end date, %s", c.EndDate)
	case priced && cur.GetEndDate() != "" && c.EndDate == "" && c.PriceFrom > cur.GetEndDate():
		return nil, domainerr.Field("price_from", "the new price must apply from on or before the end date, %s", cur.GetEndDate())
	}
	t := proto.Clone(cur).(*purchasingv1.AgreementTerms)
	t.Version = uint32(len(s.Versions)) + 1
	t.VariationReason = c.Reason
	if priced {
		t.Prices = append(t.Prices, &purchasingv1.AgreementPrice{FromDate: c.PriceFrom, WeeklyPricePence: c.NewWeeklyPrice})
	}
	if c.EndDate != "" {
		t.EndDate = c.EndDate
	}
	return []proto.Message{&purchasingv1.AgreementVariationProposed{
		AgreementId: s.AgreementID, Terms: t, Digest: AgreementDigest(t), Party: party,
		Subject: c.Actor.Subject, Organisation: c.Actor.Organisation, ProposedAt: timestamppb.New(c.Now),
	}}, nil
}

func agrLastPriceFrom(t *purchasingv1.AgreementTerms) string {
	ps := t.GetPrices()
	if len(ps) == 0 {
		return t.GetStartDate()
	}
	return ps[len(ps)-1].GetFromDate()
}

// EvolveAgreement applies one event.
func EvolveAgreement(s AgreementState, e proto.Message) AgreementState {
	return FoldAgreement(s, []proto.Message{e})
}

// FoldAgreement applies events in order. It copies the state once and each
// version it changes, so the given state is never changed.
func FoldAgreement(s AgreementState, events []proto.Message) AgreementState {
	s.Versions = slices.Clone(s.Versions)
	for _, e := range events {
		switch e := e.(type) {
		case *purchasingv1.AgreementDrawn:
			s.AgreementID = e.GetAgreementId()
			s.Versions = append(s.Versions, &AgreementVersion{Terms: e.GetTerms(), Digest: e.GetDigest(), DrawnAt: e.GetDrawnAt().AsTime()})
		case *purchasingv1.AgreementVariationProposed:
			s.Versions = append(s.Versions, &AgreementVersion{Terms: e.GetTerms(), Digest: e.GetDigest(), DrawnAt: e.GetProposedAt().AsTime(),
				ProposedBy: e.GetParty(), Proposer: e.GetSubject()})
		case *purchasingv1.AgreementAccepted:
			a := e.GetAcceptance()
			if i := int(a.GetVersion()) - 1; i >= 0 && i < len(s.Versions) {
				v := *s.Versions[i]
				v.Accepted = maps.Clone(v.Accepted)
				if v.Accepted == nil {
					v.Accepted = map[purchasingv1.AgreementParty]*purchasingv1.AgreementAcceptance{}
				}
				v.Accepted[a.GetParty()] = a
				s.Versions[i] = &v
			}
		case *purchasingv1.AgreementLocked:
			if i := int(e.GetVersion()) - 1; i >= 0 && i < len(s.Versions) {
				v := *s.Versions[i]
				v.Locked = true
				s.Versions[i] = &v
				s.InForce = e.GetVersion()
			}
		case *purchasingv1.AgreementPlacementEnded:
			s.EndedOn = e.GetEndDate()
		}
	}
	return s
}

// AgreementCanonical is the canonical text of a version's terms: one
// "name: value" line per term in a fixed order, UTF-8, each line ended by
// "\n". Its SHA-256 is the digest recorded in the event and printed on the
// PDF, so anyone holding the PDF can check its terms against the record.
func AgreementCanonical(t *purchasingv1.AgreementTerms) string {
	var b strings.Builder
	line := func(k, v string) { b.WriteString(k + ": " + strings.ReplaceAll(v, "\n", " ") + "\n") }
	line("agreement", t.GetAgreementId())
	line("version", fmt.Sprint(t.GetVersion()))
	line("placement", t.GetPlacementId())
	line("referral", t.GetReferralId())
	line("consortium", t.GetConsortium())
	line("council", t.GetCouncil())
	line("provider", t.GetProviderId())
	line("provider name", t.GetProviderName())
	line("setting", t.GetSettingUrn())
	line("setting name", t.GetSettingName())
	line("setting type", t.GetSettingType().String())
	line("dps", t.GetDpsId())
	line("dps title", t.GetDpsTitle())
	line("category", t.GetCategoryId())
	line("category name", t.GetCategoryName())
	line("framework", t.GetFrameworkId())
	line("lot", t.GetLotId())
	line("start date", t.GetStartDate())
	for _, p := range t.GetPrices() {
		line("weekly price from "+p.GetFromDate(), fmt.Sprint(p.GetWeeklyPricePence())+" pence")
	}
	line("end date", t.GetEndDate())
	line("price includes", t.GetPriceIncludes())
	line("variation reason", t.GetVariationReason())
	return b.String()
}

// AgreementDigest is the SHA-256 of AgreementCanonical, lowercase hex.
func AgreementDigest(t *purchasingv1.AgreementTerms) string {
	sum := sha256.Sum256([]byte(AgreementCanonical(t)))
	return hex.EncodeToString(sum[:])
}
