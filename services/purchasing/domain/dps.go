package domain

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/calendar"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// DecisionWorkingDays is how long the lead has to decide a request to
// participate (PCR 2015 reg. 34: 10 working days).
const DecisionWorkingDays = 10

const (
	dpsDraft  = purchasingv1.DpsStatus_DPS_STATUS_DRAFT
	dpsOpen   = purchasingv1.DpsStatus_DPS_STATUS_OPEN
	dpsClosed = purchasingv1.DpsStatus_DPS_STATUS_CLOSED

	memberApplied   = purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_APPLIED
	memberAdmitted  = purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_ADMITTED
	memberRejected  = purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_REJECTED
	memberSuspended = purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_SUSPENDED
	memberRemoved   = purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_REMOVED
)

// DpsState is a DPS as its events built it.
type DpsState struct {
	DpsID      string
	Consortium string
	Terms      *purchasingv1.DpsTerms
	Status     purchasingv1.DpsStatus
	// Members: provider id → category id → membership.
	Members map[string]map[string]*Membership
	// Halts are the suspensions from matching by the consortium's
	// early-warning policy: provider id → setting URN ("" for every setting)
	// → reason. They are kept apart from Members: the lead's suspensions
	// and the policy's never lift each other.
	Halts map[string]map[string]string
}

// Membership is one provider in one category.
type Membership struct {
	Status        purchasingv1.MembershipStatus
	ReceivedOn    string
	DecisionDueOn string
}

// InitialDps is the state before any event.
func InitialDps() DpsState { return DpsState{} }

// Exists reports whether the DPS has been created.
func (s DpsState) Exists() bool { return s.Terms != nil }

// Category returns the DPS's category by id.
func (s DpsState) Category(id string) (*purchasingv1.Category, bool) {
	for _, c := range s.Terms.GetCategories() {
		if c.GetId() == id {
			return c, true
		}
	}
	return nil, false
}

// Admitted reports whether provider is admitted, and not suspended, in category.
func (s DpsState) Admitted(providerID, categoryID string) bool {
	m := s.Members[providerID][categoryID]
	return m != nil && m.Status == memberAdmitted
}

// EvolveDps applies one event (FoldDps of one).
func EvolveDps(s DpsState, e proto.Message) DpsState { return FoldDps(s, []proto.Message{e}) }

// FoldDps applies events in order. It never changes the state it is given:
// it copies what events change once (memberships and halts), then applies
// them to the copy, so a state may be shared and a long stream loads in
// linear time. Treat what a state holds as read-only.
func FoldDps(s DpsState, events []proto.Message) DpsState {
	if s.Members != nil {
		members := make(map[string]map[string]*Membership, len(s.Members))
		for p, cats := range s.Members {
			copied := make(map[string]*Membership, len(cats))
			for c, m := range cats {
				m := *m
				copied[c] = &m
			}
			members[p] = copied
		}
		s.Members = members
	}
	if s.Halts != nil {
		halts := make(map[string]map[string]string, len(s.Halts))
		for p, h := range s.Halts {
			halts[p] = maps.Clone(h)
		}
		s.Halts = halts
	}
	for _, e := range events {
		s.apply(e)
	}
	return s
}

