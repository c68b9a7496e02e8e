package app

import (
	"cmp"
	"context"
	"slices"
	"strings"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// GetDecisionLog returns every decision, oldest first, with who, when and
// why, on a DPS (for its consortium, its member councils and the
// platform), on a referral (for the referring council, its consortium and
// the platform; with its placement agreement's decisions once awarded), on
// a placement agreement (for its two parties, its consortium and the
// platform) or on a block contract (for its buyer, its provider, the lead
// of its consortium and the platform).
func (s *Service) GetDecisionLog(ctx context.Context, p auth.Principal, id string, minPosition uint64) (*purchasingv1.GetDecisionLogResponse, error) {
	switch {
	case strings.HasPrefix(id, "agr-"):
		return s.agrlogAgreementLog(ctx, p, id, minPosition)
	case strings.HasPrefix(id, "blk-"):
		return s.agrlogBlockLog(ctx, p, id, minPosition)
	}
	out := &purchasingv1.GetDecisionLogResponse{}
	var placement string
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
			placement = r.placement.GetPlacementId()
		default:
			return domainerr.Field("id", "%q is neither a DPS, a referral, an agreement nor a block contract id", id)
		}
		for _, d := range log {
			out.Decisions = append(out.Decisions, clone(d))
		}
		return nil
	})
	out.Position = pos
	if err != nil || placement == "" || s.agrlogAgr == nil {
		return out, err
	}
	// Whoever may see the referral may see its agreement (the placing
	// council, its consortium, the platform): the agreement's decisions
	// follow the award in the referral's log. The agreements' model may be
	// ahead of the referral's: only decisions up to pos are added, so the
	// answer is the log as of pos.
	_, err = s.agrlogAgr.read(ctx, pos, func(m *agrModel) error {
		if r := m.byID[domain.AgreementIDFor(placement)]; r != nil && agrCanSee(p, r.state) {
			for _, d := range r.decisions {
				if d.GetPosition() <= pos {
					out.Decisions = append(out.Decisions, clone(d))
				}
			}
		}
		return nil
	})
	slices.SortStableFunc(out.Decisions, func(a, b *purchasingv1.Decision) int {
		return cmp.Compare(a.GetPosition(), b.GetPosition())
	})
	return out, err
}

// agrlogAgreementLog is the decision log of one placement agreement.
func (s *Service) agrlogAgreementLog(ctx context.Context, p auth.Principal, id string, minPosition uint64) (*purchasingv1.GetDecisionLogResponse, error) {
	out := &purchasingv1.GetDecisionLogResponse{}
	if s.agrlogAgr == nil {
		return nil, notFound("agreement", id)
	}
	pos, err := s.agrlogAgr.read(ctx, minPosition, func(m *agrModel) error {
		r := m.byID[id]
		if r == nil || !r.state.Exists() || !agrCanSee(p, r.state) {
			return notFound("agreement", id)
		}
		for _, d := range r.decisions {
			out.Decisions = append(out.Decisions, clone(d))
		}
		return nil
	})
	out.Position = pos
	return out, err
}

// agrlogBlockLog is the decision log of one block contract.
func (s *Service) agrlogBlockLog(ctx context.Context, p auth.Principal, id string, minPosition uint64) (*purchasingv1.GetDecisionLogResponse, error) {
	out := &purchasingv1.GetDecisionLogResponse{}
	if s.blk == nil {
		return nil, notFound("block contract", id)
	}
	pos, err := s.blk.read(ctx, minPosition, func(m *blkModel) error {
		c := m.contracts[id]
		if c == nil || !blkSees(p, c.reserved) {
			return notFound("block contract", id)
		}
		for _, d := range c.decisions {
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
