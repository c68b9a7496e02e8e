package app

import (
	"context"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ListBids returns the bids the caller may see: a provider its own, the
// running consortium every bid on its frameworks. frameworkID "" means all.
// A provider reads its own scores only once the framework is awarded: while
// the panel scores, they may change, and a price score (the lowest bid on
// the lot over its own) tells the lowest rival price.
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
				out = append(out, a13pScoresFor(p, v.fw, s.model.bid(b)))
			}
		}
	}
	return out, pos, nil
}

// a13pScoresFor is b (a copy the caller owns) as p may read it: a
// provider's own bid without its scores until fw is awarded.
func a13pScoresFor(p auth.Principal, fw *frameworkv1.Framework, b *frameworkv1.Bid) *frameworkv1.Bid {
	if p.OrgKind() != "provider" || a13pAwarded(fw) {
		return b
	}
	b.Scored, b.QualityScore, b.PriceScore, b.TotalScore, b.ScoreReason = false, 0, 0, 0, ""
	return b
}

// a13pAwarded reports whether fw has been awarded (the award publishes its
// contract award notice; a framework terminated before that never was).
func a13pAwarded(fw *frameworkv1.Framework) bool {
	switch fw.GetStatus() {
	case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_AWARDED, frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE,
		frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXTENDED, frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXPIRED:
		return true
	}
	return fw.GetNoticePublishedOn() != ""
}
