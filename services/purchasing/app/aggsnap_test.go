package app

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate/snaptest"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// Aggregate snapshots: a state folded from the domain's own decisions,
// written and read back, is the folded state — every step of the way —
// and decides the next commands as the folded state does.

// aggsnapKind is one aggregate's fold, decider and snapshot codec.
type aggsnapKind[S, C any] struct {
	fold      func(S, []proto.Message) S
	decide    func(S, C) ([]proto.Message, error)
	marshal   func(S) ([]byte, error)
	unmarshal func([]byte) (S, error)
}

var (
	aggsnapDpsKind = aggsnapKind[domain.DpsState, domain.DpsCommand]{domain.FoldDps, domain.DecideDps,
		aggsnapDpsCodec.Marshal, aggsnapDpsCodec.Unmarshal}
	aggsnapProvKind = aggsnapKind[domain.ProviderState, domain.ProviderCommand]{domain.FoldProvider, domain.DecideProvider,
		aggsnapProviderCodec.Marshal, aggsnapProviderCodec.Unmarshal}
	aggsnapAgrKind = aggsnapKind[domain.AgreementState, domain.AgreementCommand]{domain.FoldAgreement, domain.DecideAgreement,
		aggsnapAgreementCodec.Marshal, aggsnapAgreementCodec.Unmarshal}
)

// roundTrip is s written and read back; it fails t unless it equals s.
func (k aggsnapKind[S, C]) roundTrip(t *testing.T, s S, step string) S {
	t.Helper()
	data, err := k.marshal(s)
	if err != nil {
		t.Fatalf("%s: marshal: %v", step, err)
	}
	got, err := k.unmarshal(data)
	if err != nil {
		t.Fatalf("%s: unmarshal: %v", step, err)
	}
	if diff := cmp.Diff(s, got, protocmp.Transform()); diff != "" {
		t.Fatalf("%s: restored state differs from the folded one (-folded +restored):\n%s", step, diff)
	}
	return got
}

// play decides each command in turn, folds its events in and checks the
// state's round trip after each; every command must be accepted.
func (k aggsnapKind[S, C]) play(t *testing.T, s S, cmds ...C) S {
	t.Helper()
	k.roundTrip(t, s, "initial state")
	for i, c := range cmds {
		events, err := k.decide(s, c)
		if err != nil {
			t.Fatalf("%s: %v", aggsnapName(i, c), err)
		}
		s = k.fold(s, events)
		k.roundTrip(t, s, "after "+aggsnapName(i, c))
	}
	return s
}

func aggsnapName(i int, c any) string { return fmt.Sprintf("command %d (%T)", i, c) }

// sameDecisions decides each command on the folded and on the restored
// state: the same events, or the same refusal, and the same state after.
func (k aggsnapKind[S, C]) sameDecisions(t *testing.T, folded S, cmds ...C) {
	t.Helper()
	restored := k.roundTrip(t, folded, "before deciding")
	for i, c := range cmds {
		want, wantErr := k.decide(folded, c)
		got, gotErr := k.decide(restored, c)
		if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
			t.Fatalf("%s: folded state says %v, restored says %v", aggsnapName(i, c), wantErr, gotErr)
		}
		if diff := cmp.Diff(want, got, protocmp.Transform()); diff != "" {
			t.Fatalf("%s: events differ (-folded +restored):\n%s", aggsnapName(i, c), diff)
		}
		if wantErr != nil {
			t.Logf("%s: refused on both: %v", aggsnapName(i, c), wantErr)
			continue
		}
		t.Logf("%s: %d event(s) on both", aggsnapName(i, c), len(want))
		// Fold on in both, so later commands see the same history.
		folded, restored = k.fold(folded, want), k.fold(restored, got)
		if diff := cmp.Diff(folded, restored, protocmp.Transform()); diff != "" {
			t.Fatalf("after %s: states differ (-folded +restored):\n%s", aggsnapName(i, c), diff)
		}
	}
}

var (
	aggsnapNow       = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	aggsnapLead      = domain.Actor{Subject: "u-lead", Organisation: "consortium:north-west", Role: domain.RoleConsortiumLead}
	aggsnapPolicy    = domain.Actor{Subject: "early-warning", Organisation: "consortium:north-west", Role: domain.RoleConsortiumPolicy}
	aggsnapAcme      = domain.Actor{Subject: "u-acme", Organisation: "provider:acme-care", Role: domain.RoleProviderAdmin}
	aggsnapSystem    = domain.Actor{Subject: "purchasing", Role: domain.RoleSystem}
	aggsnapCommisner = domain.Actor{Subject: "u-352", Organisation: "council:352", Role: domain.RoleCouncilCommissioner}
)

