package app

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/bus"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/sweep"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// The two reactions, as durable consumers: their names are part of every
// reaction's request id, so they never change.
const (
	contractsDurable = "monitoring-contracts"
	riskDurable      = "monitoring-risk"
)

// contractSources: awards create contracts, a framework's end ends them.
var contractSources = bus.Config{
	FilterSubjects: []string{eventstore.AggregateFilter("purchasing", "referral"), eventstore.ContextFilter("framework")},
	Types: []string{string(proto.MessageName(&purchasingv1.PlacementAwarded{})), string(proto.MessageName(&frameworkv1.FrameworkAwarded{})),
		string(proto.MessageName(&frameworkv1.FrameworkExpired{})), string(proto.MessageName(&frameworkv1.FrameworkTerminated{}))},
}

// riskSources: everything that can move a risk level.
var riskSources = bus.Config{
	FilterSubjects: []string{eventstore.ContextFilter(Context), eventstore.AggregateFilter("purchasing", "provider"), eventstore.AggregateFilter("purchasing", "dps")},
	Types: []string{
		string(proto.MessageName(&monitoringv1.MonitoringReturnSubmitted{})), string(proto.MessageName(&monitoringv1.OfstedJudgementRecorded{})),
		string(proto.MessageName(&monitoringv1.QualityVisitRecorded{})), string(proto.MessageName(&monitoringv1.IncidentNotified{})),
		string(proto.MessageName(&monitoringv1.FinancialWarningRaised{})), string(proto.MessageName(&monitoringv1.FinancialWarningWithdrawn{})),
		string(proto.MessageName(&monitoringv1.RiskPolicySet{})), string(proto.MessageName(&monitoringv1.ContractStarted{})), string(proto.MessageName(&monitoringv1.ContractEnded{})),
		string(proto.MessageName(&purchasingv1.SettingAdded{})), string(proto.MessageName(&purchasingv1.SettingUpdated{})), string(proto.MessageName(&purchasingv1.ProviderAdmitted{})),
	},
}

// system is the actor of the service's own reactions.
var system = eventstore.Actor{Subject: "service:monitoring", Organisation: "platform", Role: "system"}

// reaction is one of the service's consumers' configuration.
func (s *Service) reaction(durable string, sources bus.Config) bus.Config {
	sources.Durable, sources.Logger = durable, s.log
	return sources
}

// onAward creates and ends contracts. It first lets the read model reach
// the event, which it needs for a framework's terms.
func (s *Service) onAward(ctx context.Context, e eventstore.RecordedEvent) error {
	if err := s.runner.WaitFor(ctx, e.Position); err != nil {
		return err
	}
	meta := bus.ReactionMeta(contractsDurable, e, system)
	meta.OccurredAt = s.now()
	switch ev := e.Event.(type) {
	case *purchasingv1.PlacementAwarded:
		c := placementContract(ev)
		_, err := handle(ctx, s.contracts, stream(ContractAggregate, c.GetContractId()), meta, func(st domain.ContractState) ([]proto.Message, error) {
			return domain.DecideStart(st, domain.StartContract{Contract: c})
		})
		return err
	case *frameworkv1.FrameworkAwarded:
		for _, c := range s.frameworkContracts(ev, domain.Today(e.OccurredAt)) {
			if _, err := handle(ctx, s.contracts, stream(ContractAggregate, c.GetContractId()), meta, func(st domain.ContractState) ([]proto.Message, error) {
				return domain.DecideStart(st, domain.StartContract{Contract: c})
			}); err != nil {
				return err
			}
		}
	case *frameworkv1.FrameworkExpired:
		return s.endFramework(ctx, meta, ev.GetFrameworkId(), domain.EndFrameworkContract{EndDate: ev.GetEnd(), ReasonCode: "expired", Reason: "the framework expired"})
	case *frameworkv1.FrameworkTerminated:
		return s.endFramework(ctx, meta, ev.GetFrameworkId(), domain.EndFrameworkContract{EndDate: domain.Today(e.OccurredAt), ReasonCode: "terminated", Reason: ev.GetReason()})
	}
	return nil
}

func placementContract(ev *purchasingv1.PlacementAwarded) *monitoringv1.ContractStarted {
	end := ""
	if start := domain.ParseDate(ev.GetStartDate()); !start.IsZero() && ev.GetExpectedDurationWeeks() > 0 {
		end = start.AddDate(0, 0, 7*int(ev.GetExpectedDurationWeeks())).Format(domain.DateLayout)
	}
	return &monitoringv1.ContractStarted{
		ContractId: ev.GetPlacementId(), Kind: monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT, Consortium: ev.GetConsortium(),
		Council: ev.GetCouncil(), ProviderId: ev.GetProviderId(), SettingUrn: ev.GetSettingUrn(), StartDate: ev.GetStartDate(),
		ExpectedEndDate: end, WeeklyPricePence: ev.GetWeeklyPricePence(), PlacementId: ev.GetPlacementId(), ReferralId: ev.GetReferralId(),
		CategoryId: ev.GetCategoryId(), Source: "award",
	}
}

