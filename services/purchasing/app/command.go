package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// Request is what every command carries besides its own fields.
type Request = aggregate.Request

// Result answers every command.
type Result struct {
	ID            string
	StreamVersion uint64
	Position      uint64
	OfferID       string
	PlacementID   string
	Duplicate     bool
}

func actorOf(r Request) domain.Actor {
	return domain.Actor{Subject: r.Principal.Subject, Organisation: r.Principal.Organisation, Role: r.Role}
}

// derivedID makes an aggregate id from the creating organisation and the
// request id, so a retried create lands on the same stream and is applied once.
func derivedID(prefix, organisation, requestID string) string {
	sum := sha256.Sum256([]byte(organisation + "\x00" + requestID))
	return prefix + hex.EncodeToString(sum[:10])
}

// handle runs one command on one aggregate through its repository. The
// command is decided at one instant, which is also when its events are
// recorded to have occurred.
// visible says whether the caller may see the loaded aggregate (nil for
// every caller when the aggregate is public or not yet created).
func handle[S any](ctx context.Context, repo *aggregate.Repository[S], r Request, stream eventstore.StreamID, now time.Time, visible func(S) bool, decide func(S) ([]proto.Message, error)) (Result, []proto.Message, error) {
	cmd := aggregate.Command[S]{
		Stream:          stream,
		Meta:            r.Meta(now),
		ExpectedVersion: r.ExpectedVersion,
		Decide:          decide,
	}
	if visible != nil {
		cmd.Visible = func(st S) error {
			if !visible(st) {
				return notFound(stream.Aggregate, stream.ID)
			}
			return nil
		}
	}
	res, err := repo.Handle(ctx, cmd)
	if err != nil {
		return Result{}, nil, err
	}
	return Result{ID: stream.ID, StreamVersion: res.StreamVersion, Position: res.Position, Duplicate: res.Duplicate}, res.Events, nil
}

func (s *Service) onProvider(ctx context.Context, r Request, providerID string, c func(a domain.Actor, now time.Time) domain.ProviderCommand) (Result, error) {
	now := s.now()
	// Another provider's profile does not exist for a provider.
	visible := func(st domain.ProviderState) bool {
		return !st.Registered() || canSeeProvider(r.Principal, st.ProviderID)
	}
	res, _, err := handle(ctx, s.providers, r, providerStream(providerID), now, visible, func(st domain.ProviderState) ([]proto.Message, error) {
		return domain.DecideProvider(st, c(actorOf(r), now))
	})
	return res, err
}

func (s *Service) onDps(ctx context.Context, r Request, dpsID string, c func(a domain.Actor, now time.Time) domain.DpsCommand) (Result, error) {
	now := s.now()
	// A DPS is public: every provider may apply to it.
	res, _, err := handle(ctx, s.dps, r, dpsStream(dpsID), now, nil, func(st domain.DpsState) ([]proto.Message, error) {
		return domain.DecideDps(st, c(actorOf(r), now))
	})
	return res, err
}

func (s *Service) onReferral(ctx context.Context, r Request, referralID string, c func(a domain.Actor, now time.Time) domain.ReferralCommand) (Result, []proto.Message, error) {
	now := s.now()
	visible := func(st domain.ReferralState) bool { return !st.Exists() || canSeeReferralState(r.Principal, st) }
	return handle(ctx, s.referrals, r, referralStream(referralID), now, visible, func(st domain.ReferralState) ([]proto.Message, error) {
		return domain.DecideReferral(st, c(actorOf(r), now))
	})
}

// providerFacts reads what DPS rules need to know of a provider, from its
// own stream (not the read model), at decision time.
func (s *Service) providerFacts(ctx context.Context, providerID string, now time.Time) (domain.ProviderFacts, error) {
	l, err := s.providers.Load(ctx, providerStream(providerID))
	if err != nil {
		return domain.ProviderFacts{}, err
	}
	st := l.State
	return domain.ProviderFacts{Registered: st.Registered(), Name: st.Name(), ExpiredAccreditations: st.ExpiredAccreditations(now)}, nil
}
