package domain_test

import (
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// given → when → then, once per aggregate: a history of events is folded
// with the aggregate's Evolve, the command is decided against the result,
// and the outcome is compared with the events or error expected.

type scenario[S, C any] struct {
	initial S
	evolve  func(S, proto.Message) S
	decide  func(S, C) ([]proto.Message, error)
	history []proto.Message
}

func givenProvider(events ...proto.Message) scenario[domain.ProviderState, domain.ProviderCommand] {
	return scenario[domain.ProviderState, domain.ProviderCommand]{
		initial: domain.InitialProvider(), evolve: domain.EvolveProvider, decide: domain.DecideProvider, history: events,
	}
}

func givenDps(events ...proto.Message) scenario[domain.DpsState, domain.DpsCommand] {
	return scenario[domain.DpsState, domain.DpsCommand]{
		initial: domain.InitialDps(), evolve: domain.EvolveDps, decide: domain.DecideDps, history: events,
	}
}

func givenReferral(events ...proto.Message) scenario[domain.ReferralState, domain.ReferralCommand] {
	return scenario[domain.ReferralState, domain.ReferralCommand]{
		initial: domain.InitialReferral(), evolve: domain.EvolveReferral, decide: domain.DecideReferral, history: events,
	}
}

// state folds the history.
func (sc scenario[S, C]) state() S {
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

// when decides c against the history's state and folds any events in.
func (sc scenario[S, C]) when(c C) outcome[S] {
	s := sc.state()
	events, err := sc.decide(s, c)
	for _, e := range events {
		s = sc.evolve(s, e)
	}
	return outcome[S]{events: events, err: err, after: s}
}

func show(m proto.Message) string {
	return string(m.ProtoReflect().Descriptor().Name()) + "{" + prototext.MarshalOptions{}.Format(m) + "}"
}

// thenEvents expects exactly want, in order, and returns the state after them.
func (o outcome[S]) thenEvents(t *testing.T, want ...proto.Message) S {
	t.Helper()
	if o.err != nil {
		t.Fatalf("want %d event(s), got error: %v", len(want), o.err)
	}
	if len(o.events) != len(want) {
		var got []string
		for _, e := range o.events {
			got = append(got, show(e))
		}
		t.Fatalf("want %d event(s), got %d: %v", len(want), len(o.events), got)
	}
	for i := range want {
		if !proto.Equal(o.events[i], want[i]) {
			t.Errorf("event %d:\n got %s\nwant %s", i, show(o.events[i]), show(want[i]))
		}
	}
	return o.after
}

// thenOK expects the command to be accepted and returns its events and the
// state after them, for tests that look at a few fields only.
func (o outcome[S]) thenOK(t *testing.T) ([]proto.Message, S) {
	t.Helper()
	if o.err != nil {
		t.Fatalf("want events, got error: %v", o.err)
	}
	if len(o.events) == 0 {
		t.Fatal("want events, got none")
	}
	return o.events, o.after
}

func (o outcome[S]) thenError(t *testing.T, kind domainerr.Kind, rule string) *domainerr.Error {
	t.Helper()
	if o.err == nil {
		var got []string
		for _, e := range o.events {
			got = append(got, show(e))
		}
		t.Fatalf("want error %q (kind %d), got events %v", rule, kind, got)
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
		t.Fatalf("a refused command returned events %v", o.events)
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

// thenForbidden expects the actor to be refused.
func (o outcome[S]) thenForbidden(t *testing.T) *domainerr.Error {
	t.Helper()
	return o.thenError(t, domainerr.Denied, "")
}

func events(es ...proto.Message) []proto.Message { return es }

// Time: a Monday in November (GMT), and the days around it.
var (
	now       = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	today     = "2026-11-23"
	yesterday = "2026-11-22"
	tomorrow  = "2026-11-24"
)

// Actors.
const (
	nw       = "north-west"
	acmeID   = "acme-care"
	brightID = "bright-homes"
)

var (
	lead          = domain.Actor{Subject: "u-lead", Organisation: "consortium:north-west", Role: domain.RoleConsortiumLead}
	otherLead     = domain.Actor{Subject: "u-east", Organisation: "consortium:east", Role: domain.RoleConsortiumLead}
	commissioner  = domain.Actor{Subject: "u-352", Organisation: "council:352", Role: domain.RoleCouncilCommissioner}
	commissioner2 = domain.Actor{Subject: "u-353", Organisation: "council:353", Role: domain.RoleCouncilCommissioner}
	outsider      = domain.Actor{Subject: "u-999", Organisation: "council:999", Role: domain.RoleCouncilCommissioner}
	acme          = domain.Actor{Subject: "u-acme", Organisation: "provider:acme-care", Role: domain.RoleProviderAdmin}
	acmeResponder = domain.Actor{Subject: "u-acme-r", Organisation: "provider:acme-care", Role: domain.RoleProviderResponder}
	bright        = domain.Actor{Subject: "u-bright", Organisation: "provider:bright-homes", Role: domain.RoleProviderAdmin}
	calm          = domain.Actor{Subject: "u-calm", Organisation: "provider:calm-care", Role: domain.RoleProviderAdmin}
	platformAdmin = domain.Actor{Subject: "u-ops", Organisation: "platform", Role: domain.RolePlatformAdmin}
)

// Provider fixtures: acme-care with homes SC100001 (Oak House, M14) and
// SC100002 (Elm House, SK1).

func profile() *purchasingv1.ProviderProfile {
	return &purchasingv1.ProviderProfile{
		LegalName:         "Acme Care Limited",
		TradingName:       "Acme Care",
		Registration:      &purchasingv1.ProviderProfile_CompaniesHouseNumber{CompaniesHouseNumber: "01234567"},
		Contacts:          []*purchasingv1.Contact{{Name: "A. Manager", Role: "Registered manager", Email: "manager@acme.example"}},
		HeadOfficeOutcode: "M14",
	}
}

func oakHouse() *purchasingv1.Setting {
	return &purchasingv1.Setting{
		Urn: "SC100001", Name: "Oak House", Type: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, RegisteredPlaces: 4,
		Outcode: "M14", Specialisms: []string{"emotional_behavioural", "sexual_exploitation"},
		OfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, OfstedDate: "2026-03-10",
	}
}

func elmHouse() *purchasingv1.Setting {
	return &purchasingv1.Setting{
		Urn: "SC100002", Name: "Elm House", Type: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, RegisteredPlaces: 2,
		Outcode: "SK1", Specialisms: []string{"autism"},
		OfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_NOT_YET_INSPECTED,
	}
}

func settingWith(change func(*purchasingv1.Setting)) *purchasingv1.Setting {
	s := oakHouse()
	change(s)
	return s
}

func registered() *purchasingv1.ProviderRegistered {
	return &purchasingv1.ProviderRegistered{ProviderId: acmeID, Profile: profile()}
}

func settingAdded(s *purchasingv1.Setting) *purchasingv1.SettingAdded {
	return &purchasingv1.SettingAdded{ProviderId: acmeID, Setting: s, ProviderName: "Acme Care"}
}

func vacancy(urn string, places uint32, from string) *purchasingv1.VacancyPublished {
	return &purchasingv1.VacancyPublished{ProviderId: acmeID, Urn: urn, FreePlaces: places, AvailableFrom: from,
		SettingType: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, Outcode: "M14"}
}

func accreditation(kind purchasingv1.AccreditationKind, expires string) *purchasingv1.Accreditation {
	return &purchasingv1.Accreditation{Kind: kind, Reference: "REF-" + expires, ExpiresOn: expires}
}

// withSettings: acme registered with both homes.
func withSettings() []proto.Message {
	return events(registered(), settingAdded(oakHouse()), settingAdded(elmHouse()))
}

// DPS fixtures: dps-nw of north-west, categories residential (children's
// homes and supported accommodation) and fostering, two selection criteria,
// councils 352 and 353.

const dpsID = "dps-nw"

func dpsTerms() *purchasingv1.DpsTerms {
	return &purchasingv1.DpsTerms{
		Title: "Children's placements North West",
		Categories: []*purchasingv1.Category{
			{Id: "residential", Name: "Residential care", SettingTypes: []purchasingv1.SettingType{
				purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION}},
			{Id: "fostering", Name: "Independent fostering", SettingTypes: []purchasingv1.SettingType{
				purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY}},
		},
		SelectionCriteria: []*purchasingv1.SelectionCriterion{
			{Id: "safeguarding", Question: "Describe your safeguarding arrangements."},
			{Id: "insurance", Question: "Confirm your insurance cover."},
		},
		MemberCouncils: []string{"352", "353"},
		MinOfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD,
		EndsOn:         "2030-03-31",
	}
}

func dpsTermsWith(change func(*purchasingv1.DpsTerms)) *purchasingv1.DpsTerms {
	t := dpsTerms()
	change(t)
	return t
}

func answers() []*purchasingv1.CriterionAnswer {
	return []*purchasingv1.CriterionAnswer{
		{CriterionId: "safeguarding", Answer: "Safer recruitment and supervision."},
		{CriterionId: "insurance", Answer: "£10m public liability."},
	}
}

func dpsCreated() *purchasingv1.DpsCreated {
	return &purchasingv1.DpsCreated{DpsId: dpsID, Consortium: nw, Terms: dpsTerms()}
}

func dpsOpened() *purchasingv1.DpsOpened { return &purchasingv1.DpsOpened{DpsId: dpsID} }

func applied(provider, received, due string, categories ...string) *purchasingv1.ApplicationReceived {
	return &purchasingv1.ApplicationReceived{DpsId: dpsID, ProviderId: provider, ProviderName: provider, CategoryIds: categories,
		Answers: answers(), ReceivedOn: received, DecisionDueOn: due}
}

func admittedTo(provider, category string) *purchasingv1.ProviderAdmitted {
	return &purchasingv1.ProviderAdmitted{DpsId: dpsID, ProviderId: provider, CategoryId: category, Reason: "meets the criteria",
		ProviderName: provider, Consortium: nw}
}

func draftDps() []proto.Message { return events(dpsCreated()) }

func openDps() []proto.Message { return events(dpsCreated(), dpsOpened()) }

func closedDps() []proto.Message {
	return append(openDps(), &purchasingv1.DpsClosed{DpsId: dpsID, Reason: "re-procured"})
}

// acmeApplied: acme applied to both categories on Monday 2026-11-16.
func acmeApplied() []proto.Message {
	return append(openDps(), applied(acmeID, "2026-11-16", "2026-11-30", "residential", "fostering"))
}

// acmeAdmitted: acme admitted to both categories.
func acmeAdmitted() []proto.Message {
	return append(acmeApplied(), admittedTo(acmeID, "residential"), admittedTo(acmeID, "fostering"))
}

// dpsState folds a DPS history, for commands that carry the DPS as a fact.
func dpsState(history []proto.Message) domain.DpsState {
	return givenDps(history...).state()
}

// registeredFacts: a registered provider with current accreditations.
func registeredFacts(name string) domain.ProviderFacts {
	return domain.ProviderFacts{Registered: true, Name: name}
}
