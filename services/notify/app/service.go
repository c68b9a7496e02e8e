// Package app holds the notifications service's use cases, one file each:
// contacts set by organisations' admins, a person's notifications, read
// marks and preferences, the platform admin's delivery failures and the dev
// outbox; a read model built from this context's events and the facts it
// needs from purchasing's, framework's and monitoring's (contacts, names,
// referrals, DPSs, frameworks); and one reaction (reactions.go) that
// decides who is told of each event and hands the messages to a channel
// (deliver.go).
package app

import (
	"context"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/kit/snapshot"
	"github.com/carecoop/carecoop/services/kit/sweep"
	"github.com/carecoop/carecoop/services/notify/channel"
	"github.com/carecoop/carecoop/services/notify/channel/outbox"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// Context is the bounded context name in stream ids and subjects.
const Context = "notify"

// Aggregate names.
const (
	CauseAggregate     = "cause"
	DirectoryAggregate = "directory"
	PersonAggregate    = "person"
	DigestAggregate    = "digest"
	// SweepAggregate holds one stream per sweep period, claimed by the
	// replica that runs it.
	SweepAggregate = "sweep"
)

// Service is the notifications application.
type Service struct {
	store       eventstore.Store
	causes      *aggregate.Repository[domain.CauseState]
	directories *aggregate.Repository[domain.DirectoryState]
	people      *aggregate.Repository[domain.PersonState]
	digests     *aggregate.Repository[domain.DigestState]
	model       *ReadModel
	runner      *projection.Runner
	log         *zap.Logger
	now         func() time.Time
	channel     channel.Channel
	portalURL   string
	dev         bool
	maxAge      time.Duration
	parallel    int
	sendDigests bool
	// sweepEvery and noOfferAfter: see sweep.go.
	sweepEvery   time.Duration
	noOfferAfter time.Duration
}

// Option changes a Service.
type Option func(*Service)

// WithClock replaces the wall clock.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithChannel sets where messages go (the dev outbox by default).
func WithChannel(c channel.Channel) Option { return func(s *Service) { s.channel = c } }

// WithPortalURL sets the portal's address, which every message links to.
func WithPortalURL(u string) Option { return func(s *Service) { s.portalURL = u } }

// WithDev marks the service as `carecoop dev`'s: ListOutbox answers.
func WithDev(dev bool) Option { return func(s *Service) { s.dev = dev } }

// WithMaxAge sets how old an event may be and still be notified (0: any).
// A service deployed on a platform with history does not email everyone
// about what happened last year: its reaction starts at the first event.
func WithMaxAge(d time.Duration) Option { return func(s *Service) { s.maxAge = d } }

// WithDigests sets whether the sweep sends the daily digests (tests call
// SendDigests themselves).
func WithDigests(on bool) Option { return func(s *Service) { s.sendDigests = on } }

// repo is a repository of one aggregate.
func repo[S any](store eventstore.Store, evolve func(S, proto.Message) S, fold func(S, []proto.Message) S) *aggregate.Repository[S] {
	return aggregate.New(store, aggregate.Evolver[S]{Initial: func() S { var s S; return s }, Evolve: evolve, Fold: fold})
}

// New returns the service over store; call Start before serving queries.
func New(store eventstore.Store, log *zap.Logger, opts ...Option) *Service {
	s := &Service{
		store:        store,
		causes:       repo(store, domain.EvolveCause, domain.FoldCause),
		directories:  repo(store, domain.EvolveDirectory, domain.FoldDirectory),
		people:       repo(store, domain.EvolvePerson, domain.FoldPerson),
		digests:      repo(store, domain.EvolveDigest, nil),
		model:        NewReadModel(),
		log:          log,
		now:          time.Now,
		channel:      outbox.Channel{},
		portalURL:    "http://127.0.0.1:8080",
		maxAge:       24 * time.Hour,
		parallel:     16,
		sendDigests:  true,
		sweepEvery:   time.Hour,
		noOfferAfter: DefaultNoOfferAfter,
	}
	for _, o := range opts {
		o(s)
	}
	s.model.keepOutbox = s.dev
	if s.log == nil {
		s.log = zap.NewNop()
	}
	s.runner = projection.NewRunner("notify", store, readModelSources, s.model.Apply, s.log)
	s.runner.Own = Context
	s.runner.WithSnapshots(s.model, snapshot.For(store, Context), 0, 0)
	return s
}

// Ready is nil while the read model follows the store.
func (s *Service) Ready() error { return s.runner.Ready() }

// Start builds the read model, then runs the reaction and the hourly
// sweep (with the digests) until ctx ends.
func (s *Service) Start(ctx context.Context) error {
	if err := s.runner.Start(ctx); err != nil {
		return err
	}
	go bus.Follow(ctx, s.store, s.reaction(), s.onEvent)
	if s.sweepEvery > 0 {
		go sweep.Run(ctx, s.sweeper())
	}
	return nil
}

// ReadModel exposes the read model (tests and benchmarks).
func (s *Service) ReadModel() *ReadModel { return s.model }

// ReadModels are the service's projections, for the kit's status API.
func (s *Service) ReadModels() []*projection.Runner { return []*projection.Runner{s.runner} }

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

func handleRequest[S any](ctx context.Context, repo *aggregate.Repository[S], r Request, sid eventstore.StreamID, now time.Time, decide func(S) ([]proto.Message, error)) (Result, error) {
	return run(ctx, repo, aggregate.Command[S]{Stream: sid, Meta: r.Meta(now), ExpectedVersion: r.ExpectedVersion, Decide: decide})
}

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