func aggsnapDpsTerms() *purchasingv1.DpsTerms {
	return &purchasingv1.DpsTerms{
		Title: "Children's placements North West",
		Categories: []*purchasingv1.Category{
			{Id: "residential", Name: "Residential care", SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME}},
			{Id: "fostering", Name: "Independent fostering", SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY}},
		},
		SelectionCriteria: []*purchasingv1.SelectionCriterion{{Id: "safeguarding", Question: "Describe your safeguarding arrangements."}},
		MemberCouncils:    []string{"352", "353"},
		MinOfstedGrade:    purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD,
		EndsOn:            "2030-03-31",
	}
}

func aggsnapApply(provider string, day int, categories ...string) domain.ApplyToDps {
	return domain.ApplyToDps{Actor: domain.Actor{Subject: "u-" + provider, Organisation: "provider:" + provider, Role: domain.RoleProviderAdmin},
		Now: aggsnapNow.AddDate(0, 0, day), ProviderID: provider, Provider: domain.ProviderFacts{Registered: true, Name: provider}, CategoryIDs: categories,
		Answers: []*purchasingv1.CriterionAnswer{{CriterionId: "safeguarding", Answer: "Safer recruitment."}}}
}

func aggsnapAdmit(provider, category string) domain.AdmitProvider {
	return domain.AdmitProvider{Actor: aggsnapLead, Now: aggsnapNow, ProviderID: provider, Provider: domain.ProviderFacts{Registered: true, Name: provider},
		CategoryID: category, Reason: "meets the criteria"}
}

func aggsnapHalt(provider, urn string, suspend bool) domain.SuspendMatching {
	return domain.SuspendMatching{Actor: aggsnapPolicy, Now: aggsnapNow, ProviderID: provider, SettingURN: urn, Suspend: suspend, Reason: "risk level", RiskLevel: "red"}
}

// aggsnapDpsHistory: a DPS with applications, admissions, a rejection,
// suspensions by the lead and by the policy (one lifted, leaving an empty
// set of halts), a removal and an application still waiting.
func aggsnapDpsHistory(t *testing.T) domain.DpsState {
	return aggsnapDpsKind.play(t, domain.InitialDps(),
		domain.CreateDps{Actor: aggsnapLead, Now: aggsnapNow, DpsID: "dps-nw", Terms: aggsnapDpsTerms()},
		domain.OpenDps{Actor: aggsnapLead, Now: aggsnapNow},
		aggsnapApply("acme-care", 0, "residential", "fostering"),
		aggsnapApply("bright-homes", 1, "residential"),
		aggsnapApply("calm-care", 2, "fostering"),
		aggsnapApply("dale-homes", 3, "residential"),
		aggsnapApply("elm-care", 4, "residential", "fostering"),
		aggsnapAdmit("acme-care", "residential"),
		aggsnapAdmit("acme-care", "fostering"),
		aggsnapAdmit("bright-homes", "residential"),
		aggsnapAdmit("dale-homes", "residential"),
		domain.RejectApplication{Actor: aggsnapLead, Now: aggsnapNow, ProviderID: "calm-care", CategoryID: "fostering", Reason: "no answer on safeguarding"},
		domain.SuspendProvider{Actor: aggsnapLead, Now: aggsnapNow, ProviderID: "acme-care", CategoryID: "fostering", Reason: "complaint"},
		domain.SuspendProvider{Actor: aggsnapLead, Now: aggsnapNow, ProviderID: "bright-homes", Reason: "inspection"},
		aggsnapHalt("acme-care", "", true),
		aggsnapHalt("bright-homes", "SC100003", true),
		aggsnapHalt("bright-homes", "SC100003", false),
		domain.RemoveProvider{Actor: aggsnapLead, Now: aggsnapNow, ProviderID: "dale-homes", Reason: "left the market"},
	)
}

