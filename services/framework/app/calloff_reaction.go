package app

import (
	"context"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// CallOffDurable names the framework service's durable consumer of
// purchasing's placement awards. It is part of every reaction's request id:
// never rename it, or past call-offs would be recorded again.
const CallOffDurable = "framework-call-offs"

// calloffSources: purchasing's awards, which are on its referral streams.
func (s *Service) calloffSources() bus.Config {
	return bus.Config{
		Durable:        CallOffDurable,
		FilterSubjects: []string{eventstore.AggregateFilter(purchasingContext, "referral")},
		Types:          []string{string(proto.MessageName(&purchasingv1.PlacementAwarded{}))},
		Logger:         s.log,
	}
}

// RecordCallOff is the bus handler of the reaction to purchasing's
// PlacementAwarded: an award made under a framework lot (one with a
// call_off) is recorded as a call-off on that framework's stream, caused by
// the award and by the person who awarded it. Awards from the DPS are
// skipped. A refusal (an unknown framework or lot, an award by someone not
// of the placing council) is logged and skipped: retrying cannot change it.
// A redelivered award finds its call-off recorded and changes nothing.
func (s *Service) RecordCallOff(ctx context.Context, e eventstore.RecordedEvent) error {
	ev, ok := e.Event.(*purchasingv1.PlacementAwarded)
	if !ok || ev.GetCallOff().GetFrameworkId() == "" {
		return nil
	}
	co := ev.GetCallOff()
	meta := bus.ReactionMeta(CallOffDurable, e, e.Actor)
	meta.OccurredAt = s.now()
	actor := domain.NewActor(e.Actor.Subject, e.Actor.Organisation, e.Actor.Role)
	_, err := s.repo.Handle(ctx, aggregate.Command[domain.State]{
		Stream: streamOf(co.GetFrameworkId()),
		Meta:   meta,
		Decide: func(st domain.State) ([]proto.Message, error) {
			return domain.Decide(st, domain.RecordCallOff{Actor: actor, Now: meta.OccurredAt, CallOff: domain.CallOff{
				PlacementID: ev.GetPlacementId(), ReferralID: ev.GetReferralId(), LotID: co.GetLotId(), Council: ev.GetCouncil(),
				ProviderID: ev.GetProviderId(), Method: calloffMethod(co.GetMethod()), Ranking: co.GetRanking(), Reason: co.GetReason(),
				AwardedAt: e.OccurredAt,
			}})
		},
	})
	if _, refused := domainerr.As(err); refused {
		s.log.Error("a call-off was refused", zap.String("reaction", CallOffDurable), zap.String("framework_id", co.GetFrameworkId()),
			zap.String("event_id", e.EventID), zap.Error(err))
		return nil
	}
	return err
}

// calloffMethod maps purchasing's method onto the framework's own enum.
func calloffMethod(m purchasingv1.CallOffMethod) frameworkv1.CallOffMethod {
	switch m {
	case purchasingv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD:
		return frameworkv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD
	case purchasingv1.CallOffMethod_CALL_OFF_METHOD_FURTHER_COMPETITION:
		return frameworkv1.CallOffMethod_CALL_OFF_METHOD_FURTHER_COMPETITION
	}
	return frameworkv1.CallOffMethod_CALL_OFF_METHOD_UNSPECIFIED
}
