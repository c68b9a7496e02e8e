package domain

import (
	"time"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// ProviderState is a provider's own financial warning.
type ProviderState struct {
	WarningLevel uint32 // 0 none, 1 concern, 2 failure likely
}

// EvolveProvider applies one event.
func EvolveProvider(s ProviderState, e proto.Message) ProviderState {
	switch e := e.(type) {
	case *monitoringv1.FinancialWarningRaised:
		s.WarningLevel = e.GetLevel()
	case *monitoringv1.FinancialWarningWithdrawn:
		s.WarningLevel = 0
	}
	return s
}

// RaiseWarning is a provider warning its buyers of financial difficulty.
type RaiseWarning struct {
	Actor   Actor
	Now     time.Time
	Level   uint32
	Summary string
}

// DecideRaiseWarning decides RaiseWarning: a new level (higher or lower)
// replaces the current one.
func DecideRaiseWarning(s ProviderState, c RaiseWarning) ([]proto.Message, error) {
	if s.WarningLevel == c.Level {
		return nil, domainerr.Rule(RuleWarningAlreadyRaised, "a level %d warning is already raised", c.Level)
	}
	return []proto.Message{&monitoringv1.FinancialWarningRaised{ProviderId: c.Actor.Provider(), Level: c.Level, Summary: c.Summary, RaisedOn: Today(c.Now)}}, nil
}

// WithdrawWarning lifts the provider's financial warning.
type WithdrawWarning struct {
	Actor  Actor
	Reason string
}

// DecideWithdrawWarning decides WithdrawWarning.
func DecideWithdrawWarning(s ProviderState, c WithdrawWarning) ([]proto.Message, error) {
	if s.WarningLevel == 0 {
		return nil, domainerr.Rule(RuleNoWarning, "there is no financial warning to withdraw")
	}
	return []proto.Message{&monitoringv1.FinancialWarningWithdrawn{ProviderId: c.Actor.Provider(), Reason: c.Reason}}, nil
}
