// Package risk is what every service's reaction to monitoring's
// RiskLevelChanged shares: which events ask for something, what they ask
// (suspend or reinstate, a provider or one of its settings), the words the
// decision is recorded with, and who it is recorded as. Monitoring decides
// the action under the consortium's policy; a reaction acts on it and never
// re-derives the policy. A service supplies only the change to its own
// aggregates.
package risk

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// EventType is the proto full name of monitoring's RiskLevelChanged.
var EventType = string((&monitoringv1.RiskLevelChanged{}).ProtoReflect().Descriptor().FullName())

// Change is what one RiskLevelChanged asks of one of a service's
// aggregates.
type Change struct {
	Consortium string
	ProviderID string
	// SettingURN is the setting whose level changed; "" when the level is
	// the provider's own (every setting of the provider).
	SettingURN string
	// Suspend is true for SUSPEND, false for REINSTATE.
	Suspend bool
	// Level is the new level's name (LevelName).
	Level string
	// Description says what changed, e.g. "risk red for provider Acme Care
	// (Ofsted judged Inadequate on 2026-11-02)"; a service prefixes its
	// own words.
	Description string
	// Actor is who the decision is recorded as: the reaction's subject and
	// role on behalf of the consortium.
	Actor eventstore.Actor
	// Meta is the metadata of the reaction's commit: caused by the event,
	// idempotent per reaction and event (bus.ReactionMeta).
	Meta eventstore.Metadata
	// Now is when the change is decided; Meta.OccurredAt is the same.
	Now time.Time
}

// Reaction is one service's reaction to risk levels.
type Reaction struct {
	// Durable names the consumer. It is part of every reaction's request
	// id: never rename it, or past risk levels would be applied again.
	Durable string
	// Subject and Role are the actor the decisions are recorded as, on
	// behalf of the consortium ("consortium:<slug>").
	Subject string
	Role    string
	// ProviderOnly ignores settings' levels (a service that admits
	// providers, not settings).
	ProviderOnly bool
	// Wait returns once the service's read model holds a position, so the
	// targets are those as of the event.
	Wait func(ctx context.Context, position uint64) error
	// Targets lists the ids of the consortium's aggregates to change.
	Targets func(consortium string) []string
	// Apply makes the change on one of them (through the service's
	// repository, with c.Meta).
	Apply func(ctx context.Context, id string, c Change) error
	// Now is the service clock.
	Now func() time.Time
	Log *zap.Logger
}

// Follow runs the reaction on store's stream until ctx ends (bus.Follow
// starts the consumer again if it stops on an error).
func (r Reaction) Follow(ctx context.Context, store eventstore.Store) {
	bus.Follow(ctx, store, bus.Config{
		Durable:        r.Durable,
		FilterSubjects: []string{eventstore.AggregateFilter("monitoring", "risk")},
		Types:          []string{EventType},
		Logger:         r.Log,
	}, r.Handle)
}

// Handle is the bus handler. It applies a RiskLevelChanged whose action is
// SUSPEND or REINSTATE to every target of the consortium; anything else
// does nothing. A refusal by one target is logged and the others go on
// (retrying cannot change a refusal); any other error is returned, so the
// bus redelivers. A second delivery finds each change already committed
// (same request id) and changes nothing.
func (r Reaction) Handle(ctx context.Context, e eventstore.RecordedEvent) error {
	log := r.Log
	if log == nil {
		log = zap.NewNop()
	}
	ev, ok := e.Event.(*monitoringv1.RiskLevelChanged)
	if !ok {
		return nil
	}
	provider := ev.GetScope() == monitoringv1.RiskScope_RISK_SCOPE_PROVIDER
	if r.ProviderOnly && !provider {
		return nil
	}
	var suspend bool
	switch ev.GetAction() {
	case monitoringv1.RiskAction_RISK_ACTION_SUSPEND:
		suspend = true
	case monitoringv1.RiskAction_RISK_ACTION_REINSTATE:
	default:
		return nil
	}
	if ev.GetProviderId() == "" || ev.GetConsortium() == "" {
		log.Error("skipping a risk level without provider or consortium", zap.String("event_id", e.EventID))
		return nil
	}
	urn := ev.GetSettingUrn()
	switch {
	case provider:
		urn = ""
	case urn == "":
		// A setting's level without its setting: never widen it to the provider.
		log.Error("skipping a setting risk level without a setting", zap.String("event_id", e.EventID))
		return nil
	}
	if err := r.Wait(ctx, e.Position); err != nil {
		return err
	}
	actor := eventstore.Actor{Subject: r.Subject, Organisation: "consortium:" + ev.GetConsortium(), Role: r.Role}
	c := Change{
		Consortium: ev.GetConsortium(), ProviderID: ev.GetProviderId(), SettingURN: urn, Suspend: suspend,
		Level: LevelName(ev.GetTo()), Description: Describe(ev), Actor: actor, Meta: bus.ReactionMeta(r.Durable, e, actor),
	}
	for _, id := range r.Targets(ev.GetConsortium()) {
		c.Now = r.Now()
		c.Meta.OccurredAt = c.Now
		err := r.Apply(ctx, id, c)
		if _, refused := domainerr.As(err); refused {
			log.Error("the early-warning policy was refused", zap.String("reaction", r.Durable), zap.String("aggregate_id", id),
				zap.String("event_id", e.EventID), zap.Error(err))
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
	}
	return nil
}

// Describe says what a RiskLevelChanged changed: "risk red for setting
// SC100001 (Ofsted judged Inadequate on 2026-11-02)", or for a provider's
// own level "risk red for provider Acme Care (…)" (its id when the event
// has no name). Empty reason details are left out.
func Describe(ev *monitoringv1.RiskLevelChanged) string {
	var b strings.Builder
	b.WriteString("risk " + LevelName(ev.GetTo()))
	switch {
	case ev.GetScope() != monitoringv1.RiskScope_RISK_SCOPE_PROVIDER && ev.GetSettingUrn() != "":
		b.WriteString(" for setting " + ev.GetSettingUrn())
	case ev.GetProviderName() != "":
		b.WriteString(" for provider " + ev.GetProviderName())
	default:
		b.WriteString(" for provider " + ev.GetProviderId())
	}
	var details []string
	for _, r := range ev.GetReasons() {
		if d := strings.TrimSpace(r.GetDetail()); d != "" {
			details = append(details, d)
		}
	}
	if len(details) > 0 {
		b.WriteString(" (" + strings.Join(details, "; ") + ")")
	}
	return b.String()
}

// LevelName is a level's name as decisions record it: green, amber, red
// (unknown for anything else).
func LevelName(l monitoringv1.RiskLevel) string {
	switch l {
	case monitoringv1.RiskLevel_RISK_LEVEL_GREEN:
		return "green"
	case monitoringv1.RiskLevel_RISK_LEVEL_AMBER:
		return "amber"
	case monitoringv1.RiskLevel_RISK_LEVEL_RED:
		return "red"
	}
	return "unknown"
}