// apply changes s, which must be the caller's own copy, by one event.
func (s *DpsState) apply(e proto.Message) {
	switch e := e.(type) {
	case *purchasingv1.DpsCreated:
		s.DpsID, s.Consortium, s.Terms, s.Status = e.GetDpsId(), e.GetConsortium(), e.GetTerms(), dpsDraft
		s.Members = map[string]map[string]*Membership{}
	case *purchasingv1.DpsOpened:
		s.Status = dpsOpen
	case *purchasingv1.DpsClosed:
		s.Status = dpsClosed
	case *purchasingv1.ApplicationReceived:
		cats := s.Members[e.GetProviderId()]
		if cats == nil {
			cats = map[string]*Membership{}
			s.Members[e.GetProviderId()] = cats
		}
		for _, c := range e.GetCategoryIds() {
			cats[c] = &Membership{Status: memberApplied, ReceivedOn: e.GetReceivedOn(), DecisionDueOn: e.GetDecisionDueOn()}
		}
	case *purchasingv1.ProviderAdmitted:
		s.setStatus(e.GetProviderId(), e.GetCategoryId(), memberAdmitted)
	case *purchasingv1.ApplicationRejected:
		s.setStatus(e.GetProviderId(), e.GetCategoryId(), memberRejected)
	case *purchasingv1.ProviderSuspended:
		for c, m := range s.Members[e.GetProviderId()] {
			if m.Status == memberAdmitted && (e.GetCategoryId() == "" || e.GetCategoryId() == c) {
				m.Status = memberSuspended
			}
		}
	case *purchasingv1.ProviderReinstated:
		for c, m := range s.Members[e.GetProviderId()] {
			if m.Status == memberSuspended && (e.GetCategoryId() == "" || e.GetCategoryId() == c) {
				m.Status = memberAdmitted
			}
		}
	case *purchasingv1.ProviderRemoved:
		for _, m := range s.Members[e.GetProviderId()] {
			m.Status = memberRemoved
		}
	case *purchasingv1.MatchingSuspended:
		if s.Halts == nil {
			s.Halts = map[string]map[string]string{}
		}
		h := s.Halts[e.GetProviderId()]
		if h == nil {
			h = map[string]string{}
			s.Halts[e.GetProviderId()] = h
		}
		h[e.GetSettingUrn()] = e.GetReason()
	case *purchasingv1.MatchingReinstated:
		delete(s.Halts[e.GetProviderId()], e.GetSettingUrn())
	}
}

func (s *DpsState) setStatus(provider, category string, st purchasingv1.MembershipStatus) {
	if m := s.Members[provider][category]; m != nil {
		m.Status = st
	}
}

// ProviderFacts is what a DPS rule needs to know of a provider's profile,
// read from the provider's stream when the command is decided.
type ProviderFacts struct {
	Registered bool
	Name       string
	// ExpiredAccreditations names the kinds that have expired.
	ExpiredAccreditations []purchasingv1.AccreditationKind
}

// DpsCommand is a command on a DPS.
type DpsCommand interface {
	decideDps(DpsState) ([]proto.Message, error)
}

// DecideDps decides a command against a DPS's state.
func DecideDps(s DpsState, c DpsCommand) ([]proto.Message, error) {
	if c == nil {
		return nil, fmt.Errorf("purchasing: no command")
	}
	return c.decideDps(s)
}

// CreateDps creates a DPS for the actor's consortium. Actor: a consortium lead.
type CreateDps struct {
	Actor Actor
	Now   time.Time
	DpsID string
	Terms *purchasingv1.DpsTerms
}

// OpenDps opens a draft DPS to applications and referrals. Actor: its lead.
type OpenDps struct {
	Actor Actor
	Now   time.Time
}

// CloseDps closes the DPS for good. Actor: its lead.
type CloseDps struct {
	Actor  Actor
	Now    time.Time
	Reason string
}

// ApplyToDps is a provider's request to participate in categories.
// Actor: the provider's admin.
type ApplyToDps struct {
	Actor       Actor
	Now         time.Time
	ProviderID  string
	Provider    ProviderFacts
	CategoryIDs []string
	Answers     []*purchasingv1.CriterionAnswer
}

// AdmitProvider admits an applicant to one category. Actor: the lead.
type AdmitProvider struct {
	Actor      Actor
	Now        time.Time
	ProviderID string
	Provider   ProviderFacts
	CategoryID string
	Reason     string
}

// RejectApplication rejects an applicant in one category. Actor: the lead.
type RejectApplication struct {
	Actor      Actor
	Now        time.Time
	ProviderID string
	CategoryID string
	Reason     string
}

// SuspendProvider suspends an admitted provider in one category, or in all
// when CategoryID is empty. Actor: the lead.
type SuspendProvider struct {
	Actor      Actor
	Now        time.Time
	ProviderID string
	CategoryID string
	Reason     string
}

// ReinstateProvider lifts the suspension in one category, or every
// suspension when CategoryID is empty. Actor: the lead.
type ReinstateProvider struct {
	Actor      Actor
	Now        time.Time
	ProviderID string
	CategoryID string
	Reason     string
}

// RemoveProvider removes a provider from every category. Actor: the lead.
type RemoveProvider struct {
	Actor      Actor
	Now        time.Time
	ProviderID string
	Reason     string
}

