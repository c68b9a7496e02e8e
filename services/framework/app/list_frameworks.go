package app

import (
	"context"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ListFrameworks returns the frameworks the caller may see, oldest first, and
// the position the answer reflects; a consortium, status or category that is
// empty (zero) matches every framework.
func (s *Service) ListFrameworks(ctx context.Context, p auth.Principal, consortium string, status frameworkv1.FrameworkStatus, category frameworkv1.Category,
	minPosition uint64) ([]*frameworkv1.Framework, uint64, error) {
	if err := s.runner.WaitFor(ctx, minPosition); err != nil {
		return nil, 0, err
	}
	pos := s.runner.Position()
	now := s.now()
	s.model.mu.RLock()
	defer s.model.mu.RUnlock()
	var out []*frameworkv1.Framework
	for _, id := range s.model.order {
		fw := s.model.snapshot(s.model.frameworks[id], now)
		if (consortium != "" && fw.GetConsortium() != consortium) ||
			(status != 0 && fw.GetStatus() != status) ||
			(category != 0 && fw.GetCategory() != category) ||
			!canSeeFramework(p, fw) {
			continue
		}
		out = append(out, viewFor(p, fw))
	}
	return out, pos, nil
}
