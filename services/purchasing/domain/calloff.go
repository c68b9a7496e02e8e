package domain

import (
	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/money"
)

// A call-off is a referral under a framework lot instead of the whole DPS:
// by direct award (to the highest-ranked provider of the lot with a
// suitable vacancy) or by further competition (among the lot's providers).
// The application layer reads the framework's lots (projected from the
// framework's events) and matches; the decider checks who may call off and
// records the call-off, whose ranking and reason follow the referral to
// its award.

// MissingFramework names an unknown framework (domainerr.Missing).
const MissingFramework = "framework"

// CallOffFacts are what a call-off's rules need of its framework, read at
// decision time.
type CallOffFacts struct {
	// CallOff is the council's choice with the ranking the matching followed
	// and its reason filled in.
	CallOff    *purchasingv1.CallOff
	Known      bool // the framework exists
	Member     bool // the referring council is one of its member councils
	Active     bool // it is in force (activated, not expired or ended)
	LotKnown   bool
	MaxPence   int64 // the lot's highest weekly price
	Consortium string
}

// calloffCheck applies a call-off's rules for council la.
func calloffCheck(f *CallOffFacts, la string) error {
	co := f.CallOff
	if !f.Known {
		return domainerr.Missing(MissingFramework, "there is no framework %s", co.GetFrameworkId())
	}
	if co.GetMethod() == purchasingv1.CallOffMethod_CALL_OFF_METHOD_UNSPECIFIED {
		return domainerr.Field("call_off.method", "choose how to call off: direct award or further competition")
	}
	if !f.Member {
		return domainerr.Rule(RuleCallOffNotMember, "council %s is not a member of framework %s: only its member councils may call off from it", la, co.GetFrameworkId())
	}
	if !f.Active {
		return domainerr.Rule(RuleFrameworkNotActive, "framework %s is not in force: call-offs are made only while it is active", co.GetFrameworkId())
	}
	if !f.LotKnown {
		return domainerr.Field("call_off.lot_id", "framework %s has no lot %q", co.GetFrameworkId(), co.GetLotId())
	}
	return nil
}

// calloffCeiling is the most a week an offer may be: the referral's budget,
// and for a call-off the lot's price band too.
func (s ReferralState) calloffCeiling() (int64, string) {
	budget := s.Created.GetNeed().GetWeeklyBudgetPence()
	if lot := s.Created.GetCallOffMaxWeeklyPence(); lot > 0 && lot < budget {
		return lot, "the framework lot's highest weekly price of " + money.Pence(lot).String()
	}
	return budget, "the referral's ceiling of " + money.Pence(budget).String()
}

// calloffOf is the call-off a placement records: the referral's.
func calloffOf(cr *purchasingv1.ReferralCreated) *purchasingv1.CallOff {
	if cr.GetCallOff() == nil {
		return nil
	}
	return proto.Clone(cr.GetCallOff()).(*purchasingv1.CallOff)
}