// SuspendMatching is the consortium's early-warning policy acting on a
// provider (SettingURN "") or one of its settings: Suspend stops its
// settings being matched to new referrals through this DPS; otherwise it
// lifts that suspension. Actor: the consortium's policy
// (RoleConsortiumPolicy). It decides nothing when nothing would change, so
// the policy may send it to every DPS of the consortium, and again.
type SuspendMatching struct {
	Actor      Actor
	Now        time.Time
	ProviderID string
	SettingURN string
	Suspend    bool
	Reason     string
	// RiskLevel that moved the policy, e.g. "red", recorded with the event.
	RiskLevel string
}

func (s DpsState) lead(a Actor) error {
	if !s.Exists() {
		return domainerr.Missing(MissingDps, "there is no such DPS: check the DPS id")
	}
	if a.Role != RoleConsortiumLead || a.Consortium() != s.Consortium {
		return domainerr.Forbidden("%s may not manage DPS %s: only a lead of the consortium that runs it may", a.describe(), s.DpsID)
	}
	return nil
}

func (c CreateDps) decideDps(s DpsState) ([]proto.Message, error) {
	if c.Actor.Role != RoleConsortiumLead || c.Actor.Consortium() == "" {
		return nil, domainerr.Forbidden("%s may not create a DPS: only a consortium lead may", c.Actor.describe())
	}
	if s.Exists() {
		return nil, domainerr.Rule(RuleDpsAlreadyExists, "DPS %s already exists", c.DpsID)
	}
	if err := checkTerms(c.Terms, c.Now); err != nil {
		return nil, err
	}
	return one(&purchasingv1.DpsCreated{DpsId: c.DpsID, Consortium: c.Actor.Consortium(), Terms: c.Terms})
}

func checkTerms(t *purchasingv1.DpsTerms, now time.Time) error {
	if d := firstDuplicate(t.GetCategories(), (*purchasingv1.Category).GetId); d != "" {
		return domainerr.Rule(RuleCategoryIDsUnique, "category id %q is used twice: category ids are unique within a DPS", d)
	}
	if d := firstDuplicate(t.GetSelectionCriteria(), (*purchasingv1.SelectionCriterion).GetId); d != "" {
		return domainerr.Rule(RuleCriterionIDsUnique, "selection criterion id %q is used twice", d)
	}
	if d := firstDuplicate(t.GetMemberCouncils(), func(s string) string { return s }); d != "" {
		return domainerr.Rule(RuleMemberCouncilsUnique, "council %s is listed twice", d)
	}
	end, err := parseDate("terms.ends_on", t.GetEndsOn())
	if err != nil {
		return err
	}
	if !end.After(Today(now)) {
		return domainerr.Rule(RuleDpsEndsInFuture, "the DPS would end on %s, which is not after today", t.GetEndsOn())
	}
	return nil
}

func firstDuplicate[T any](items []T, key func(T) string) string {
	seen := map[string]bool{}
	for _, it := range items {
		k := key(it)
		if seen[k] {
			return k
		}
		seen[k] = true
	}
	return ""
}

func (c OpenDps) decideDps(s DpsState) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if s.Status != dpsDraft {
		return nil, domainerr.Rule(RuleDpsOpenOnlyDraft, "DPS %s is %s: only a draft opens", s.DpsID, describeDps(s.Status))
	}
	return one(&purchasingv1.DpsOpened{DpsId: s.DpsID})
}

func (c CloseDps) decideDps(s DpsState) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if s.Status != dpsOpen {
		return nil, domainerr.Rule(RuleDpsNotOpen, "DPS %s is %s: only an open DPS closes", s.DpsID, describeDps(s.Status))
	}
	return one(&purchasingv1.DpsClosed{DpsId: s.DpsID, Reason: c.Reason})
}

func describeDps(st purchasingv1.DpsStatus) string {
	switch st {
	case dpsDraft:
		return "a draft"
	case dpsOpen:
		return "open"
	case dpsClosed:
		return "closed"
	}
	return "not created"
}

// openOn admits a DPS that is open and has not reached its end date.
func (s DpsState) openOn(now time.Time) error {
	if !s.Exists() {
		return domainerr.Missing(MissingDps, "there is no such DPS: check the DPS id")
	}
	if s.Status != dpsOpen {
		return domainerr.Rule(RuleDpsNotOpen, "DPS %s is %s: it takes applications and referrals only while open", s.DpsID, describeDps(s.Status))
	}
	if today := FormatDate(Today(now)); today > s.Terms.GetEndsOn() {
		return domainerr.Rule(RuleDpsEnded, "DPS %s ended on %s: it takes no more applications or referrals", s.DpsID, s.Terms.GetEndsOn())
	}
	return nil
}

