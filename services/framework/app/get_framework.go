package app

import (
	"time"

	"context"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// GetFramework returns one framework with its lots and admitted providers.
// A draft the caller may not see is reported as not found.
func (s *Service) GetFramework(ctx context.Context, p auth.Principal, id string, minPosition uint64) (*frameworkv1.Framework, error) {
	if err := s.runner.WaitFor(ctx, minPosition); err != nil {
		return nil, err
	}
	fw, err := s.model.framework(id, s.now())
	if err != nil {
		return nil, err
	}
	if !canSeeFramework(p, fw) {
		return nil, notFound(id)
	}
	return viewFor(p, fw), nil
}

func notFound(id string) error {
	return domainerr.Missing("framework", "framework %s does not exist", id)
}

// framework is a snapshot of one framework.
func (m *ReadModel) framework(id string, now time.Time) (*frameworkv1.Framework, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v := m.frameworks[id]
	if v == nil {
		return nil, notFound(id)
	}
	return m.snapshot(v, now), nil
}
