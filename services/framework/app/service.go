// Package app holds the framework service's use cases, one file each: command
// handlers that load a framework, let the domain decide and append the
// decision through the kit repository, and queries over the read model.
package app

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/kit/snapshot"
)

// Context is the bounded context name in stream ids and subjects.
const Context = "framework"

// Aggregate is the framework agreement's aggregate name in stream ids.
const Aggregate = "framework"

// Service is the framework management application.
type Service struct {
	repo   *aggregate.Repository[domain.State]
	model  *ReadModel
	runner *projection.Runner
	now    func() time.Time
	store  eventstore.Store
	log    *zap.Logger
}

// Option changes a Service.
type Option func(*Service)

// WithClock replaces the wall clock (tests drive bidding deadlines with it).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the service over store; call Start before serving queries.
func New(store eventstore.Store, log *zap.Logger, opts ...Option) *Service {
	// Read model's and frameworks' snapshots, in the service's bucket when
	// there is one (aggsnap.go).
	snaps := snapshot.For(store, Context)
	s := &Service{
		repo:  aggregate.New(store, aggregate.Evolver[domain.State]{Initial: domain.Initial, Evolve: domain.Evolve, Fold: domain.Fold}).WithSnapshots(snaps, aggsnapFrameworkCodec),
		model: NewReadModel(),
		now:   time.Now,
		store: store,
		log:   log,
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	s.runner = projection.NewRunner("framework", store, []string{eventstore.ContextFilter(Context), providerFilter}, s.model.Apply, log)
	s.runner.Own = Context // its own events unknown to this binary stop it: older than its data
	// Restored from its snapshot in the service's bucket, when there is one.
	s.runner.WithSnapshots(s.model, snaps, 0, 0)
	for _, o := range opts {
		o(s)
	}
	return s
}

// Start builds the read model from the store and keeps it following until
// ctx ends; then it starts the reaction to monitoring's risk levels
// (ReactToRiskLevel), which runs in the background until ctx ends.
func (s *Service) Start(ctx context.Context) error {
	if err := s.runner.Start(ctx); err != nil {
		return err
	}
	go s.riskLevels().Follow(ctx, s.store)
	go bus.Follow(ctx, s.store, s.calloffSources(), s.RecordCallOff)
	return nil
}

// Ready is nil while the read model follows the store; the service's
// health reports it (NOT_SERVING otherwise).
func (s *Service) Ready() error { return s.runner.Ready() }

// Position is the global position the read model has applied.
func (s *Service) Position() uint64 { return s.runner.Position() }

// ReadModel exposes the read model (the restart test compares two of them).
func (s *Service) ReadModel() *ReadModel { return s.model }

func streamOf(frameworkID string) eventstore.StreamID {
	return eventstore.StreamID{Context: Context, Aggregate: Aggregate, ID: frameworkID}
}

// readFramework waits for minPosition, then calls read with the framework's
// view under the read model's lock, if the caller may see the framework at
// all. It returns the position the answer reflects.
func (s *Service) readFramework(ctx context.Context, p auth.Principal, frameworkID string, minPosition uint64, read func(v *frameworkView) error) (uint64, error) {
	if err := s.runner.WaitFor(ctx, minPosition); err != nil {
		return 0, err
	}
	pos := s.runner.Position()
	s.model.mu.RLock()
	defer s.model.mu.RUnlock()
	v := s.model.frameworks[frameworkID]
	if v == nil || !canSeeFramework(p, v.fw) {
		return 0, notFound(frameworkID)
	}
	return pos, read(v)
}