func (c ApplyToDps) decideDps(s DpsState) ([]proto.Message, error) {
	if err := s.openOn(c.Now); err != nil {
		return nil, err
	}
	if !c.Actor.actsFor(c.ProviderID) {
		return nil, domainerr.Forbidden("%s may not apply for provider %s: a provider applies for itself", c.Actor.describe(), c.ProviderID)
	}
	if !c.Provider.Registered {
		return nil, domainerr.Rule(RuleProviderNotRegistered, "provider %s has not registered: register once on the platform, then apply", c.ProviderID)
	}
	for _, id := range c.CategoryIDs {
		if _, ok := s.Category(id); !ok {
			return nil, domainerr.Rule(RuleUnknownCategory, "DPS %s has no category %q", s.DpsID, id)
		}
		switch m := s.Members[c.ProviderID][id]; {
		case m == nil:
		case m.Status == memberApplied:
			return nil, domainerr.Rule(RuleAlreadyApplied, "provider %s's application to category %s is still being decided (due %s)", c.ProviderID, id, m.DecisionDueOn)
		case m.Status == memberAdmitted || m.Status == memberSuspended:
			return nil, domainerr.Rule(RuleAlreadyAdmitted, "provider %s is already admitted to category %s", c.ProviderID, id)
		}
	}
	answered := map[string]bool{}
	for _, a := range c.Answers {
		if !slices.ContainsFunc(s.Terms.GetSelectionCriteria(), func(q *purchasingv1.SelectionCriterion) bool { return q.GetId() == a.GetCriterionId() }) {
			return nil, domainerr.Rule(RuleCriteriaAnswered, "DPS %s has no selection criterion %q", s.DpsID, a.GetCriterionId())
		}
		answered[a.GetCriterionId()] = true
	}
	for _, q := range s.Terms.GetSelectionCriteria() {
		if !answered[q.GetId()] {
			return nil, domainerr.Rule(RuleCriteriaAnswered, "selection criterion %q is not answered: every criterion needs an answer", q.GetId())
		}
	}
	received := Today(c.Now)
	due, err := calendar.AddWorkingDays(received, DecisionWorkingDays)
	if err != nil { // only for a negative count, which the constant is not
		return nil, err
	}
	return one(&purchasingv1.ApplicationReceived{DpsId: s.DpsID, ProviderId: c.ProviderID, ProviderName: c.Provider.Name,
		CategoryIds: c.CategoryIDs, Answers: c.Answers, ReceivedOn: FormatDate(received), DecisionDueOn: FormatDate(due)})
}

func (s DpsState) pending(provider, category string) error {
	if _, ok := s.Category(category); !ok {
		return domainerr.Rule(RuleUnknownCategory, "DPS %s has no category %q", s.DpsID, category)
	}
	if m := s.Members[provider][category]; m == nil || m.Status != memberApplied {
		return domainerr.Rule(RuleNoPendingApplication, "provider %s has no application waiting for a decision in category %s", provider, category)
	}
	return nil
}

func (c AdmitProvider) decideDps(s DpsState) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if err := s.pending(c.ProviderID, c.CategoryID); err != nil {
		return nil, err
	}
	if len(c.Provider.ExpiredAccreditations) > 0 {
		return nil, domainerr.Rule(RuleAccreditationExpired, "provider %s has an expired accreditation (%s): it cannot be admitted until it records a current one",
			c.ProviderID, accreditationNames(c.Provider.ExpiredAccreditations))
	}
	return one(&purchasingv1.ProviderAdmitted{DpsId: s.DpsID, ProviderId: c.ProviderID, CategoryId: c.CategoryID, Reason: c.Reason,
		ProviderName: c.Provider.Name, Consortium: s.Consortium})
}

func (c RejectApplication) decideDps(s DpsState) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if err := s.pending(c.ProviderID, c.CategoryID); err != nil {
		return nil, err
	}
	return one(&purchasingv1.ApplicationRejected{DpsId: s.DpsID, ProviderId: c.ProviderID, CategoryId: c.CategoryID, Reason: c.Reason})
}

