package app

import (
	"context"
	"slices"
	"sync"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/projection"
	"github.com/carecoop/carecoop/services/kit/snapshot"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// AgreementAggregate names agreement streams.
const AgreementAggregate = "agreement"

// AgreementDurable names the reaction that draws an agreement on each award
// and records the placement's end from monitoring. It is part of every
// reaction's request id: never rename it, or agreements would be drawn again.
const AgreementDurable = "purchasing-agreements"

// Agreements is the placement agreements' part of the purchasing service:
// their repository, their read model (its own projection, over agreement
// streams only) and the reaction that draws them.
type Agreements struct {
	svc    *Service
	repo   *aggregate.Repository[domain.AgreementState]
	model  *agrModel
	runner *projection.Runner
}

// NewAgreements returns the agreements of svc's store; call Start before
// serving.
func NewAgreements(svc *Service) *Agreements {
	a := &Agreements{
		svc:   svc,
		repo:  aggregate.New(svc.store, aggregate.Evolver[domain.AgreementState]{Initial: domain.InitialAgreement, Evolve: domain.EvolveAgreement, Fold: domain.FoldAgreement}).WithSnapshots(snapshot.For(svc.store, Context), aggsnapAgreementCodec),
		model: &agrModel{byID: map[string]*agrRM{}},
	}
	a.runner = projection.NewRunner("purchasing-agreements", svc.store, []string{eventstore.AggregateFilter(Context, AgreementAggregate)}, a.model.apply, svc.log)
	a.runner.Own = Context
	a.runner.WithSnapshots(a.model, snapshot.For(svc.store, Context), 0, 0)
	svc.agrlogAgr = a
	return a
}

// Start builds the read model, then runs the reaction until ctx ends.
func (a *Agreements) Start(ctx context.Context) error {
	if err := a.runner.Start(ctx); err != nil {
		return err
	}
	go bus.Follow(ctx, a.svc.store, bus.Config{
		Durable:        AgreementDurable,
		FilterSubjects: []string{eventstore.AggregateFilter(Context, ReferralAggregate), eventstore.AggregateFilter("monitoring", "contract")},
		Types: []string{
			string((&purchasingv1.PlacementAwarded{}).ProtoReflect().Descriptor().FullName()),
			string((&monitoringv1.ContractEnded{}).ProtoReflect().Descriptor().FullName()),
		},
		Logger: a.svc.log,
	}, a.React)
	return nil
}

// Ready is nil while the read model follows the store.
func (a *Agreements) Ready() error { return a.runner.Ready() }

// Runner is the agreements' projection, for the status API.
func (a *Agreements) Runner() *projection.Runner { return a.runner }

func agrStream(id string) eventstore.StreamID {
	return eventstore.StreamID{Context: Context, Aggregate: AgreementAggregate, ID: id}
}

// agrSystem is who an agreement's drawing is recorded as: the platform,
// acting on the award.
var agrSystem = eventstore.Actor{Subject: PolicySubject, Organisation: "platform", Role: "service"}

// React is the bus handler, idempotent per event: a redelivered award
// finds its agreement already committed (same request id) and changes
// nothing; a refusal is logged, since retrying cannot change it.
func (a *Agreements) React(ctx context.Context, e eventstore.RecordedEvent) error {
	var (
		id     string
		decide func(domain.AgreementState) ([]proto.Message, error)
	)
	now := a.svc.now()
	switch ev := e.Event.(type) {
	case *purchasingv1.PlacementAwarded:
		terms, err := a.agrTermsOf(ctx, ev)
		if err != nil {
			return err
		}
		id = domain.AgreementIDFor(ev.GetPlacementId())
		decide = func(st domain.AgreementState) ([]proto.Message, error) {
			return domain.DecideAgreement(st, domain.DrawAgreement{Now: now, AgreementID: id, Terms: terms})
		}
	case *monitoringv1.ContractEnded:
		if ev.GetKind() != monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT {
			return nil
		}
		id = domain.AgreementIDFor(ev.GetContractId())
		decide = func(st domain.AgreementState) ([]proto.Message, error) {
			if !st.Exists() {
				return nil, nil // a placement made outside the platform has no agreement
			}
			return domain.DecideAgreement(st, domain.RecordAgreementPlacementEnded{EndDate: ev.GetEndDate(), ReasonCode: ev.GetReasonCode()})
		}
	default:
		return nil
	}
	meta := bus.ReactionMeta(AgreementDurable, e, agrSystem)
	meta.OccurredAt = now
	_, err := a.repo.Handle(ctx, aggregate.Command[domain.AgreementState]{Stream: agrStream(id), Meta: meta, Decide: decide})
	if _, refused := domainerr.As(err); refused {
		a.svc.log.Error("an agreement reaction was refused", zap.String("agreement_id", id), zap.String("event_id", e.EventID), zap.Error(err))
		return nil
	}
	return err
}

// agrTermsOf gathers the terms that apply to an award from purchasing's own
// streams: the provider and setting, the DPS and category, the offer. Of
// the referral it keeps nothing about the child: not its needs, nor any
// text the council wrote.
func (a *Agreements) agrTermsOf(ctx context.Context, ev *purchasingv1.PlacementAwarded) (*purchasingv1.AgreementTerms, error) {
	t := &purchasingv1.AgreementTerms{
		PlacementId: ev.GetPlacementId(), ReferralId: ev.GetReferralId(), Consortium: ev.GetConsortium(), Council: ev.GetCouncil(),
		ProviderId: ev.GetProviderId(), SettingUrn: ev.GetSettingUrn(), SettingType: ev.GetSettingType(),
		DpsId: ev.GetDpsId(), CategoryId: ev.GetCategoryId(), StartDate: ev.GetStartDate(),
		FrameworkId: ev.GetCallOff().GetFrameworkId(), LotId: ev.GetCallOff().GetLotId(),
		Prices: []*purchasingv1.AgreementPrice{{FromDate: ev.GetStartDate(), WeeklyPricePence: ev.GetWeeklyPricePence()}},
	}
	prov, err := a.svc.providers.Load(ctx, providerStream(ev.GetProviderId()))
	if err != nil {
		return nil, err
	}
	t.ProviderName = prov.State.Name()
	if st := prov.State.Settings[ev.GetSettingUrn()]; st != nil {
		t.SettingName = st.Setting.GetName()
	}
	dps, err := a.svc.dps.Load(ctx, dpsStream(ev.GetDpsId()))
	if err != nil {
		return nil, err
	}
	t.DpsTitle = dps.State.Terms.GetTitle()
	if c, ok := dps.State.Category(ev.GetCategoryId()); ok {
		t.CategoryName = c.GetName()
	}
	ref, err := a.svc.referrals.Load(ctx, referralStream(ev.GetReferralId()))
	if err != nil {
		return nil, err
	}
	if o := ref.State.Offer(ev.GetOfferId()); o != nil {
		t.PriceIncludes = o.Offer.GetNote()
	}
	return t, nil
}

// agrModel holds every agreement's state, folded from its stream.
type agrModel struct {
	mu    sync.RWMutex
	byID  map[string]*agrRM
	order []string
}

type agrRM struct {
	state   domain.AgreementState
	version uint64
}

func (m *agrModel) apply(commit []eventstore.RecordedEvent) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range commit {
		id := e.StreamID.ID
		r := m.byID[id]
		if r == nil {
			r = &agrRM{state: domain.InitialAgreement()}
			m.byID[id] = r
			m.order = append(m.order, id)
		}
		r.state = domain.EvolveAgreement(r.state, e.Event)
		r.version = e.Version
	}
	return nil
}

// read waits until the agreements' model has applied minPosition, then
// calls fn under its read lock; it returns the position the answer reflects.
func (a *Agreements) read(ctx context.Context, minPosition uint64, fn func(m *agrModel) error) (uint64, error) {
	if err := a.runner.WaitFor(ctx, minPosition); err != nil {
		return 0, err
	}
	a.model.mu.RLock()
	defer a.model.mu.RUnlock()
	return a.runner.Position(), fn(a.model)
}

// visible lists the agreements p may see, oldest first.
func (m *agrModel) visible(p auth.Principal) []*agrRM {
	var out []*agrRM
	for _, id := range m.order {
		if r := m.byID[id]; r.state.Exists() && agrCanSee(p, r.state) {
			out = append(out, r)
		}
	}
	return slices.Clip(out)
}
