package domain

import (
	"maps"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// RiskID names a provider's risk stream under one consortium.
func RiskID(consortium, provider string) string { return eventstore.ComposeID(consortium, provider) }

// RiskState is the levels last recorded for a provider and its settings
// under one consortium, and what the policy suspended. A setting or
// provider never assessed is green.
type RiskState struct {
	Settings          map[string]monitoringv1.RiskLevel
	SettingSuspended  map[string]bool
	Provider          monitoringv1.RiskLevel
	ProviderSuspended bool
	// EvidencePosition and AssessedAt are those of the newest assessment
	// recorded: an assessment made from older evidence is refused.
	EvidencePosition uint64
	AssessedAt       time.Time
}

// Level of a setting ("" for the provider).
func (s RiskState) Level(urn string) monitoringv1.RiskLevel {
	l := s.Provider
	if urn != "" {
		l = s.Settings[urn]
	}
	if l == 0 {
		return Green
	}
	return l
}

func (s RiskState) suspended(urn string) bool {
	if urn == "" {
		return s.ProviderSuspended
	}
	return s.SettingSuspended[urn]
}

// EvolveRisk applies one event (FoldRisk of one).
func EvolveRisk(s RiskState, e proto.Message) RiskState {
	return FoldRisk(s, []proto.Message{e})
}

// FoldRisk applies events in order. It never changes the state it is
// given: it copies the settings' levels once and changes the copy, so a
// state may be shared and a long stream loads in linear time.
func FoldRisk(s RiskState, events []proto.Message) RiskState {
	s.Settings, s.SettingSuspended = maps.Clone(s.Settings), maps.Clone(s.SettingSuspended)
	for _, e := range events {
		s.apply(e)
	}
	return s
}

// apply changes s, which must be the caller's own copy, by one event.
func (s *RiskState) apply(e proto.Message) {
	c, ok := e.(*monitoringv1.RiskLevelChanged)
	if !ok {
		return
	}
	s.EvidencePosition = max(s.EvidencePosition, c.GetEvidencePosition())
	if at := c.GetAssessedAt().AsTime(); at.After(s.AssessedAt) {
		s.AssessedAt = at
	}
	if c.GetScope() == monitoringv1.RiskScope_RISK_SCOPE_PROVIDER {
		s.Provider = c.GetTo()
		s.ProviderSuspended = suspendedAfter(s.ProviderSuspended, c.GetAction())
		return
	}
	if s.Settings == nil {
		s.Settings, s.SettingSuspended = map[string]monitoringv1.RiskLevel{}, map[string]bool{}
	}
	urn := c.GetSettingUrn()
	s.Settings[urn] = c.GetTo()
	s.SettingSuspended[urn] = suspendedAfter(s.SettingSuspended[urn], c.GetAction())
}

func suspendedAfter(was bool, a monitoringv1.RiskAction) bool {
	switch a {
	case monitoringv1.RiskAction_RISK_ACTION_SUSPEND:
		return true
	case monitoringv1.RiskAction_RISK_ACTION_REINSTATE:
		return false
	}
	return was
}

// SettingAssessment is one setting's assessment and the councils placing
// there.
type SettingAssessment struct {
	URN      string
	Councils []string
	Assessment
}

// AssessRisk records a provider's assessment under a consortium's policy.
type AssessRisk struct {
	Consortium   string
	ProviderID   string
	ProviderName string
	Now          time.Time
	// EvidencePosition is the global position of the evidence assessed.
	EvidencePosition uint64
	SuspendOnRed     bool
	// Settings assessed (others keep their level).
	Settings []SettingAssessment
	Provider Assessment
	// Councils with a child placed at any of the provider's settings.
	ProviderCouncils []string
}

// DecideRisk records a change of level, for each setting assessed and for
// the provider, as an event that says whom to tell and what the policy
// does: red suspends (if the policy says so), green again after a
// suspension reinstates, amber leaves a suspension as it is. No change of
// level, no event: an assessment repeated changes nothing. An assessment
// made from evidence older than the newest recorded (or from the same
// evidence at an earlier time) is refused: it would turn a level back.
func DecideRisk(s RiskState, c AssessRisk) ([]proto.Message, error) {
	if c.EvidencePosition < s.EvidencePosition || (c.EvidencePosition == s.EvidencePosition && c.Now.Before(s.AssessedAt)) {
		return nil, domainerr.Rule(RuleAssessmentStale, "the assessment was made from evidence up to position %d, older than the level recorded from position %d: assess again",
			c.EvidencePosition, s.EvidencePosition)
	}
	var out []proto.Message
	change := func(urn string, scope monitoringv1.RiskScope, a Assessment, councils []string) {
		from := s.Level(urn)
		if a.Level == 0 || a.Level == from {
			return
		}
		action := monitoringv1.RiskAction_RISK_ACTION_NONE
		switch {
		case a.Level == Red && c.SuspendOnRed && !s.suspended(urn):
			action = monitoringv1.RiskAction_RISK_ACTION_SUSPEND
		case a.Level == Green && s.suspended(urn):
			action = monitoringv1.RiskAction_RISK_ACTION_REINSTATE
		}
		out = append(out, &monitoringv1.RiskLevelChanged{
			Consortium: c.Consortium, ProviderId: c.ProviderID, ProviderName: c.ProviderName, SettingUrn: urn, Scope: scope,
			From: from, To: a.Level, Reasons: a.Reasons, NotifiedCouncils: councils, Action: action, AssessedAt: timestamppb.New(c.Now),
			EvidencePosition: c.EvidencePosition,
		})
	}
	for _, st := range c.Settings {
		change(st.URN, monitoringv1.RiskScope_RISK_SCOPE_SETTING, st.Assessment, st.Councils)
	}
	change("", monitoringv1.RiskScope_RISK_SCOPE_PROVIDER, c.Provider, c.ProviderCouncils)
	return out, nil
}