func TestAggsnapDpsRoundTrip(t *testing.T) {
	s := aggsnapDpsHistory(t)
	if h, ok := s.Halts["bright-homes"]; !ok || h == nil || len(h) != 0 {
		t.Fatalf("the history should leave bright-homes an empty set of halts, got %v (present %v)", h, ok)
	}
	aggsnapDpsKind.play(t, s, domain.CloseDps{Actor: aggsnapLead, Now: aggsnapNow, Reason: "re-procured"})
}

func TestAggsnapDpsDecidesAsFolded(t *testing.T) {
	aggsnapDpsKind.sameDecisions(t, aggsnapDpsHistory(t),
		aggsnapAdmit("elm-care", "fostering"),
		domain.ReinstateProvider{Actor: aggsnapLead, Now: aggsnapNow, ProviderID: "acme-care", CategoryID: "fostering", Reason: "resolved"},
		aggsnapHalt("acme-care", "", false),
		aggsnapHalt("bright-homes", "SC100003", true),
		aggsnapApply("calm-care", 5, "fostering"),
		aggsnapApply("acme-care", 5, "residential"), // refused: already admitted
		domain.SuspendProvider{Actor: aggsnapLead, Now: aggsnapNow, ProviderID: "dale-homes", Reason: "refused: removed"},
		domain.CloseDps{Actor: aggsnapLead, Now: aggsnapNow, Reason: "re-procured"},
		aggsnapHalt("elm-care", "", true), // nothing: closed
	)
}

func aggsnapNewSetting(urn, name, outcode string, places uint32) *purchasingv1.Setting {
	return &purchasingv1.Setting{Urn: urn, Name: name, Type: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, RegisteredPlaces: places,
		Outcode: outcode, Specialisms: []string{"autism"}, OfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, OfstedDate: "2026-03-10"}
}

func aggsnapProfile(trading string) *purchasingv1.ProviderProfile {
	return &purchasingv1.ProviderProfile{LegalName: "Acme Care Limited", TradingName: trading,
		Registration:      &purchasingv1.ProviderProfile_CompaniesHouseNumber{CompaniesHouseNumber: "01234567"},
		Contacts:          []*purchasingv1.Contact{{Name: "A. Manager", Role: "Registered manager", Email: "manager@acme.example"}},
		HeadOfficeOutcode: "M14"}
}

func aggsnapTake(placement, urn string, siblings uint32, awardedAt time.Time) domain.TakePlace {
	return domain.TakePlace{Actor: aggsnapSystem, Now: awardedAt, AwardedAt: awardedAt,
		Award: &purchasingv1.PlacementAwarded{PlacementId: placement, ReferralId: "ref-" + placement, ProviderId: "acme-care", SettingUrn: urn, SiblingCount: siblings}}
}

func aggsnapVacancy(urn string, places uint32, at time.Time) domain.PublishVacancy {
	return domain.PublishVacancy{Actor: aggsnapAcme, Now: at, URN: urn, FreePlaces: places, AvailableFrom: "2026-12-01"}
}

