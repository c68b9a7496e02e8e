package domain_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

const (
	settingScope  = monitoringv1.RiskScope_RISK_SCOPE_SETTING
	providerScope = monitoringv1.RiskScope_RISK_SCOPE_PROVIDER
	none          = monitoringv1.RiskAction_RISK_ACTION_NONE
	suspend       = monitoringv1.RiskAction_RISK_ACTION_SUSPEND
	reinstate     = monitoringv1.RiskAction_RISK_ACTION_REINSTATE
)

var councils = []string{"352", "353"}

// at level: an assessment with one reason (none when green).
func atLevel(level monitoringv1.RiskLevel, urn string) domain.Assessment {
	a := domain.Assessment{Level: level}
	if level != green {
		a.Reasons = []*monitoringv1.RiskReason{{Indicator: ofstedGrade, Level: level, Value: float64(level) + 1, Threshold: float64(level) + 1,
			Detail: "Ofsted judged it", SettingUrn: urn}}
	}
	return a
}

// assessOak is Oak House assessed at level (the provider not assessed).
func assessOak(level monitoringv1.RiskLevel, suspendOnRed bool) domain.AssessRisk {
	return domain.AssessRisk{Consortium: nw, ProviderID: acmeID, ProviderName: "Acme Care", Now: now, SuspendOnRed: suspendOnRed,
		Settings: []domain.SettingAssessment{{URN: oakURN, Councils: councils, Assessment: atLevel(level, oakURN)}}}
}

// assessAcme is the provider assessed at level (no setting assessed).
func assessAcme(level monitoringv1.RiskLevel) domain.AssessRisk {
	return domain.AssessRisk{Consortium: nw, ProviderID: acmeID, ProviderName: "Acme Care", Now: now, SuspendOnRed: true,
		Provider: atLevel(level, ""), ProviderCouncils: councils}
}

func changed(urn string, from, to monitoringv1.RiskLevel, action monitoringv1.RiskAction) *monitoringv1.RiskLevelChanged {
	scope := settingScope
	if urn == "" {
		scope = providerScope
	}
	return &monitoringv1.RiskLevelChanged{
		Consortium: nw, ProviderId: acmeID, ProviderName: "Acme Care", SettingUrn: urn, Scope: scope, From: from, To: to,
		Reasons: atLevel(to, urn).Reasons, NotifiedCouncils: councils, Action: action, AssessedAt: timestamppb.New(now),
	}
}

func TestRiskRedSuspends(t *testing.T) {
	s := when(givenRisk(), domain.DecideRisk, assessOak(red, true)).thenEvents(t, changed(oakURN, green, red, suspend))
	if s.Level(oakURN) != red || !s.SettingSuspended[oakURN] {
		t.Fatalf("after red: level %v, suspended %v", s.Level(oakURN), s.SettingSuspended[oakURN])
	}
	// Another setting, and the provider, are still green.
	if s.Level(elmURN) != green || s.Level("") != green || s.ProviderSuspended {
		t.Fatalf("after Oak House red: Elm House %v, provider %v (suspended %v)", s.Level(elmURN), s.Level(""), s.ProviderSuspended)
	}
}

func TestRiskSameLevelAgain(t *testing.T) {
	// An assessment repeated: no event, no second suspension or alert.
	when(givenRisk(changed(oakURN, green, red, suspend)), domain.DecideRisk, assessOak(red, true)).thenNothing(t)
	when(givenRisk(), domain.DecideRisk, assessOak(green, true)).thenNothing(t)
	when(givenRisk(changed(oakURN, green, amber, none)), domain.DecideRisk, assessOak(amber, true)).thenNothing(t)
}

func TestRiskRecoveryReinstates(t *testing.T) {
	history := events(changed(oakURN, green, red, suspend))
	// Red to amber: told, still suspended.
	s := when(givenRisk(history...), domain.DecideRisk, assessOak(amber, true)).thenEvents(t, changed(oakURN, red, amber, none))
	if !s.SettingSuspended[oakURN] {
		t.Fatal("amber lifted the suspension")
	}
	history = append(history, changed(oakURN, red, amber, none))
	// Red again while suspended: told, not suspended twice.
	when(givenRisk(history...), domain.DecideRisk, assessOak(red, true)).thenEvents(t, changed(oakURN, amber, red, none))
	// Green: reinstated.
	s = when(givenRisk(history...), domain.DecideRisk, assessOak(green, true)).thenEvents(t, changed(oakURN, amber, green, reinstate))
	if s.SettingSuspended[oakURN] || s.Level(oakURN) != green {
		t.Fatalf("after green: level %v suspended %v", s.Level(oakURN), s.SettingSuspended[oakURN])
	}
	// Red straight to green.
	when(givenRisk(changed(oakURN, green, red, suspend)), domain.DecideRisk, assessOak(green, true)).
		thenEvents(t, changed(oakURN, red, green, reinstate))
	// Red again after a reinstatement suspends again.
	history = append(history, changed(oakURN, amber, green, reinstate))
	when(givenRisk(history...), domain.DecideRisk, assessOak(red, true)).thenEvents(t, changed(oakURN, green, red, suspend))
}