// FrameworkContractID names a provider's contract on one lot.
func FrameworkContractID(framework, lot, provider string) string {
	return eventstore.ComposeID("fc", framework, lot, provider)
}

// frameworkContracts are an award's contracts, starting the day it was
// made (not the day the reaction ran).
func (s *Service) frameworkContracts(ev *frameworkv1.FrameworkAwarded, awardedOn string) []*monitoringv1.ContractStarted {
	s.model.mu.RLock()
	defer s.model.mu.RUnlock()
	f := s.model.frameworks[ev.GetFrameworkId()]
	if f == nil {
		s.log.Warn("monitoring: award of a framework never drafted; no contracts", zap.String("framework", ev.GetFrameworkId()))
		return nil
	}
	var out []*monitoringv1.ContractStarted
	for _, lot := range ev.GetLots() {
		for _, a := range lot.GetAdmitted() {
			out = append(out, &monitoringv1.ContractStarted{
				ContractId: FrameworkContractID(f.id, lot.GetLotId(), a.GetProviderId()), Kind: monitoringv1.ContractKind_CONTRACT_KIND_FRAMEWORK,
				Consortium: f.consortium, ProviderId: a.GetProviderId(), StartDate: awardedOn, ExpectedEndDate: f.end,
				WeeklyPricePence: a.GetWeeklyPricePence(), FrameworkId: f.id, LotId: lot.GetLotId(), MemberCouncils: f.members, Source: "award",
			})
		}
	}
	return out
}

func (s *Service) endFramework(ctx context.Context, meta eventstore.Metadata, framework string, end domain.EndFrameworkContract) error {
	s.model.mu.RLock()
	var ids []string
	for id, c := range s.model.contracts {
		if c.framework.String() == framework && !c.ended {
			ids = append(ids, id)
		}
	}
	s.model.mu.RUnlock()
	for _, id := range ids {
		if _, err := handle(ctx, s.contracts, stream(ContractAggregate, id), meta, func(st domain.ContractState) ([]proto.Message, error) {
			return domain.DecideEndFramework(st, end)
		}); err != nil {
			return err
		}
	}
	return nil
}

// target is a provider assessed under one consortium.
type target struct{ consortium, provider string }