// aggsnapProviderHistory: a provider with settings added, updated and
// removed, vacancies published and withdrawn, accreditations recorded and
// replaced, and places taken and freed by placements.
func aggsnapProviderHistory(t *testing.T) domain.ProviderState {
	day := func(n int) time.Time { return aggsnapNow.AddDate(0, 0, n) }
	return aggsnapProvKind.play(t, domain.InitialProvider(),
		domain.RegisterProvider{Actor: aggsnapAcme, Now: day(0), ProviderID: "acme-care", Profile: aggsnapProfile("")},
		domain.AddSetting{Actor: aggsnapAcme, Now: day(0), Setting: aggsnapNewSetting("SC100001", "Oak House", "M14", 4)},
		domain.AddSetting{Actor: aggsnapAcme, Now: day(0), Setting: aggsnapNewSetting("SC100002", "Elm House", "SK1", 2)},
		domain.AddSetting{Actor: aggsnapAcme, Now: day(0), Setting: aggsnapNewSetting("SC100003", "Birch House", "M14", 3)},
		domain.UpdateProviderProfile{Actor: aggsnapAcme, Now: day(1), Profile: aggsnapProfile("Acme Care")},
		domain.RecordAccreditation{Actor: aggsnapAcme, Now: day(1), Accreditation: &purchasingv1.Accreditation{
			Kind: purchasingv1.AccreditationKind_ACCREDITATION_KIND_PUBLIC_LIABILITY_INSURANCE, Reference: "PL-1", ExpiresOn: "2027-03-31"}},
		domain.RecordAccreditation{Actor: aggsnapAcme, Now: day(1), Accreditation: &purchasingv1.Accreditation{
			Kind: purchasingv1.AccreditationKind_ACCREDITATION_KIND_DBS_CHECKS, Reference: "DBS-1", ExpiresOn: "2026-12-31"}},
		aggsnapVacancy("SC100001", 3, day(2)),
		aggsnapVacancy("SC100002", 2, day(2)),
		aggsnapVacancy("SC100003", 1, day(2)),
		aggsnapTake("pl-1", "SC100001", 1, day(3)),
		aggsnapTake("pl-2", "SC100002", 0, day(3)),
		domain.UpdateSetting{Actor: aggsnapAcme, Now: day(4), Setting: aggsnapNewSetting("SC100001", "Oak House", "M14", 1), Reason: "fewer beds"},
		domain.FreePlace{Actor: aggsnapSystem, Now: day(5), PlacementID: "pl-2", Reason: "ended"},
		domain.WithdrawVacancy{Actor: aggsnapAcme, Now: day(6), URN: "SC100002", Reason: "full"},
		domain.RemoveSetting{Actor: aggsnapAcme, Now: day(7), URN: "SC100003", Reason: "closed"},
		domain.RecordAccreditation{Actor: aggsnapAcme, Now: day(8), Accreditation: &purchasingv1.Accreditation{
			Kind: purchasingv1.AccreditationKind_ACCREDITATION_KIND_DBS_CHECKS, Reference: "DBS-2", ExpiresOn: "2027-12-31"}},
		aggsnapVacancy("SC100002", 1, day(9)),
	)
}

func TestAggsnapProviderRoundTrip(t *testing.T) {
	s := aggsnapProviderHistory(t)
	if s.Settings["SC100002"].PublishedAt.IsZero() || !s.Settings["SC100003"].Removed || len(s.Held) != 1 {
		t.Fatalf("the history should leave a published vacancy, a removed setting and one held placement: %+v", s)
	}
}

func TestAggsnapProviderDecidesAsFolded(t *testing.T) {
	day := func(n int) time.Time { return aggsnapNow.AddDate(0, 0, n) }
	aggsnapProvKind.sameDecisions(t, aggsnapProviderHistory(t),
		// Awarded before the vacancy of day 9 was published: it counts it.
		aggsnapTake("pl-3", "SC100002", 0, day(8)),
		aggsnapTake("pl-4", "SC100002", 0, day(10)),
		aggsnapTake("pl-1", "SC100001", 1, day(10)), // nothing: held already
		domain.FreePlace{Actor: aggsnapSystem, Now: day(11), PlacementID: "pl-1", Reason: "ended"},
		aggsnapVacancy("SC100001", 2, day(11)), // refused: one registered place
		domain.AddSetting{Actor: aggsnapAcme, Now: day(12), Setting: aggsnapNewSetting("SC100003", "Birch House", "M14", 3)},
		domain.AddSetting{Actor: aggsnapAcme, Now: day(12), Setting: aggsnapNewSetting("SC100001", "Oak House", "M14", 4)},    // refused: added already
		domain.UpdateSetting{Actor: aggsnapAcme, Now: day(12), Setting: aggsnapNewSetting("SC100009", "Ash House", "M14", 4)}, // refused: no such setting
	)
}

func aggsnapAccept(a domain.Actor, version uint32, day int) domain.AcceptAgreement {
	return domain.AcceptAgreement{Actor: a, Now: aggsnapNow.AddDate(0, 0, day), Version: version}
}

