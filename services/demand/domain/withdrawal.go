package domain

import (
	"slices"
	"strings"

	"google.golang.org/protobuf/proto"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// WithdrawNeedsReturn withdraws one submission of a council's return for a
// date. Actor: the council's analyst, who prepares its needs data.
type WithdrawNeedsReturn struct {
	Actor Actor
	// Council is the LA code the request names: it must be the actor's.
	Council    string
	AsAt       string
	Submission uint32
	Reason     string
}

// DecideWithdrawal decides a withdrawal against the returns made for the
// date. Any submission not yet withdrawn may be: the one that stands is then
// the latest not withdrawn, or none.
func DecideWithdrawal(s ReturnState, c WithdrawNeedsReturn) ([]proto.Message, error) {
	la := c.Actor.Council()
	if la == "" || c.Actor.Role != RoleCouncilAnalyst {
		return nil, domainerr.Forbidden("%s may not withdraw a needs return: only the council's analyst may", c.Actor.Role+" of "+c.Actor.Organisation)
	}
	// Another council's returns, and submissions never made, are alike
	// missing: the answer says nothing of the other council.
	if c.Council != la || c.Submission == 0 || c.Submission > s.Submissions {
		return nil, domainerr.Missing("needs_return", "there is no submission %d of a needs return as at %s that you may withdraw", c.Submission, c.AsAt)
	}
	if slices.Contains(s.Withdrawn, c.Submission) {
		return nil, domainerr.Rule(RuleAlreadyWithdrawn, "submission %d of the needs return as at %s is withdrawn already; ListNeedsReturns shows which one stands", c.Submission, c.AsAt)
	}
	if strings.TrimSpace(c.Reason) == "" {
		return nil, domainerr.Field("reason", "say why the return is withdrawn, for the record")
	}
	after := EvolveReturn(s, &demandv1.NeedsReturnWithdrawn{Submission: c.Submission})
	return []proto.Message{&demandv1.NeedsReturnWithdrawn{
		ReturnId: ReturnID(la, c.AsAt), Council: la, AsAt: c.AsAt, Submission: c.Submission, Reason: c.Reason,
		CurrentSubmission: after.Current(),
	}}, nil
}
