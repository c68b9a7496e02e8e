// Package app holds the dynamic purchasing service's use cases, one file
// each: command handlers that load an aggregate, gather the facts its rules
// need, let the domain decide and append through the kit repository; and
// queries over the read model.
package app

import (
	"context"
	"time"

	"go.uber.org/zap"

	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/kit/snapshot"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// Context is the bounded context name in stream ids and subjects.
const Context = "purchasing"

// Aggregate names in stream ids.
const (
	ProviderAggregate = "provider"
	DpsAggregate      = "dps"
	ReferralAggregate = "referral"
)

// Service is the dynamic purchasing application.
type Service struct {
	providers *aggregate.Repository[domain.ProviderState]
	dps       *aggregate.Repository[domain.DpsState]
	referrals *aggregate.Repository[domain.ReferralState]
	// blk, when set (NewBlockContracts), puts reserved places first in matching.
	blk *BlockContracts
	// agrlogAgr, when set (NewAgreements), adds agreements to decision logs.
	agrlogAgr *Agreements
	store     eventstore.Store
	model     *ReadModel
	runner    *projection.Runner
	now       func() time.Time
	log       *zap.Logger
}

// Option changes a Service.
type Option func(*Service)

// WithClock replaces the wall clock (tests drive deadlines with it).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the service over store; call Start before serving queries.
func New(store eventstore.Store, log *zap.Logger, opts ...Option) *Service {
	s := &Service{
		providers: aggregate.New(store, aggregate.Evolver[domain.ProviderState]{Initial: domain.InitialProvider, Evolve: domain.EvolveProvider, Fold: domain.FoldProvider}).WithSnapshots(snapshot.For(store, Context), aggsnapProviderCodec),
		dps:       aggregate.New(store, aggregate.Evolver[domain.DpsState]{Initial: domain.InitialDps, Evolve: domain.EvolveDps, Fold: domain.FoldDps}).WithSnapshots(snapshot.For(store, Context), aggsnapDpsCodec),
		referrals: aggregate.New(store, aggregate.Evolver[domain.ReferralState]{Initial: domain.InitialReferral, Evolve: domain.EvolveReferral, Fold: domain.FoldReferral}),
		store:     store,
		now:       time.Now,
		log:       log,
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	for _, o := range opts {
		o(s)
	}
	s.model = NewReadModel(func() time.Time { return s.now() })
	// Monitoring's settings carry Ofsted's recorded judgements, which
	// supersede the grades providers declare.
	s.runner = projection.NewRunner("purchasing", store, []string{eventstore.ContextFilter(Context), eventstore.AggregateFilter("monitoring", "setting"), eventstore.ContextFilter(calloffContext)}, s.model.Apply, log)
	s.runner.Own = Context // its own events unknown to this binary stop it: older than its data
	// Restored from its snapshot in the service's bucket, when there is one.
	s.runner.WithSnapshots(s.model, snapshot.For(store, Context), 0, 0)
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
	go bus.Follow(ctx, s.store, s.vacSources(), s.ReactToPlacements)
	return nil
}

// Ready is nil while the read model follows the store; the service's
// health reports it (NOT_SERVING otherwise).
func (s *Service) Ready() error { return s.runner.Ready() }

// Position is the global position the read model has applied.
func (s *Service) Position() uint64 { return s.runner.Position() }

// ReadModel exposes the read model (restart and benchmark tests use it).
func (s *Service) ReadModel() *ReadModel { return s.model }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

func providerStream(id string) eventstore.StreamID {
	return eventstore.StreamID{Context: Context, Aggregate: ProviderAggregate, ID: id}
}

func dpsStream(id string) eventstore.StreamID {
	return eventstore.StreamID{Context: Context, Aggregate: DpsAggregate, ID: id}
}

func referralStream(id string) eventstore.StreamID {
	return eventstore.StreamID{Context: Context, Aggregate: ReferralAggregate, ID: id}
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