// inStatus reports whether the provider has a membership in st in the
// category (any category when category is empty).
func (s DpsState) inStatus(provider, category string, st purchasingv1.MembershipStatus) bool {
	for c, m := range s.Members[provider] {
		if m.Status == st && (category == "" || category == c) {
			return true
		}
	}
	return false
}

func (c SuspendProvider) decideDps(s DpsState) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if c.CategoryID != "" {
		if _, ok := s.Category(c.CategoryID); !ok {
			return nil, domainerr.Rule(RuleUnknownCategory, "DPS %s has no category %q", s.DpsID, c.CategoryID)
		}
	}
	if !s.inStatus(c.ProviderID, c.CategoryID, memberAdmitted) {
		return nil, domainerr.Rule(RuleNotAdmitted, "provider %s is not admitted (and unsuspended) %s: nothing to suspend", c.ProviderID, where(c.CategoryID))
	}
	return one(&purchasingv1.ProviderSuspended{DpsId: s.DpsID, ProviderId: c.ProviderID, CategoryId: c.CategoryID, Reason: c.Reason})
}

func (c ReinstateProvider) decideDps(s DpsState) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if !s.inStatus(c.ProviderID, c.CategoryID, memberSuspended) {
		return nil, domainerr.Rule(RuleNotSuspended, "provider %s is not suspended %s: nothing to reinstate", c.ProviderID, where(c.CategoryID))
	}
	return one(&purchasingv1.ProviderReinstated{DpsId: s.DpsID, ProviderId: c.ProviderID, CategoryId: c.CategoryID, Reason: c.Reason})
}

func (c RemoveProvider) decideDps(s DpsState) ([]proto.Message, error) {
	if err := s.lead(c.Actor); err != nil {
		return nil, err
	}
	if !s.inStatus(c.ProviderID, "", memberAdmitted) && !s.inStatus(c.ProviderID, "", memberSuspended) && !s.inStatus(c.ProviderID, "", memberApplied) {
		return nil, domainerr.Rule(RuleNotOnDps, "provider %s is neither admitted to nor applying to DPS %s", c.ProviderID, s.DpsID)
	}
	return one(&purchasingv1.ProviderRemoved{DpsId: s.DpsID, ProviderId: c.ProviderID, Reason: c.Reason})
}

func where(category string) string {
	if category == "" {
		return "in any category"
	}
	return "in category " + category
}

func accreditationNames(kinds []purchasingv1.AccreditationKind) string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.String()
	}
	slices.Sort(names)
	return fmt.Sprint(names)
}

// onDps reports whether the provider holds an admission in some category,
// suspended by the lead or not: the policy's suspension must outlast the
// lead's reinstatement.
func (s DpsState) onDps(provider string) bool {
	return s.inStatus(provider, "", memberAdmitted) || s.inStatus(provider, "", memberSuspended)
}

func (c SuspendMatching) decideDps(s DpsState) ([]proto.Message, error) {
	if !s.Exists() {
		return nil, domainerr.Missing(MissingDps, "there is no such DPS: check the DPS id")
	}
	if c.Actor.Role != RoleConsortiumPolicy || c.Actor.Consortium() != s.Consortium {
		return nil, domainerr.Forbidden("%s may not suspend matching in DPS %s: only the early-warning policy of the consortium that runs it may", c.Actor.describe(), s.DpsID)
	}
	if c.ProviderID == "" {
		return nil, domainerr.Field("provider_id", "give the provider the risk level concerns")
	}
	_, halted := s.Halts[c.ProviderID][c.SettingURN]
	if !c.Suspend {
		// A lift needs only the policy's own suspension: the provider may
		// have left the DPS since.
		if !halted {
			return nil, nil
		}
		return one(&purchasingv1.MatchingReinstated{DpsId: s.DpsID, ProviderId: c.ProviderID, SettingUrn: c.SettingURN,
			Consortium: s.Consortium, Reason: c.Reason, RiskLevel: c.RiskLevel})
	}
	// A closed DPS matches nothing, and a provider not on it has nothing to suspend.
	if halted || s.Status == dpsClosed || !s.onDps(c.ProviderID) {
		return nil, nil
	}
	return one(&purchasingv1.MatchingSuspended{DpsId: s.DpsID, ProviderId: c.ProviderID, SettingUrn: c.SettingURN,
		Consortium: s.Consortium, Reason: c.Reason, RiskLevel: c.RiskLevel})
}
