package app

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// CreateReferral refers an anonymised child through a DPS. The need is
// matched against the live supply and the referral is sent to the matched
// providers in the same commit; a referral nobody matches is still recorded,
// as unmet demand.
func (s *Service) CreateReferral(ctx context.Context, r Request, dpsID string, need *purchasingv1.Need) (Result, error) {
	return s.CreateReferralWith(ctx, r, dpsID, need, ReferralOptions{})
}

// ReferralOptions are what a referral may carry besides its need.
type ReferralOptions struct {
	// OffersDueBy is the commissioner's deadline for offers; zero takes the
	// DPS's offer window.
	OffersDueBy time.Time
	// CallOff, when set, calls off from a framework lot (framework, lot
	// and method; the platform records the ranking and reason).
	CallOff *purchasingv1.CallOff
}

// CreateReferralWith is CreateReferral with options.
func (s *Service) CreateReferralWith(ctx context.Context, r Request, dpsID string, need *purchasingv1.Need, o ReferralOptions) (Result, error) {
	id := derivedID("ref-", r.Principal.Organisation, r.RequestID)
	// Match against supply as of now: every admission and vacancy already
	// committed, not just what the read model has applied so far.
	last, err := s.store.LastPosition(ctx)
	if err != nil {
		return Result{}, err
	}
	if err := s.runner.WaitFor(ctx, last); err != nil {
		return Result{}, err
	}
	now := s.now()
	var d domain.DpsState
	var matches []*purchasingv1.MatchedSetting
	var considered uint32
	var calloff *domain.CallOffFacts
	if o.CallOff != nil {
		d, calloff, matches, considered = s.model.CalloffAndMatch(dpsID, need, o.CallOff, actorOf(r).Council(), now)
	} else {
		d, matches, considered = s.model.DpsAndMatch(dpsID, need, now)
	}
	// Block contracts: places reserved for this council are offered first.
	if matches, err = s.blkOfferedFirst(ctx, r.Principal, d.Consortium, matches, now); err != nil {
		return Result{}, err
	}
	res, _, err := handle(ctx, s.referrals, r, referralStream(id), now, nil, func(st domain.ReferralState) ([]proto.Message, error) {
		return domain.DecideReferral(st, domain.CreateReferral{Actor: actorOf(r), Now: now, ReferralID: id, Dps: d,
			Need: need, Matches: matches, Considered: considered, OffersDueBy: o.OffersDueBy, CallOff: calloff})
	})
	return res, err
}
