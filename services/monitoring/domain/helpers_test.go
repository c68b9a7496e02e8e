package domain_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// given → when → then: a history of events is folded with the aggregate's
// Evolve, a command is decided against the result with one of the
// aggregate's deciders, and the outcome is compared with the events or
// error expected.

type scenario[S any] struct {
	initial S
	evolve  func(S, proto.Message) S
	history []proto.Message
}

func givenContract(events ...proto.Message) scenario[domain.ContractState] {
	return scenario[domain.ContractState]{evolve: domain.EvolveContract, history: events}
}

func givenSetting(events ...proto.Message) scenario[domain.SettingState] {
	return scenario[domain.SettingState]{evolve: domain.EvolveSetting, history: events}
}

func givenProvider(events ...proto.Message) scenario[domain.ProviderState] {
	return scenario[domain.ProviderState]{evolve: domain.EvolveProvider, history: events}
}

func givenPolicy(events ...proto.Message) scenario[domain.PolicyState] {
	return scenario[domain.PolicyState]{evolve: domain.EvolvePolicy, history: events}
}

func givenRisk(events ...proto.Message) scenario[domain.RiskState] {
	return scenario[domain.RiskState]{evolve: domain.EvolveRisk, history: events}
}

// state folds the history.
func (sc scenario[S]) state() S {
	s := sc.initial
	for _, e := range sc.history {
		s = sc.evolve(s, e)
	}
	return s
}

type outcome[S any] struct {
	events []proto.Message
	err    error
	after  S
}

// when decides c with decide against the history's state and folds any
// events in.
func when[S, C any](sc scenario[S], decide func(S, C) ([]proto.Message, error), c C) outcome[S] {
	s := sc.state()
	events, err := decide(s, c)
	for _, e := range events {
		s = sc.evolve(s, e)
	}
	return outcome[S]{events: events, err: err, after: s}
}

func show(m proto.Message) string {
	return string(m.ProtoReflect().Descriptor().Name()) + "{" + prototext.MarshalOptions{}.Format(m) + "}"
}

func shows(ms []proto.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, show(m))
	}
	return out
}

// thenEvents expects exactly want, in order (none: the command changes
// nothing), and returns the state after them.
func (o outcome[S]) thenEvents(t *testing.T, want ...proto.Message) S {
	t.Helper()
	if o.err != nil {
		t.Fatalf("want %d event(s), got error: %v", len(want), o.err)
	}
	if len(o.events) != len(want) {
		t.Fatalf("want %d event(s), got %d: %v", len(want), len(o.events), shows(o.events))
	}
	for i := range want {
		if !proto.Equal(o.events[i], want[i]) {
			t.Errorf("event %d:\n got %s\nwant %s", i, show(o.events[i]), show(want[i]))
		}
	}
	return o.after
}

// thenNothing expects the command to be accepted with no events.
func (o outcome[S]) thenNothing(t *testing.T) S {
	t.Helper()
	return o.thenEvents(t)
}

// thenOne expects exactly one event of type E and returns it, for tests
// that look at a few fields only.
func thenOne[E proto.Message, S any](t *testing.T, o outcome[S]) E {
	t.Helper()
	if o.err != nil {
		t.Fatalf("want one event, got error: %v", o.err)
	}
	if len(o.events) != 1 {
		t.Fatalf("want one event, got %d: %v", len(o.events), shows(o.events))
	}
	e, ok := o.events[0].(E)
	if !ok {
		t.Fatalf("want a %T, got %s", *new(E), show(o.events[0]))
	}
	return e
}

func (o outcome[S]) thenError(t *testing.T, kind domainerr.Kind, rule string) *domainerr.Error {
	t.Helper()
	if o.err == nil {
		t.Fatalf("want error %q (kind %d), got events %v", rule, kind, shows(o.events))
	}
	de, ok := domainerr.As(o.err)
	if !ok {
		t.Fatalf("want a domain error, got %T %v", o.err, o.err)
	}
	if de.Kind != kind || de.Rule != rule {
		t.Fatalf("want kind %d rule %q, got kind %d rule %q: %s", kind, rule, de.Kind, de.Rule, de.Message)
	}
	if de.Message == "" {
		t.Fatalf("error %q has no message", rule)
	}
	if len(o.events) != 0 {
		t.Fatalf("a refused command returned events %v", shows(o.events))
	}
	return de
}

// thenRule expects a broken business rule (Precondition).
func (o outcome[S]) thenRule(t *testing.T, rule string) *domainerr.Error {
	t.Helper()
	return o.thenError(t, domainerr.Precondition, rule)
}

// thenInvalid expects a bad field, named by its path.
func (o outcome[S]) thenInvalid(t *testing.T, path string) *domainerr.Error {
	t.Helper()
	return o.thenError(t, domainerr.Invalid, path)
}

// thenMissing expects something not found.
func (o outcome[S]) thenMissing(t *testing.T, what string) *domainerr.Error {
	t.Helper()
	return o.thenError(t, domainerr.NotFound, what)
}

func events(es ...proto.Message) []proto.Message { return es }

