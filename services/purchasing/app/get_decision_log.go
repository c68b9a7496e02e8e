package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// GetDecisionLog returns every decision, oldest first, with who, when and
// why, on a DPS (for its consortium, its member councils and the
// platform), on a referral (for the referring council, its consortium and
// the platform; with its placement agreement's decisions once awarded), on
// a placement agreement (for its two parties, its consortium and the
// platform) or on a block contract (for its buyer, its provider, the lead
// of its consortium and the platform).
//
// The read models decide who may see a log and as of which position; the
// log itself is summarised from the aggregate's stream at query time
// (dlogRead), since holding every decision of a decade in memory to serve
// the few logs anyone reads would make the models grow with all history.
func (s *Service) GetDecisionLog(ctx context.Context, p auth.Principal, id string, minPosition uint64) (*purchasingv1.GetDecisionLogResponse, error) {
	switch {
	case strings.HasPrefix(id, "agr-"):
		return s.agrlogAgreementLog(ctx, p, id, minPosition)
	case strings.HasPrefix(id, "blk-"):
		return s.agrlogBlockLog(ctx, p, id, minPosition)
	}
	var (
		stream    eventstore.StreamID
		version   uint64
		placement string
	)
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		switch {
		case strings.HasPrefix(id, "dps-"):
			d := m.dps[id]
			if d == nil || !(runsDps(p, d) || containsCouncil(d.terms.GetMemberCouncils(), council(p))) {
				return notFound("DPS", id)
			}
			// A DPS's stream is long (every application and decision on
			// membership): the whole of it is read for each query, which
			// is acceptable for a log read by a governance panel, not on
			// every page.
			stream, version = dpsStream(id), d.version
		case strings.HasPrefix(id, "ref-"):
			r := m.referrals[id]
			if r == nil || provider(p) != "" || !m.canSeeReferral(p, r) {
				return notFound("referral", id)
			}
			stream, version = referralStream(id), r.version
			placement = r.placement.GetPlacementId()
		default:
			return domainerr.Field("id", "%q is neither a DPS, a referral, an agreement nor a block contract id", id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	log, err := s.dlogRead(ctx, stream, pos, version)
	if err != nil {
		return nil, err
	}
	out := &purchasingv1.GetDecisionLogResponse{Decisions: log, Position: pos}
	if placement == "" || s.agrlogAgr == nil {
		return out, nil
	}
	// Whoever may see the referral may see its agreement (the placing
	// council, its consortium, the platform): the agreement's decisions
	// follow the award in the referral's log. The agreements' model may be
	// ahead of the referral's: only decisions up to pos are added, so the
	// answer is the log as of pos.
	agrID := domain.AgreementIDFor(placement)
	var seen bool
	_, err = s.agrlogAgr.read(ctx, pos, func(m *agrModel) error {
		if r := m.byID[agrID]; r != nil && agrCanSee(p, r.state) {
			seen, version = true, r.version
		}
		return nil
	})
	if err != nil || !seen {
		return out, err
	}
	agr, err := s.dlogRead(ctx, agrStream(agrID), pos, version)
	if err != nil {
		return nil, err
	}
	out.Decisions = append(out.Decisions, agr...)
	slices.SortStableFunc(out.Decisions, func(a, b *purchasingv1.Decision) int {
		return cmp.Compare(a.GetPosition(), b.GetPosition())
	})
	return out, nil
}

// agrlogAgreementLog is the decision log of one placement agreement.
func (s *Service) agrlogAgreementLog(ctx context.Context, p auth.Principal, id string, minPosition uint64) (*purchasingv1.GetDecisionLogResponse, error) {
	if s.agrlogAgr == nil {
		return nil, notFound("agreement", id)
	}
	var version uint64
	pos, err := s.agrlogAgr.read(ctx, minPosition, func(m *agrModel) error {
		r := m.byID[id]
		if r == nil || !r.state.Exists() || !agrCanSee(p, r.state) {
			return notFound("agreement", id)
		}
		version = r.version
		return nil
	})
	if err != nil {
		return nil, err
	}
	log, err := s.dlogRead(ctx, agrStream(id), pos, version)
	if err != nil {
		return nil, err
	}
	return &purchasingv1.GetDecisionLogResponse{Decisions: log, Position: pos}, nil
}

// agrlogBlockLog is the decision log of one block contract.
func (s *Service) agrlogBlockLog(ctx context.Context, p auth.Principal, id string, minPosition uint64) (*purchasingv1.GetDecisionLogResponse, error) {
	if s.blk == nil {
		return nil, notFound("block contract", id)
	}
	var version uint64
	pos, err := s.blk.read(ctx, minPosition, func(m *blkModel) error {
		c := m.contracts[id]
		if c == nil || !blkSees(p, c.reserved) {
			return notFound("block contract", id)
		}
		version = c.version
		return nil
	})
	if err != nil {
		return nil, err
	}
	log, err := s.dlogRead(ctx, blkStream(id), pos, version)
	if err != nil {
		return nil, err
	}
	return &purchasingv1.GetDecisionLogResponse{Decisions: log, Position: pos}, nil
}

// dlogRead is the decision log of one stream as of global position pos:
// each of its events up to pos, summarised (decision). version is the
// stream's version the read model had applied at pos: a store that
// returns less (a replica behind the one the model follows) is refused as
// not yet caught up, which callers retry, rather than answered with a
// shorter log.
func (s *Service) dlogRead(ctx context.Context, stream eventstore.StreamID, pos, version uint64) ([]*purchasingv1.Decision, error) {
	events, err := s.readStreamAt(ctx, stream, version)
	if err != nil {
		return nil, err
	}
	var out []*purchasingv1.Decision
	for _, e := range events {
		if e.Position <= pos {
			out = append(out, decision(e))
		}
	}
	return out, nil
}

func containsCouncil(members []string, la string) bool {
	for _, m := range members {
		if la != "" && m == la {
			return true
		}
	}
	return false
}

// readStreamAt reads an aggregate's stream, upcast, once the store's copy
// has reached the version a read model saw (ErrNotReached if not).
func (s *Service) readStreamAt(ctx context.Context, stream eventstore.StreamID, version uint64) ([]eventstore.RecordedEvent, error) {
	events, err := s.store.ReadStream(ctx, stream)
	if err != nil {
		return nil, err
	}
	if events, err = eventstore.Upcast(events); err != nil {
		return nil, err
	}
	if n := len(events); version > 0 && (n == 0 || events[n-1].Version < version) {
		return nil, fmt.Errorf("%w: the event store's copy of %s is behind version %d", projection.ErrNotReached, stream, version)
	}
	return events, nil
}
