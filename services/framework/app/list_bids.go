package app

import (
	"context"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ListBids returns the bids the caller may see: a provider its own, the
// running consortium every bid on its frameworks. frameworkID "" means all.
func (s *Service) ListBids(ctx context.Context, p auth.Principal, frameworkID string, minPosition uint64) ([]*frameworkv1.Bid, uint64, error) {
	if err := s.runner.WaitFor(ctx, minPosition); err != nil {
		return nil, 0, err
	}
	pos := s.runner.Position()
	s.model.mu.RLock()
	defer s.model.mu.RUnlock()
	ids := s.model.order
	if frameworkID != "" {
		if v := s.model.frameworks[frameworkID]; v == nil || !canSeeFramework(p, v.fw) {
			return nil, 0, notFound(frameworkID)
		}
		ids = []string{frameworkID}
	}
	var out []*frameworkv1.Bid
	for _, id := range ids {
		v := s.model.frameworks[id]
		for _, k := range v.bidOrder {
			if b := v.bids[k]; canSeeBid(p, v.fw, b) {
				out = append(out, s.model.bid(b))
			}
		}
	}
	return out, pos, nil
}