// Time: Monday 23 November 2026, 10:00 GMT, and the days around it.
var (
	now       = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	today     = "2026-11-23"
	yesterday = "2026-11-22"
	tomorrow  = "2026-11-24"
)

// at is noon UTC on a "YYYY-MM-DD" date (the same date in England).
func at(date string) time.Time { return domain.ParseDate(date).Add(12 * time.Hour) }

// Actors.
const (
	nw        = "north-west"
	acmeID    = "acme-care"
	oakURN    = "SC100001"
	elmURN    = "SC100002"
	placingLA = "352"
)

var (
	lead          = domain.Actor{Subject: "u-lead", Organisation: "consortium:north-west", Role: domain.RoleConsortiumLead}
	commissioner  = domain.Actor{Subject: "u-352", Organisation: "council:352", Role: domain.RoleCouncilCommissioner}
	commissioner2 = domain.Actor{Subject: "u-353", Organisation: "council:353", Role: domain.RoleCouncilCommissioner}
	acme          = domain.Actor{Subject: "u-acme", Organisation: "provider:acme-care", Role: "provider_admin"}
	bright        = domain.Actor{Subject: "u-bright", Organisation: "provider:bright-homes", Role: "provider_admin"}
)

// Contracts: pl-1, council 352's placement at acme's Oak House from 1
// September 2026; fw-1, acme's framework contract.

const (
	placementID = "pl-1"
	frameworkID = "fw-1"
	placedOn    = "2026-09-01"
)

func placementStarted() *monitoringv1.ContractStarted {
	return &monitoringv1.ContractStarted{
		ContractId: placementID, Kind: monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT, Consortium: nw,
		Council: placingLA, ProviderId: acmeID, SettingUrn: oakURN, StartDate: placedOn, ExpectedEndDate: "2027-08-31",
		WeeklyPricePence: 550000, PlacementId: "placement-1", ReferralId: "ref-1",
	}
}

func frameworkStarted() *monitoringv1.ContractStarted {
	return &monitoringv1.ContractStarted{
		ContractId: frameworkID, Kind: monitoringv1.ContractKind_CONTRACT_KIND_FRAMEWORK, Consortium: nw,
		ProviderId: acmeID, StartDate: "2026-04-01", ExpectedEndDate: "2030-03-31",
		FrameworkId: "framework-nw", LotId: "lot-1", CategoryId: "residential", MemberCouncils: []string{"352", "353"},
	}
}

// reasonCodes are SSDA903 reason-episode-ceased codes, as the app passes them.
var reasonCodes = []string{"E4A", "E13", "E8", "X1"}

func placementEnded(on, code string) *monitoringv1.ContractEnded {
	return &monitoringv1.ContractEnded{
		ContractId: placementID, EndDate: on, ReasonCode: code, Reason: "returned home",
		Kind: monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT, Council: placingLA, ProviderId: acmeID, SettingUrn: oakURN,
	}
}

func scores(n uint32) *monitoringv1.OutcomeScores {
	return &monitoringv1.OutcomeScores{Stability: n, Education: n, Health: n, Wellbeing: n, ChildsView: n}
}

func outcomeRecorded(point monitoringv1.OutcomePoint, on string, n uint32) *monitoringv1.OutcomeRecorded {
	return &monitoringv1.OutcomeRecorded{
		ContractId: placementID, Point: point, RecordedOn: on, Scores: scores(n),
		Council: placingLA, ProviderId: acmeID, SettingUrn: oakURN,
	}
}

// Settings: acme's Oak House, where council 352 places.

func oakFacts() domain.SettingFacts {
	return domain.SettingFacts{URN: oakURN, ProviderID: acmeID, CouncilPlaces: true}
}

// figures are a consistent, unremarkable month at a four-place home.
func figures() *monitoringv1.ReturnFigures {
	return &monitoringv1.ReturnFigures{
		RegisteredPlaces: 4, OccupiedPlaces: 3.5, StaffInPost: 12, StaffLeavers: 0, AgencyShiftPercent: 5,
		MissingEpisodes: 2, ChildrenRepeatedlyMissing: 0, Restraints: 1, EducationAttendancePercent: 95,
		Complaints: 1, ComplaintsUpheld: 0, FeedbackResponses: 3, FeedbackScore: 4.2, FeedbackThemes: []string{"feel_safe"},
	}
}

func figuresWith(change func(*monitoringv1.ReturnFigures)) *monitoringv1.ReturnFigures {
	f := figures()
	change(f)
	return f
}

// returned is Oak House's return for period as the decider records it.
func returned(period string, revision uint32, late bool, f *monitoringv1.ReturnFigures) *monitoringv1.MonitoringReturnSubmitted {
	m, _ := domain.ParseMonth(period)
	return &monitoringv1.MonitoringReturnSubmitted{
		Urn: oakURN, ProviderId: acmeID, Period: period, Figures: f,
		DueOn: domain.DueOn(m, domain.DefaultDueWorkingDays).Format(domain.DateLayout), Late: late, Revision: revision,
	}
}