func TestRiskWithoutSuspendOnRed(t *testing.T) {
	s := when(givenRisk(), domain.DecideRisk, assessOak(red, false)).thenEvents(t, changed(oakURN, green, red, none))
	if s.SettingSuspended[oakURN] {
		t.Fatal("suspended under a policy that does not suspend")
	}
	// Green again: nothing to reinstate.
	when(givenRisk(changed(oakURN, green, red, none)), domain.DecideRisk, assessOak(green, false)).
		thenEvents(t, changed(oakURN, red, green, none))
	// Amber is never an action.
	when(givenRisk(), domain.DecideRisk, assessOak(amber, true)).thenEvents(t, changed(oakURN, green, amber, none))
}

func TestRiskProviderScope(t *testing.T) {
	// Oak House and the provider both red: one event each, each suspending.
	both := assessOak(red, true)
	both.Provider, both.ProviderCouncils = atLevel(red, ""), councils
	s := when(givenRisk(), domain.DecideRisk, both).
		thenEvents(t, changed(oakURN, green, red, suspend), changed("", green, red, suspend))
	if !s.ProviderSuspended || !s.SettingSuspended[oakURN] {
		t.Fatalf("provider suspended %v, Oak House suspended %v", s.ProviderSuspended, s.SettingSuspended[oakURN])
	}
	history := events(changed(oakURN, green, red, suspend), changed("", green, red, suspend))
	// The provider green again (its warning withdrawn) is reinstated; Oak
	// House, not assessed, stays red and suspended.
	s = when(givenRisk(history...), domain.DecideRisk, assessAcme(green)).thenEvents(t, changed("", red, green, reinstate))
	if s.ProviderSuspended || !s.SettingSuspended[oakURN] || s.Level(oakURN) != red {
		t.Fatalf("provider suspended %v; Oak House %v suspended %v", s.ProviderSuspended, s.Level(oakURN), s.SettingSuspended[oakURN])
	}
	// Oak House green: its own reinstatement; the provider's level is its own.
	s = when(givenRisk(changed(oakURN, green, red, suspend), changed("", green, red, suspend)), domain.DecideRisk, assessOak(green, true)).
		thenEvents(t, changed(oakURN, red, green, reinstate))
	if !s.ProviderSuspended || s.Level("") != red {
		t.Fatalf("the provider after Oak House recovered: %v suspended %v", s.Level(""), s.ProviderSuspended)
	}
	// A provider red for the first time while a setting is already
	// suspended is suspended itself.
	when(givenRisk(changed(oakURN, green, red, suspend)), domain.DecideRisk, assessAcme(red)).
		thenEvents(t, changed("", green, red, suspend))
}

// Issue 11, item 3: a replica whose read model is behind must not overwrite
// a newer level. Red was recorded from evidence up to position 120; a green
// assessed from position 100 (before the Inadequate judgement reached that
// replica) is refused, and so is one from the same evidence assessed earlier.
func TestRiskFromOlderEvidenceIsRefused(t *testing.T) {
	redAt120 := changed(oakURN, green, red, suspend)
	redAt120.EvidencePosition = 120
	stale := assessOak(green, true)
	stale.EvidencePosition = 100
	when(givenRisk(redAt120), domain.DecideRisk, stale).thenRule(t, domain.RuleAssessmentStale)
	earlier := assessOak(green, true)
	earlier.EvidencePosition, earlier.Now = 120, now.Add(-time.Minute)
	when(givenRisk(redAt120), domain.DecideRisk, earlier).thenRule(t, domain.RuleAssessmentStale)

	// From newer evidence (the provider put right), green reinstates, and the
	// change records the evidence it was made from.
	fresh := assessOak(green, true)
	fresh.EvidencePosition = 130
	reinstated := changed(oakURN, red, green, reinstate)
	reinstated.EvidencePosition = 130
	when(givenRisk(redAt120), domain.DecideRisk, fresh).thenEvents(t, reinstated)
}
