package app

import (
	"context"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// FrameworkFilter narrows ListFrameworks; zero values match everything.
type FrameworkFilter struct {
	Consortium string
	Status     frameworkv1.FrameworkStatus
	Category   frameworkv1.Category
}

// ListFrameworks returns the frameworks the caller may see, oldest first, and
// the position the answer reflects.
func (s *Service) ListFrameworks(ctx context.Context, p auth.Principal, f FrameworkFilter, minPosition uint64) ([]*frameworkv1.Framework, uint64, error) {
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
		if (f.Consortium != "" && fw.GetConsortium() != f.Consortium) ||
			(f.Status != 0 && fw.GetStatus() != f.Status) ||
			(f.Category != 0 && fw.GetCategory() != f.Category) ||
			!canSeeFramework(p, fw) {
			continue
		}
		out = append(out, viewFor(p, fw))
	}
	return out, pos, nil
}
