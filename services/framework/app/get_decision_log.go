package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// GetDecisionLog returns every decision of a framework, oldest first, with
// who made it, when and why: the audit a council's governance panel reads.
func (s *Service) GetDecisionLog(ctx context.Context, p auth.Principal, frameworkID string, minPosition uint64) ([]*frameworkv1.Decision, uint64, error) {
	if err := s.runner.WaitFor(ctx, minPosition); err != nil {
		return nil, 0, err
	}
	pos := s.runner.Position()
	s.model.mu.RLock()
	defer s.model.mu.RUnlock()
	v := s.model.frameworks[frameworkID]
	if v == nil || !canSeeFramework(p, v.fw) {
		return nil, 0, notFound(frameworkID)
	}
	if !canSeeGovernance(p, v.fw) {
		return nil, 0, domainerr.Forbidden("the decision log of %s is for its consortium, member councils and auditors", frameworkID)
	}
	out := make([]*frameworkv1.Decision, len(v.decisions))
	for i, d := range v.decisions {
		out[i] = proto.Clone(d).(*frameworkv1.Decision)
	}
	return out, pos, nil
}
