package app

import (
	"context"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// GetDecisionLog returns every decision of a framework, oldest first, with
// who made it, when and why: the audit a council's governance panel reads.
func (s *Service) GetDecisionLog(ctx context.Context, p auth.Principal, frameworkID string, minPosition uint64) ([]*frameworkv1.Decision, uint64, error) {
	var out []*frameworkv1.Decision
	pos, err := s.readFramework(ctx, p, frameworkID, minPosition, func(v *frameworkView) error {
		if !canSeeGovernance(p, v.fw) {
			return domainerr.Forbidden("the decision log of %s is for its consortium, member councils and auditors", frameworkID)
		}
		out = make([]*frameworkv1.Decision, len(v.decisions))
		for i, d := range v.decisions {
			out[i] = s.model.decision(d)
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, pos, nil
}
