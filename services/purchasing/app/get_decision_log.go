package app

import (
	"context"
	"strings"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// GetDecisionLog returns every decision on a DPS (for its consortium, its
// member councils and the platform) or on a referral (for the referring
// council, its consortium and the platform), oldest first, with who, when
// and why.
func (s *Service) GetDecisionLog(ctx context.Context, p auth.Principal, id string, minPosition uint64) (*purchasingv1.GetDecisionLogResponse, error) {
	out := &purchasingv1.GetDecisionLogResponse{}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		var log []*purchasingv1.Decision
		switch {
		case strings.HasPrefix(id, "dps-"):
			d := m.dps[id]
			if d == nil || !(runsDps(p, d) || containsCouncil(d.terms.GetMemberCouncils(), council(p))) {
				return notFound("DPS", id)
			}
			log = d.decisions
		case strings.HasPrefix(id, "ref-"):
			r := m.referrals[id]
			if r == nil || provider(p) != "" || !canSeeReferral(p, r) {
				return notFound("referral", id)
			}
			log = r.decisions
		default:
			return domainerr.Field("id", "%q is neither a DPS id nor a referral id", id)
		}
		for _, d := range log {
			out.Decisions = append(out.Decisions, clone(d))
		}
		return nil
	})
	out.Position = pos
	return out, err
}

func containsCouncil(members []string, la string) bool {
	for _, m := range members {
		if la != "" && m == la {
			return true
		}
	}
	return false
}
