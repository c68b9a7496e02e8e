package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/aggregate"
)

// Request is what every command carries besides its own fields.
type Request = aggregate.Request

// Result answers every command.
type Result struct {
	FrameworkID   string
	StreamVersion uint64
	Position      uint64
	// UpliftID is set by RequestPriceUplift.
	UpliftID string
	// Duplicate: the request id had been handled; this is the first answer.
	Duplicate bool
}

// newFrameworkID derives the id from the drafting organisation and the
// request id, so a retried draft lands on the same stream and is applied once.
func newFrameworkID(organisation, requestID string) string {
	sum := sha256.Sum256([]byte(organisation + "\x00" + requestID))
	return "fw-" + hex.EncodeToString(sum[:10])
}

// execute runs one command against one framework through the kit repository.
// The command is decided at one instant, which is also when its events are
// recorded to have occurred.
func (s *Service) execute(ctx context.Context, r Request, frameworkID string, build func(a domain.Actor, now time.Time) domain.Command) (Result, []proto.Message, error) {
	actor := domain.NewActor(r.Principal.Subject, r.Principal.Organisation, r.Role)
	now := s.now()
	res, err := s.repo.Handle(ctx, aggregate.Command[domain.State]{
		Stream:          streamOf(frameworkID),
		Meta:            r.Meta(now),
		ExpectedVersion: r.ExpectedVersion,
		Visible: func(st domain.State) error {
			if !canSeeState(r.Principal, st) {
				return notFound(frameworkID)
			}
			return nil
		},
		Decide: func(st domain.State) ([]proto.Message, error) {
			return domain.Decide(st, build(actor, now))
		},
	})
	if err != nil {
		return Result{}, nil, err
	}
	return Result{FrameworkID: frameworkID, StreamVersion: res.StreamVersion, Position: res.Position, Duplicate: res.Duplicate}, res.Events, nil
}

// run is execute for commands whose answer needs nothing from their events.
func (s *Service) run(ctx context.Context, r Request, frameworkID string, build func(a domain.Actor, now time.Time) domain.Command) (Result, error) {
	res, _, err := s.execute(ctx, r, frameworkID, build)
	return res, err
}
