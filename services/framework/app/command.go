package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// Request is what every command carries besides its own fields.
type Request struct {
	Principal auth.Principal
	// Role is the role the caller acts in (the one its policy entry matched).
	Role          string
	RequestID     string
	CorrelationID string
	// ExpectedVersion, when non-zero, makes the command fail as stale (ABORTED)
	// if the framework has moved on since the caller read it.
	ExpectedVersion uint64
}

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

// requestKey is the request id as stored: request ids are chosen by clients,
// so two callers may pick the same one, and only the same caller sending it
// again is a retry. The client's id is the part after the last '/' (request
// ids never contain one): see clientRequestID.
func requestKey(p auth.Principal, requestID string) string {
	if requestID == "" {
		return ""
	}
	return p.Organisation + "/" + p.Subject + "/" + requestID
}

// clientRequestID is the client's own request id in a stored request key.
func clientRequestID(key string) string {
	return key[strings.LastIndexByte(key, '/')+1:]
}

// execute runs one command against one framework through the kit repository.
// The command is decided at one instant, which is also when its events are
// recorded to have occurred.
func (s *Service) execute(ctx context.Context, r Request, frameworkID string, build func(a domain.Actor, now time.Time) domain.Command) (Result, []proto.Message, error) {
	actor := domain.NewActor(r.Principal.Subject, r.Principal.Organisation, r.Role)
	now := s.now()
	res, err := s.repo.Handle(ctx, aggregate.Command[domain.State]{
		Stream: streamOf(frameworkID),
		Meta: eventstore.Metadata{
			Actor:         eventstore.Actor{Subject: r.Principal.Subject, Organisation: r.Principal.Organisation, Role: r.Role},
			CorrelationID: r.CorrelationID,
			RequestID:     requestKey(r.Principal, r.RequestID),
			OccurredAt:    now,
		},
		ExpectedVersion: r.ExpectedVersion,
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