// onEvidence re-assesses the providers an event concerns, under each
// consortium that works with them; a change of level is recorded with the
// event as its cause.
func (s *Service) onEvidence(ctx context.Context, e eventstore.RecordedEvent) error {
	if err := s.runner.WaitFor(ctx, e.Position); err != nil {
		return err
	}
	meta := bus.ReactionMeta(riskDurable, e, system)
	for _, t := range s.targets(e.Event) {
		if err := s.assess(ctx, t, meta); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) targets(ev proto.Message) []target {
	m := s.model
	m.mu.RLock()
	defer m.mu.RUnlock()
	ofProvider := func(p string) []target {
		var out []target
		for c := range m.providerConsortia[p] {
			out = append(out, target{c, p})
		}
		return out
	}
	ofSetting := func(urn string) []target {
		if st := m.settings[urn]; st != nil {
			return ofProvider(st.providerID)
		}
		return nil
	}
	switch ev := ev.(type) {
	case *monitoringv1.MonitoringReturnSubmitted:
		return ofSetting(ev.GetUrn())
	case *monitoringv1.OfstedJudgementRecorded:
		return ofSetting(ev.GetUrn())
	case *monitoringv1.QualityVisitRecorded:
		return ofSetting(ev.GetUrn())
	case *monitoringv1.IncidentNotified:
		return ofSetting(ev.GetUrn())
	case *purchasingv1.SettingAdded:
		return ofProvider(ev.GetProviderId())
	case *purchasingv1.SettingUpdated:
		return ofProvider(ev.GetProviderId())
	case *monitoringv1.FinancialWarningRaised:
		return ofProvider(ev.GetProviderId())
	case *monitoringv1.FinancialWarningWithdrawn:
		return ofProvider(ev.GetProviderId())
	case *monitoringv1.ContractStarted:
		return ofProvider(ev.GetProviderId())
	case *monitoringv1.ContractEnded:
		return ofProvider(ev.GetProviderId())
	case *purchasingv1.ProviderAdmitted:
		return []target{{ev.GetConsortium(), ev.GetProviderId()}}
	case *monitoringv1.RiskPolicySet:
		var out []target
		if c := m.consortia[ev.GetConsortium()]; c != nil {
			for p := range c.providers {
				out = append(out, target{c.slug, p})
			}
		}
		return out
	}
	return nil
}

// assess records a provider's levels under a consortium as of now. The
// assessment is made inside the repository's decision, so a retry after a
// conflict assesses again from the model as it then is; if the decider finds
// a level recorded from newer evidence than this replica's model holds, it
// waits for its model to reach that evidence and assesses again.
func (s *Service) assess(ctx context.Context, t target, meta eventstore.Metadata) error {
	for attempt := 0; ; attempt++ {
		now := s.now()
		meta.OccurredAt = now
		var newer uint64
		_, err := handle(ctx, s.risks, stream(RiskAggregate, domain.RiskID(t.consortium, t.provider)), meta, func(st domain.RiskState) ([]proto.Message, error) {
			newer = st.EvidencePosition
			s.model.mu.RLock()
			cmd := s.model.Assess(t.consortium, t.provider, now)
			cmd.EvidencePosition = s.runner.Position()
			s.model.mu.RUnlock()
			return domain.DecideRisk(st, cmd)
		})
		if de, ok := domainerr.As(err); !ok || de.Rule != domain.RuleAssessmentStale || attempt == 2 {
			return err
		}
		if err := s.runner.WaitFor(ctx, newer); err != nil {
			return err
		}
	}
}

// Assess is the assessment of a provider and each of its settings under
// a consortium's policy as of now (call with the read lock held).
func (m *ReadModel) Assess(consortium, provider string, now time.Time) domain.AssessRisk {
	policy := m.policy(consortium)
	todayS := domain.Today(now)
	day := domain.ParseDate(todayS)
	cmd := domain.AssessRisk{Consortium: consortium, ProviderID: provider, ProviderName: m.providerNames[provider], Now: now, SuspendOnRed: policy.GetSuspendOnRed()}
	var all []domain.Assessment
	seen := map[string]bool{}
	for _, urn := range m.providerSettings[provider] {
		st := m.settings[urn]
		a := domain.AssessSetting(policy, &st.evidence, day)
		councils := st.evidence.LiveCouncils(todayS)
		cmd.Settings = append(cmd.Settings, domain.SettingAssessment{URN: urn, Councils: councils, Assessment: a})
		all = append(all, a)
		for _, la := range councils {
			if !seen[la] {
				seen[la] = true
				cmd.ProviderCouncils = append(cmd.ProviderCouncils, la)
			}
		}
	}
	cmd.Provider = domain.AssessProvider(policy, m.warnings[provider], all)
	return cmd
}

func (m *ReadModel) policy(consortium string) *monitoringv1.RiskPolicySet {
	if c := m.consortia[consortium]; c != nil && c.policy != nil {
		return c.policy
	}
	return domain.DefaultPolicy(consortium)
}

// Sweep re-assesses every provider of every consortium as of now: returns
// fall overdue with the calendar, not with an event. A sweep that finds no
// change records nothing. It first waits for the read model to hold every
// commit made before it.
func (s *Service) Sweep(ctx context.Context) error {
	if err := s.caughtUp(ctx); err != nil {
		return err
	}
	s.model.mu.RLock()
	var ts []target
	for slug, c := range s.model.consortia {
		for p := range c.providers {
			ts = append(ts, target{slug, p})
		}
	}
	s.model.mu.RUnlock()
	meta := eventstore.Metadata{Actor: system, CorrelationID: fmt.Sprintf("sweep-%s", domain.Today(s.now()))}
	for _, t := range ts {
		if err := s.assess(ctx, t, meta); err != nil {
			return err
		}
	}
	return nil
}

// SweepOnce runs this period's sweep if no other replica has: the first to
// claim the period (OverdueSweepClaimed on monitoring.sweep.<slot>, kit
// sweep) sweeps, the others skip. It reports whether this replica swept.
func (s *Service) SweepOnce(ctx context.Context) (bool, error) { return s.sweeper().Once(ctx) }

// sweeper is the overdue-returns sweep: at start and every sweepEvery, on
// one replica a period (returns may have fallen due while the service was
// down).
func (s *Service) sweeper() sweep.Config {
	return sweep.Config{
		Name:  "monitoring overdue-returns",
		Every: s.sweepEvery,
		Now:   s.now,
		Log:   s.log,
		Claim: func(ctx context.Context, p sweep.Period) (bool, error) {
			return sweep.Claim(ctx, s.store, stream(SweepAggregate, p.Slot),
				eventstore.Metadata{Actor: system, OccurredAt: p.Now}, &monitoringv1.OverdueSweepClaimed{Slot: p.Slot})
		},
		Sweep: func(ctx context.Context, _ sweep.Period) error { return s.Sweep(ctx) },
	}
}
