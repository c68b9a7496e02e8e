// Package app holds the aggregated demand service's use cases, one file
// each: needs returns (submitted, withdrawn) and the disclosure policy as
// commands, and queries over
// a read model built from this context's events and purchasing's (live
// demand and supply).
package app

import (
	"context"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// Context is the bounded context name in stream ids and subjects.
const Context = "demand"

// Aggregate names.
const (
	ReturnAggregate = "return"
	PolicyAggregate = "policy"
)

// Service is the aggregated demand application.
type Service struct {
	returns  *aggregate.Repository[domain.ReturnState]
	policies *aggregate.Repository[domain.PolicyState]
	model    *ReadModel
	runner   *projection.Runner
	now      func() time.Time
}

// Option changes a Service.
type Option func(*Service)

// WithClock replaces the wall clock.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the service over store; call Start before serving queries.
func New(store eventstore.Store, log *zap.Logger, opts ...Option) *Service {
	s := &Service{
		returns:  aggregate.New(store, aggregate.Evolver[domain.ReturnState]{Initial: func() domain.ReturnState { return domain.ReturnState{} }, Evolve: domain.EvolveReturn}),
		policies: aggregate.New(store, aggregate.Evolver[domain.PolicyState]{Initial: func() domain.PolicyState { return domain.PolicyState{} }, Evolve: domain.EvolvePolicy}),
		model:    NewReadModel(),
		now:      time.Now,
	}
	for _, o := range opts {
		o(s)
	}
	// Live demand and supply come from purchasing's published events.
	filters := []string{eventstore.ContextFilter(Context), eventstore.ContextFilter("purchasing")}
	s.runner = projection.NewRunner("demand", store, filters, s.model.Apply, log)
	s.runner.Own = Context // its own events unknown to this binary stop it: older than its data
	// Restored from its snapshot in the service's bucket, when there is one.
	s.runner.WithSnapshots(s.model, snapshot.For(store, Context), 0, 0)
	return s
}

// Ready is nil while the read model follows the store; the service's
// health reports it (NOT_SERVING otherwise).
func (s *Service) Ready() error { return s.runner.Ready() }

// Start builds the read model and keeps it following until ctx ends.
func (s *Service) Start(ctx context.Context) error { return s.runner.Start(ctx) }

// ReadModel exposes the read model (tests and benchmarks).
func (s *Service) ReadModel() *ReadModel { return s.model }

// Request is what every command carries besides its own fields.
type Request = aggregate.Request

// Result answers every command.
type Result struct {
	ID            string
	StreamVersion uint64
	Position      uint64
	// Submission is the needs return submission made or withdrawn.
	Submission uint32
}

func actorOf(r Request) domain.Actor {
	return domain.Actor{Subject: r.Principal.Subject, Organisation: r.Principal.Organisation, Role: r.Role}
}

// handle runs one command on one aggregate through its repository, decided
// at now, with the caller's expected version.
func handle[S any](ctx context.Context, repo *aggregate.Repository[S], r Request, stream eventstore.StreamID, now time.Time, decide func(S) ([]proto.Message, error)) (Result, error) {
	res, err := repo.Handle(ctx, aggregate.Command[S]{Stream: stream, Meta: r.Meta(now), ExpectedVersion: r.ExpectedVersion, Decide: decide})
	if err != nil {
		return Result{}, err
	}
	out := Result{ID: stream.ID, StreamVersion: res.StreamVersion, Position: res.Position}
	for _, e := range res.Events {
		switch e := e.(type) {
		case *demandv1.NeedsReturnSubmitted:
			out.Submission = e.GetSubmission()
		case *demandv1.NeedsReturnWithdrawn:
			out.Submission = e.GetSubmission()
		}
	}
	return out, nil
}

// read waits until the read model has applied minPosition, then calls fn
// under its read lock; it returns the position the answer reflects.
func (s *Service) read(ctx context.Context, minPosition uint64, fn func(m *ReadModel) error) (uint64, error) {
	if err := s.runner.WaitFor(ctx, minPosition); err != nil {
		return 0, err
	}
	s.model.mu.RLock()
	defer s.model.mu.RUnlock()
	return s.runner.Position(), fn(s.model)
}