// aggsnapAgreementHistory: an agreement drawn, accepted and locked, varied
// twice (a price uplift, then a new end date still awaiting the provider).
func aggsnapAgreementHistory(t *testing.T) domain.AgreementState {
	return aggsnapAgrKind.play(t, domain.InitialAgreement(),
		domain.DrawAgreement{Actor: aggsnapSystem, Now: aggsnapNow, AgreementID: "agr-1", Terms: &purchasingv1.AgreementTerms{
			PlacementId: "pl-1", ReferralId: "ref-1", Consortium: "north-west", Council: "352", ProviderId: "acme-care", ProviderName: "Acme Care",
			SettingUrn: "SC100001", SettingName: "Oak House", StartDate: "2026-11-30",
			Prices: []*purchasingv1.AgreementPrice{{FromDate: "2026-11-30", WeeklyPricePence: 450000}}}},
		aggsnapAccept(aggsnapCommisner, 1, 1),
		aggsnapAccept(aggsnapAcme, 1, 2),
		domain.ProposeVariation{Actor: aggsnapAcme, Now: aggsnapNow.AddDate(1, 0, 0), NewWeeklyPrice: 470000, PriceFrom: "2027-12-01", Reason: "annual uplift"},
		aggsnapAccept(aggsnapCommisner, 2, 370),
		aggsnapAccept(aggsnapAcme, 2, 371),
		domain.ProposeVariation{Actor: aggsnapCommisner, Now: aggsnapNow.AddDate(2, 0, 0), EndDate: "2029-06-30", Reason: "planned move"},
		aggsnapAccept(aggsnapCommisner, 3, 731),
		domain.RecordAgreementPlacementEnded{EndDate: "2029-06-30", ReasonCode: "planned"},
	)
}

func TestAggsnapAgreementRoundTrip(t *testing.T) {
	s := aggsnapAgreementHistory(t)
	if len(s.Versions) != 3 || s.InForce != 2 || s.Versions[0].Accepted == nil {
		t.Fatalf("the history should leave three versions, the second in force: %+v", s)
	}
}

func TestAggsnapAgreementDecidesAsFolded(t *testing.T) {
	aggsnapAgrKind.sameDecisions(t, aggsnapAgreementHistory(t),
		aggsnapAccept(aggsnapCommisner, 3, 732), // refused: accepted already
		aggsnapAccept(aggsnapAcme, 2, 732),      // refused: not awaiting
		aggsnapAccept(aggsnapAcme, 3, 732),
		domain.ProposeVariation{Actor: aggsnapAcme, Now: aggsnapNow.AddDate(3, 0, 0), NewWeeklyPrice: 490000, PriceFrom: "2028-12-01", Reason: "uplift"},
		domain.RecordAgreementPlacementEnded{EndDate: "2029-06-30"}, // nothing: recorded already
	)
}

// Garbage, a snapshot cut short, one with bytes changed and another
// kind's snapshot are refused or read, never a panic; a cut one is refused.
func TestAggsnapUnmarshalGarbage(t *testing.T) {
	dps, err := aggsnapMarshalDps(aggsnapDpsHistory(t))
	if err != nil {
		t.Fatal(err)
	}
	prov, err := aggsnapMarshalProvider(aggsnapProviderHistory(t))
	if err != nil {
		t.Fatal(err)
	}
	agr, err := aggsnapMarshalAgreement(aggsnapAgreementHistory(t))
	if err != nil {
		t.Fatal(err)
	}
	unmarshal := map[string]func([]byte) error{
		"dps":       func(b []byte) error { _, err := aggsnapUnmarshalDps(b); return err },
		"provider":  func(b []byte) error { _, err := aggsnapUnmarshalProvider(b); return err },
		"agreement": func(b []byte) error { _, err := aggsnapUnmarshalAgreement(b); return err },
	}
	valid := map[string][]byte{"dps": dps, "provider": prov, "agreement": agr}
	rng := rand.New(rand.NewPCG(16, 16))
	for kind, read := range unmarshal {
		good := valid[kind]
		for _, b := range snaptest.Garbage(good) {
			if read(b) == nil {
				t.Errorf("%s: %x read as a snapshot", kind, b)
			}
		}
		for range 2000 {
			b := append([]byte(nil), good...)
			for range 1 + rng.IntN(4) {
				b[rng.IntN(len(b))] = byte(rng.Uint32())
			}
			_ = read(b) // must not panic
		}
		for other, b := range valid {
			if other != kind {
				_ = read(b)
			}
		}
	}
}

// An agreement snapshot whose version in force is not among its versions is
// refused: Current would index past them.
func TestAggsnapAgreementVersionInForceOutOfRange(t *testing.T) {
	s := aggsnapAgreementHistory(t)
	s.InForce = 7
	b, err := aggsnapMarshalAgreement(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := aggsnapUnmarshalAgreement(b); err == nil {
		t.Fatal("version 7 in force of 3 read as a snapshot")
	}
}
