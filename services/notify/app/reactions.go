package app

import (
	"context"
	"slices"
	"strings"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// Durable is the reaction's durable consumer: its name is part of every
// decision's request id, so it never changes.
const Durable = "notify-events"

func typeName(m proto.Message) string { return string(proto.MessageName(m)) }

// sources: the events someone is told of.
var sources = bus.Config{
	FilterSubjects: []string{
		eventstore.AggregateFilter("purchasing", "referral"), eventstore.AggregateFilter("purchasing", "dps"),
		eventstore.AggregateFilter("monitoring", "risk"), eventstore.AggregateFilter("framework", "framework"),
	},
	Types: []string{
		typeName(&purchasingv1.ReferralMatched{}), typeName(&purchasingv1.OfferMade{}), typeName(&purchasingv1.ReferralDeclined{}),
		typeName(&purchasingv1.PlacementAwarded{}), typeName(&purchasingv1.OfferClosed{}),
		typeName(&purchasingv1.ApplicationReceived{}), typeName(&purchasingv1.ProviderAdmitted{}), typeName(&purchasingv1.ApplicationRejected{}),
		typeName(&monitoringv1.RiskLevelChanged{}), typeName(&frameworkv1.PriceUpliftRequested{}),
	},
}

// system is the actor of the service's own reactions.
var system = eventstore.Actor{Subject: "service:notify", Organisation: "platform", Role: "system"}

func (s *Service) reaction() bus.Config {
	cfg := sources
	cfg.Durable, cfg.Logger = Durable, s.log
	return cfg
}

// onEvent decides who is told of an event, records it (once: a redelivered
// event finds its decision and decides nothing again), then hands what is
// still pending to the channel and records each outcome.
func (s *Service) onEvent(ctx context.Context, e eventstore.RecordedEvent) error {
	if s.maxAge > 0 && !e.OccurredAt.IsZero() && s.now().Sub(e.OccurredAt) > s.maxAge {
		return nil // history from before the service ran: nobody is told now
	}
	// The facts (contacts, the referral's council) are in the read model.
	if err := s.runner.WaitFor(ctx, e.Position); err != nil {
		return err
	}
	s.model.mu.RLock()
	planned := s.plan(e)
	s.model.mu.RUnlock()
	if len(planned) == 0 {
		return nil
	}
	return s.notify(ctx, e.EventID, e.Type, planned, bus.ReactionMeta(Durable, e, system))
}

// notify records what a cause decided (once), then delivers what is pending.
func (s *Service) notify(ctx context.Context, causeID, causeType string, planned []domain.Planned, meta eventstore.Metadata) error {
	sid := stream(CauseAggregate, eventstore.ComposeID(causeID))
	meta.OccurredAt = s.now()
	if _, err := handle(ctx, s.causes, sid, meta, func(st domain.CauseState) ([]proto.Message, error) {
		return domain.DecideNotifications(st, domain.DecideNotificationsCmd{CauseEventID: causeID, CauseType: causeType, Planned: planned})
	}); err != nil {
		return err
	}
	return s.deliver(ctx, sid, meta)
}

// plan is who is told of e, and with what (call with the read lock held).
func (s *Service) plan(e eventstore.RecordedEvent) []domain.Planned {
	m := s.model
	var out []domain.Planned
	to := s.planner(&out)
	switch ev := e.Event.(type) {
	case *purchasingv1.ReferralMatched:
		r := m.referrals[ev.GetReferralId()]
		if r == nil {
			return nil
		}
		var providers []string
		for _, mt := range ev.GetMatches() {
			if !slices.Contains(providers, mt.GetProviderId()) {
				providers = append(providers, mt.GetProviderId())
			}
		}
		for _, p := range providers {
			to("provider:"+p, domain.TReferralReceived, map[string]string{"reference": ev.GetReferralId(), "council": r.council, "deadline": dlCloses(r.dueBy)}, "/inbox/"+ev.GetReferralId())
		}
	case *purchasingv1.OfferMade:
		r := m.referrals[ev.GetReferralId()]
		if r == nil {
			return nil
		}
		to("council:"+r.council, domain.TOfferReceived, map[string]string{"reference": ev.GetReferralId(), "provider": m.providerName(ev.GetProviderId())}, "/referrals/"+ev.GetReferralId())
		s.allIn(e, r, ev.GetReferralId(), to)
	case *purchasingv1.ReferralDeclined:
		if r := m.referrals[ev.GetReferralId()]; r != nil {
			s.allIn(e, r, ev.GetReferralId(), to)
		}
	case *purchasingv1.PlacementAwarded:
		to("provider:"+ev.GetProviderId(), domain.TOfferAccepted, map[string]string{"reference": ev.GetReferralId(), "council": ev.GetCouncil()}, "/inbox/"+ev.GetReferralId())
	case *purchasingv1.OfferClosed:
		r := m.referrals[ev.GetReferralId()]
		if r == nil {
			return nil
		}
		template := domain.TOfferNotAccepted
		if strings.Contains(ev.GetReason(), "withdrawn") {
			template = domain.TReferralWithdrawn
		}
		to("provider:"+ev.GetProviderId(), template, map[string]string{"reference": ev.GetReferralId(), "council": r.council}, "/inbox/"+ev.GetReferralId())
	case *purchasingv1.ApplicationReceived:
		d := m.dps[ev.GetDpsId()]
		to("consortium:"+d.consortium, domain.TApplicationReceived,
			map[string]string{"provider": m.providerName(ev.GetProviderId()), "dps": d.name, "deadline": ev.GetDecisionDueOn()}, "/dps/"+ev.GetDpsId()+"/applications/"+ev.GetProviderId())
	case *purchasingv1.ProviderAdmitted:
		to("provider:"+ev.GetProviderId(), domain.TDpsDecision, map[string]string{"dps": m.dps[ev.GetDpsId()].name, "decision": "admitted (" + ev.GetCategoryId() + ")"}, "/memberships")
	case *purchasingv1.ApplicationRejected:
		to("provider:"+ev.GetProviderId(), domain.TDpsDecision, map[string]string{"dps": m.dps[ev.GetDpsId()].name, "decision": "rejected (" + ev.GetCategoryId() + ")"}, "/memberships")
	case *frameworkv1.PriceUpliftRequested:
		if c := m.frameworks[ev.GetFrameworkId()]; c != "" {
			to("consortium:"+c, domain.TPriceUpliftRequested, map[string]string{"provider": m.providerName(ev.GetProviderId()), "framework": ev.GetFrameworkId()}, "/frameworks/"+ev.GetFrameworkId()+"/uplifts")
		}
	case *monitoringv1.RiskLevelChanged:
		level := strings.ToLower(strings.TrimPrefix(ev.GetTo().String(), "RISK_LEVEL_"))
		name := ev.GetProviderName()
		if name == "" {
			name = m.providerName(ev.GetProviderId())
		}
		setting := "the provider as a whole"
		if ev.GetSettingUrn() != "" {
			setting = "setting " + ev.GetSettingUrn()
		}
		for _, la := range ev.GetNotifiedCouncils() {
			to("council:"+la, domain.TEarlyWarning, map[string]string{"provider": name, "setting": setting, "level": level}, "/alerts")
		}
		if ev.GetAction() == monitoringv1.RiskAction_RISK_ACTION_SUSPEND && ev.GetSettingUrn() == "" {
			to("consortium:"+ev.GetConsortium(), domain.TProviderSuspended, map[string]string{"provider": name, "level": level}, "/")
		}
	default:
		s.log.Debug("notify: nothing to tell of", zap.String("type", e.Type))
	}
	return out
}

// allIn tells the referring council when e was the last answer it waited for.
func (s *Service) allIn(e eventstore.RecordedEvent, r *referralRM, referral string, to func(string, string, map[string]string, string)) {
	if r.completedBy == e.EventID {
		to("council:"+r.council, domain.TAllOffersIn, map[string]string{"reference": referral}, "/referrals/"+referral)
	}
}

// planner returns a function adding to *out the people of org whom a
// template goes to (call with the read lock held).
func (s *Service) planner(out *[]domain.Planned) func(org, template string, p map[string]string, link string) {
	m := s.model
	return func(org, template string, p map[string]string, link string) {
		t, _ := domain.TemplateByID(template)
		for _, pl := range domain.Recipients(org, t, m.contacts(org), m.pref(org), s.now()) {
			pl.Personalisation, pl.Link = p, s.portalURL+link
			*out = append(*out, pl)
		}
	}
}
