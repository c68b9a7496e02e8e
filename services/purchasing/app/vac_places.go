package app

import (
	"context"
	"fmt"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// VacancyDurable names purchasing's durable consumer of awards and
// placement endings. It is part of every reaction's request id: never
// rename it, or past awards would take their places again.
const VacancyDurable = "purchasing-vacancies"

// vacSystem is who the reaction's decisions are recorded as.
var vacSystem = eventstore.Actor{Subject: PolicySubject, Organisation: "platform", Role: domain.RoleSystem}

// vacSources: purchasing's own awards and monitoring's contract endings.
func (s *Service) vacSources() bus.Config {
	return bus.Config{
		Durable:        VacancyDurable,
		FilterSubjects: []string{eventstore.AggregateFilter(Context, ReferralAggregate), eventstore.AggregateFilter("monitoring", "contract")},
		Types:          []string{string(proto.MessageName(&purchasingv1.PlacementAwarded{})), string(proto.MessageName(&monitoringv1.ContractEnded{}))},
		Logger:         s.log,
	}
}

// ReactToPlacements is the bus handler: an award takes its places at the
// setting, a placement's end frees them, each on the provider's stream
// with the event as its cause. It is idempotent per event (the request id)
// and per placement (the provider's stream knows which placements hold
// places), so a redelivered award takes one place only. A refusal is
// logged, not retried: retrying cannot change it.
func (s *Service) ReactToPlacements(ctx context.Context, e eventstore.RecordedEvent) error {
	meta := bus.ReactionMeta(VacancyDurable, e, vacSystem)
	meta.OccurredAt = s.now()
	actor := domain.Actor{Subject: vacSystem.Subject, Organisation: vacSystem.Organisation, Role: vacSystem.Role}
	var provider string
	var c domain.ProviderCommand
	switch ev := e.Event.(type) {
	case *purchasingv1.PlacementAwarded:
		provider = ev.GetProviderId()
		c = domain.TakePlace{Actor: actor, Now: meta.OccurredAt, Award: ev, AwardedAt: e.OccurredAt}
	case *monitoringv1.ContractEnded:
		if ev.GetKind() != monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT || ev.GetProviderId() == "" {
			return nil
		}
		provider = ev.GetProviderId()
		// A placement's contract is named by its placement id.
		c = domain.FreePlace{Actor: actor, Now: meta.OccurredAt, PlacementID: ev.GetContractId(),
			Reason: fmt.Sprintf("the placement ended on %s", ev.GetEndDate())}
	default:
		return nil
	}
	_, err := s.providers.Handle(ctx, aggregate.Command[domain.ProviderState]{
		Stream: providerStream(provider),
		Meta:   meta,
		Decide: func(st domain.ProviderState) ([]proto.Message, error) { return domain.DecideProvider(st, c) },
	})
	if _, refused := domainerr.As(err); refused {
		s.log.Error("a vacancy change was refused", zap.String("reaction", VacancyDurable), zap.String("provider_id", provider),
			zap.String("event_id", e.EventID), zap.Error(err))
		return nil
	}
	return err
}

// vacTakeNow runs the reaction for a placement just awarded, so the next
// award on the setting sees the place taken without waiting for the bus;
// the bus's delivery of the same award then finds it done (same request
// id).
func (s *Service) vacTakeNow(ctx context.Context, referralID, placementID string) error {
	events, err := s.store.ReadStream(ctx, referralStream(referralID))
	if err != nil {
		return err
	}
	for _, e := range events {
		if p, ok := e.Event.(*purchasingv1.PlacementAwarded); ok && p.GetPlacementId() == placementID {
			return s.ReactToPlacements(ctx, e)
		}
	}
	return nil
}

// vacancyOf reads, from the provider's own stream, the free places of the
// setting an offer of the referral is for; nil when the offer or setting
// is unknown (the decider then says what is wrong).
func (s *Service) vacancyOf(ctx context.Context, referralID, offerID string) (*domain.Vacancy, error) {
	ref, err := s.referrals.Load(ctx, referralStream(referralID))
	if err != nil {
		return nil, err
	}
	o := ref.State.Offer(offerID)
	if o == nil {
		return nil, nil
	}
	p, err := s.providers.Load(ctx, providerStream(o.Offer.GetProviderId()))
	if err != nil {
		return nil, err
	}
	st := p.State.Settings[o.Offer.GetSettingUrn()]
	if st == nil {
		return nil, nil
	}
	return &domain.Vacancy{FreePlaces: st.FreePlaces}, nil
}
