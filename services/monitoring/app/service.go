// Package app holds the contract monitoring service's use cases, one file
// each: commands from councils, providers and the consortium lead; queries
// over a read model built from this context's events and from purchasing's,
// framework's and demand's; and two reactions (bus consumers): contracts
// from awards, and risk levels re-assessed on new evidence.
package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/kit/snapshot"
	"github.com/carecoop/carecoop/services/kit/sweep"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// Context is the bounded context name in stream ids and subjects.
const Context = "monitoring"

// Aggregate names.
const (
	ContractAggregate = "contract"
	SettingAggregate  = "setting"
	ProviderAggregate = "provider"
	PolicyAggregate   = "policy"
	RiskAggregate     = "risk"
	InboxAggregate    = "inbox"
	// SweepAggregate holds one stream per sweep period, claimed by the
	// replica that runs it.
	SweepAggregate = "sweep"
)

// Service is the contract monitoring application.
type Service struct {
	store     eventstore.Store
	contracts *aggregate.Repository[domain.ContractState]
	settings  *aggregate.Repository[domain.SettingState]
	providers *aggregate.Repository[domain.ProviderState]
	policies  *aggregate.Repository[domain.PolicyState]
	risks     *aggregate.Repository[domain.RiskState]
	inboxes   *aggregate.Repository[domain.InboxState]
	model     *ReadModel
	runner    *projection.Runner
	log       *zap.Logger
	now       func() time.Time
	// SweepEvery is how often overdue returns are looked for (they move
	// risk levels without any event).
	sweepEvery time.Duration
}

// Option changes a Service.
type Option func(*Service)

// WithClock replaces the wall clock.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithSweepEvery sets how often the overdue-returns sweep runs (0: never,
// tests call Sweep themselves).
func WithSweepEvery(d time.Duration) Option { return func(s *Service) { s.sweepEvery = d } }

// repo is a repository of one aggregate; fold, when not nil, loads it
// (aggregate.Evolver.Fold).
func repo[S any](store eventstore.Store, evolve func(S, proto.Message) S, fold func(S, []proto.Message) S) *aggregate.Repository[S] {
	return aggregate.New(store, aggregate.Evolver[S]{Initial: func() S { var s S; return s }, Evolve: evolve, Fold: fold})
}

// New returns the service over store; call Start before serving queries.
func New(store eventstore.Store, log *zap.Logger, opts ...Option) *Service {
	// Read models' and long aggregates' snapshots, in the service's bucket
	// when there is one (aggsnap.go).
	snaps := snapshot.For(store, Context)
	s := &Service{
		store:      store,
		contracts:  repo(store, domain.EvolveContract, domain.FoldContract).WithSnapshots(snaps, aggsnapContractCodec),
		settings:   repo(store, domain.EvolveSetting, domain.FoldSetting).WithSnapshots(snaps, aggsnapSettingCodec),
		providers:  repo(store, domain.EvolveProvider, nil),
		policies:   repo(store, domain.EvolvePolicy, nil),
		risks:      repo(store, domain.EvolveRisk, domain.FoldRisk).WithSnapshots(snaps, aggsnapRiskCodec),
		inboxes:    repo(store, domain.EvolveInbox, domain.FoldInbox).WithSnapshots(snaps, aggsnapInboxCodec),
		model:      NewReadModel(),
		log:        log,
		now:        time.Now,
		sweepEvery: time.Hour,
	}
	for _, o := range opts {
		o(s)
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	// Settings and providers come from purchasing's register, frameworks
	// from framework's events, the disclosure threshold from demand's.
	filters := []string{
		eventstore.ContextFilter(Context),
		eventstore.AggregateFilter("purchasing", "provider"),
		eventstore.AggregateFilter("purchasing", "dps"),
		eventstore.ContextFilter("framework"),
		eventstore.AggregateFilter("demand", "policy"),
	}
	s.runner = projection.NewRunner("monitoring", store, filters, s.model.Apply, s.log)
	s.runner.Own = Context // its own events unknown to this binary stop it: older than its data
	// Restored from its snapshot in the service's bucket, when there is one.
	s.runner.WithSnapshots(s.model, snaps, 0, 0)
	return s
}

// Ready is nil while the read model follows the store; the service's
// health reports it (NOT_SERVING otherwise).
func (s *Service) Ready() error { return s.runner.Ready() }

// Start builds the read model, then keeps it following and runs the
// reactions and the sweep until ctx ends.
func (s *Service) Start(ctx context.Context) error {
	if err := s.runner.Start(ctx); err != nil {
		return err
	}
	go bus.Follow(ctx, s.store, s.reaction(contractsDurable, contractSources), s.onAward)
	go bus.Follow(ctx, s.store, s.reaction(riskDurable, riskSources), s.onEvidence)
	if s.sweepEvery > 0 {
		go sweep.Run(ctx, s.sweeper())
	}
	return nil
}

// ReadModel exposes the read model (tests and benchmarks).
func (s *Service) ReadModel() *ReadModel { return s.model }

// Request is what every command carries besides its own fields.
type Request = aggregate.Request

// Result answers every command.
type Result struct {
	ID            string
	StreamVersion uint64
	Position      uint64
}

func actorOf(r Request) domain.Actor {
	return domain.Actor{Subject: r.Principal.Subject, Organisation: r.Principal.Organisation, Role: r.Role}
}

func stream(aggregateName, id string) eventstore.StreamID {
	return eventstore.StreamID{Context: Context, Aggregate: aggregateName, ID: id}
}

// evidenceID names what a command creates (a visit, an incident, a recorded
// placement) after the request, so a retried request names the same one.
func evidenceID(prefix string, r Request) string {
	sum := sha256.Sum256([]byte(r.Key()))
	return prefix + hex.EncodeToString(sum[:8])
}

// handleRequest runs a caller's command on one aggregate, decided at now,
// refused as stale (ABORTED, nothing written) when the caller's expected
// version is not the aggregate's.
func handleRequest[S any](ctx context.Context, repo *aggregate.Repository[S], r Request, sid eventstore.StreamID, now time.Time, decide func(S) ([]proto.Message, error)) (Result, error) {
	return run(ctx, repo, aggregate.Command[S]{Stream: sid, Meta: r.Meta(now), ExpectedVersion: r.ExpectedVersion, Decide: decide})
}

// handle runs a reaction's command on one aggregate (no caller, no
// expected version).
func handle[S any](ctx context.Context, repo *aggregate.Repository[S], sid eventstore.StreamID, meta eventstore.Metadata, decide func(S) ([]proto.Message, error)) (Result, error) {
	return run(ctx, repo, aggregate.Command[S]{Stream: sid, Meta: meta, Decide: decide})
}

func run[S any](ctx context.Context, repo *aggregate.Repository[S], cmd aggregate.Command[S]) (Result, error) {
	res, err := repo.Handle(ctx, cmd)
	if err != nil {
		return Result{}, err
	}
	return Result{ID: cmd.Stream.ID, StreamVersion: res.StreamVersion, Position: res.Position}, nil
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
