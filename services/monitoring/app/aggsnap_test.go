package app

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/timestamppb"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/aggregate"
	"github.com/carecoop/carecoop/services/kit/aggregate/snaptest"
	"github.com/carecoop/carecoop/services/kit/snapshot"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// Given years of events, folded as a load folds them: the state Unmarshal
// gives back from Marshal is the folded state, folds further events to the
// same state, and decides commands as the folded one does.

var (
	aggsnapLead     = domain.Actor{Subject: "u-lead", Organisation: "consortium:north-west", Role: domain.RoleConsortiumLead}
	aggsnapCouncil  = domain.Actor{Subject: "u-352", Organisation: "council:352", Role: domain.RoleCouncilCommissioner}
	aggsnapProvider = domain.Actor{Subject: "u-acme", Organisation: "provider:acme-care", Role: "provider_admin"}
	aggsnapPlatform = domain.Actor{Subject: "ofsted-feed", Organisation: "platform", Role: domain.RolePlatformAdmin}
	aggsnapFacts    = domain.SettingFacts{URN: "SC100001", ProviderID: "acme-care", CouncilPlaces: true, LeadWorksWith: true}
)

// aggsnapDecide runs decide, failing the test on an error: the histories
// are made of accepted commands.
func aggsnapDecide[S, C any](t *testing.T, s S, evolve func(S, []proto.Message) S, decide func(S, C) ([]proto.Message, error), c C) (S, []proto.Message) {
	t.Helper()
	events, err := decide(s, c)
	if err != nil {
		t.Fatalf("decide %T: %v", c, err)
	}
	return evolve(s, events), events
}

// aggsnapRestore marshals s with codec, checks what Unmarshal gives back is
// s, and returns it.
func aggsnapRestore[S any](t *testing.T, codec aggregate.Codec[S], s S, opts ...cmp.Option) S {
	t.Helper()
	data, err := codec.Marshal(s)
	if err != nil {
		t.Fatalf("%s: marshal: %v", codec.Version, err)
	}
	got, err := codec.Unmarshal(data)
	if err != nil {
		t.Fatalf("%s: unmarshal: %v", codec.Version, err)
	}
	if d := cmp.Diff(s, got, append(opts, protocmp.Transform())...); d != "" {
		t.Fatalf("%s: restored state differs from the folded one (-folded +restored):\n%s", codec.Version, d)
	}
	return got
}

// aggsnapSameDecision decides c on the folded and on the restored state
// and wants the same events, or the same error.
func aggsnapSameDecision[S, C any](t *testing.T, folded, restored S, decide func(S, C) ([]proto.Message, error), c C) {
	t.Helper()
	want, wantErr := decide(folded, c)
	got, gotErr := decide(restored, c)
	if fmt.Sprint(wantErr) != fmt.Sprint(gotErr) {
		t.Fatalf("%T: restored state's error %v, folded state's %v", c, gotErr, wantErr)
	}
	if d := cmp.Diff(want, got, protocmp.Transform()); d != "" {
		t.Fatalf("%T: restored state decides other events (-folded +restored):\n%s", c, d)
	}
}

// aggsnapSameAfter folds more events into both and wants the same state
// (a restored state must take events as the folded one does).
func aggsnapSameAfter[S any](t *testing.T, folded, restored S, fold func(S, []proto.Message) S, more ...proto.Message) {
	t.Helper()
	if d := cmp.Diff(fold(folded, more), fold(restored, more), protocmp.Transform()); d != "" {
		t.Fatalf("after more events the restored state differs (-folded +restored):\n%s", d)
	}
}

func aggsnapFigures(m int) *monitoringv1.ReturnFigures {
	return &monitoringv1.ReturnFigures{
		RegisteredPlaces: 4, OccupiedPlaces: float64(2 + m%3), StaffInPost: 12, StaffLeavers: uint32(m % 2), AgencyShiftPercent: float64(m % 20),
		MissingEpisodes: uint32(m % 4), Restraints: uint32(m % 3), EducationAttendancePercent: 90, Complaints: 1,
		FeedbackResponses: 3, FeedbackScore: 4.2, FeedbackThemes: []string{"feel_safe"},
	}
}

var aggsnapGrades = []purchasingv1.OfstedGrade{
	purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, purchasingv1.OfstedGrade_OFSTED_GRADE_REQUIRES_IMPROVEMENT,
	purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING, purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE,
}

// aggsnapSettingHistory is ten years of a children's home: a return each
// month (a correction each year), an inspection every eighteen months, a
// visit each quarter, incidents and feedback.
func aggsnapSettingHistory(t *testing.T) []proto.Message {
	var (
		s   domain.SettingState
		out []proto.Message
	)
	step := func(events []proto.Message) { out = append(out, events...) }
	first, _ := domain.ParseMonth("2016-11")
	for i := range 120 {
		m := first + domain.Month(i)
		now := m.Last().AddDate(0, 0, 5+i%20).Add(10 * time.Hour)
		var ev []proto.Message
		s, ev = aggsnapDecide(t, s, domain.FoldSetting, domain.DecideReturn, domain.SubmitReturn{Actor: aggsnapProvider, Now: now, Facts: aggsnapFacts,
			Period: m.String(), Figures: aggsnapFigures(i), DueWorkingDays: domain.DefaultDueWorkingDays})
		step(ev)
		if i%12 == 11 {
			s, ev = aggsnapDecide(t, s, domain.FoldSetting, domain.DecideReturn, domain.SubmitReturn{Actor: aggsnapProvider, Now: now.Add(time.Hour), Facts: aggsnapFacts,
				Period: (m - 3).String(), Figures: aggsnapFigures(i + 1), Correction: true, DueWorkingDays: domain.DefaultDueWorkingDays})
			step(ev)
		}
		if i%18 == 7 {
			s, ev = aggsnapDecide(t, s, domain.FoldSetting, domain.DecideOfsted, domain.RecordOfsted{Actor: aggsnapPlatform, Now: now, Facts: aggsnapFacts,
				Grade: aggsnapGrades[i%len(aggsnapGrades)], InspectionDate: m.First().AddDate(0, 0, 9).Format(domain.DateLayout), InspectionType: "full"})
			step(ev)
		}
		if i%3 == 1 {
			s, ev = aggsnapDecide(t, s, domain.FoldSetting, domain.DecideVisit, domain.RecordVisit{Actor: aggsnapCouncil, Now: now, Facts: aggsnapFacts,
				VisitID: fmt.Sprintf("visit-%d", i), VisitedOn: m.First().Format(domain.DateLayout), Rating: monitoringv1.VisitRating(1 + i%3), Findings: "settled"})
			step(ev)
		}
		if i%5 == 2 {
			s, ev = aggsnapDecide(t, s, domain.FoldSetting, domain.DecideIncident, domain.NotifyIncident{Actor: aggsnapProvider, Now: now, Facts: aggsnapFacts,
				IncidentID: fmt.Sprintf("inc-%d", i), Type: monitoringv1.IncidentType(1 + i%4), OccurredOn: m.First().Format(domain.DateLayout), Summary: "reported"})
			step(ev)
		}
		if i%4 == 0 {
			s, ev = aggsnapDecide(t, s, domain.FoldSetting, domain.DecideFeedback, domain.RecordFeedback{Actor: aggsnapCouncil, Now: now, Facts: aggsnapFacts,
				From: monitoringv1.FeedbackFrom(1 + i%3), Score: uint32(1 + i%5), ReceivedOn: m.First().Format(domain.DateLayout)})
			step(ev)
		}
	}
	return out
}

func TestAggsnapSettingRestoresTheFoldedState(t *testing.T) {
	history := aggsnapSettingHistory(t)
	folded := domain.FoldSetting(domain.SettingState{}, history)
	if len(folded.Returns) != 120 || folded.Returns["2017-07"] != 2 || len(folded.Judgements) < 6 || folded.Visits == 0 || folded.Incidents == 0 {
		t.Fatalf("the history is not the one meant: %d returns, %d judgements, %d visits, %d incidents", len(folded.Returns), len(folded.Judgements), folded.Visits, folded.Incidents)
	}
	restored := aggsnapRestore(t, aggsnapSettingCodec, folded)

	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	ret := func(period string, correction bool) domain.SubmitReturn {
		return domain.SubmitReturn{Actor: aggsnapProvider, Now: now, Facts: aggsnapFacts, Period: period, Figures: aggsnapFigures(3),
			Correction: correction, DueWorkingDays: domain.DefaultDueWorkingDays}
	}
	aggsnapSameDecision(t, folded, restored, domain.DecideReturn, ret("2026-11", false))
	aggsnapSameDecision(t, folded, restored, domain.DecideReturn, ret("2017-07", true)) // corrected once already: revision 3
	aggsnapSameDecision(t, folded, restored, domain.DecideReturn, ret("2020-05", false))
	ofsted := func(date string, g purchasingv1.OfstedGrade) domain.RecordOfsted {
		return domain.RecordOfsted{Actor: aggsnapPlatform, Now: now, Facts: aggsnapFacts, Grade: g, InspectionDate: date, InspectionType: "full"}
	}
	aggsnapSameDecision(t, folded, restored, domain.DecideOfsted, ofsted("2021-01-20", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD)) // previous grade from before it
	aggsnapSameDecision(t, folded, restored, domain.DecideOfsted, ofsted("2017-06-10", aggsnapGrades[0]))                           // recorded, other grade
	aggsnapSameDecision(t, folded, restored, domain.DecideOfsted, ofsted("2017-06-10", aggsnapGrades[3]))                           // recorded, same grade

	events, err := domain.DecideReturn(folded, ret("2026-11", false))
	if err != nil {
		t.Fatal(err)
	}
	aggsnapSameAfter(t, folded, restored, domain.FoldSetting, append(events, &monitoringv1.OfstedJudgementRecorded{
		Urn: aggsnapFacts.URN, Grade: purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD, InspectionDate: "2026-11-30"})...)
}

// aggsnapRiskHistory is ten years of monthly assessments of acme under
// north-west: three settings and the provider moving between levels, red
// suspending and green reinstating.
func aggsnapRiskHistory(t *testing.T) ([]proto.Message, time.Time, uint64) {
	var (
		s   domain.RiskState
		out []proto.Message
	)
	levels := []monitoringv1.RiskLevel{domain.Green, domain.Amber, domain.Red, domain.Amber, domain.Green, domain.Green, domain.Red}
	at := time.Date(2016, 11, 1, 3, 0, 0, 0, time.UTC)
	var pos uint64
	for i := range 120 {
		at, pos = at.AddDate(0, 1, 0), pos+1000+uint64(i)
		c := domain.AssessRisk{Consortium: "north-west", ProviderID: "acme-care", ProviderName: "Acme Care", Now: at, EvidencePosition: pos, SuspendOnRed: true,
			Provider:         domain.Assessment{Level: levels[(i/2)%len(levels)], Reasons: []*monitoringv1.RiskReason{{Indicator: monitoringv1.Indicator_INDICATOR_MISSING_RETURNS, Level: domain.Amber, Value: 1, Threshold: 1}}},
			ProviderCouncils: []string{"352", "353"}}
		for j, urn := range []string{"SC100001", "SC100002", "SC100003"} {
			c.Settings = append(c.Settings, domain.SettingAssessment{URN: urn, Councils: []string{"352"}, Assessment: domain.Assessment{Level: levels[(i+j*3)%len(levels)],
				Reasons: []*monitoringv1.RiskReason{{Indicator: monitoringv1.Indicator_INDICATOR_STAFF_TURNOVER, Level: domain.Red, Value: 55, Threshold: 50, SettingUrn: urn}}}})
		}
		var ev []proto.Message
		s, ev = aggsnapDecide(t, s, domain.FoldRisk, domain.DecideRisk, c)
		out = append(out, ev...)
	}
	return out, at, pos
}

func TestAggsnapRiskRestoresTheFoldedState(t *testing.T) {
	history, at, pos := aggsnapRiskHistory(t)
	folded := domain.FoldRisk(domain.RiskState{}, history)
	// Both kept false and true in the settings' suspensions: a map of
	// false values must come back whole.
	suspended := map[bool]int{}
	for _, v := range folded.SettingSuspended {
		suspended[v]++
	}
	if len(history) < 200 || len(folded.Settings) != 3 || suspended[true] == 0 || suspended[false] == 0 {
		t.Fatalf("the history is not the one meant: %d events, %d settings, suspended %v", len(history), len(folded.Settings), suspended)
	}
	restored := aggsnapRestore(t, aggsnapRiskCodec, folded)

	assess := func(now time.Time, pos uint64, setting, provider monitoringv1.RiskLevel) domain.AssessRisk {
		return domain.AssessRisk{Consortium: "north-west", ProviderID: "acme-care", ProviderName: "Acme Care", Now: now, EvidencePosition: pos, SuspendOnRed: true,
			Provider: domain.Assessment{Level: provider}, ProviderCouncils: []string{"352"},
			Settings: []domain.SettingAssessment{
				{URN: "SC100001", Councils: []string{"352"}, Assessment: domain.Assessment{Level: setting}},
				{URN: "SC100004", Councils: []string{"352"}, Assessment: domain.Assessment{Level: domain.Red}},
			}}
	}
	for _, l := range []monitoringv1.RiskLevel{domain.Green, domain.Amber, domain.Red} {
		aggsnapSameDecision(t, folded, restored, domain.DecideRisk, assess(at.Add(time.Hour), pos+1, l, l))
	}
	aggsnapSameDecision(t, folded, restored, domain.DecideRisk, assess(at.Add(-time.Hour), pos, domain.Red, domain.Red))  // same evidence, earlier: stale
	aggsnapSameDecision(t, folded, restored, domain.DecideRisk, assess(at.Add(time.Hour), pos-1, domain.Red, domain.Red)) // older evidence: stale

	more, err := domain.DecideRisk(folded, assess(at.Add(time.Hour), pos+1, domain.Green, domain.Red))
	if err != nil || len(more) == 0 {
		t.Fatalf("no change to fold: %v %v", more, err)
	}
	aggsnapSameAfter(t, folded, restored, domain.FoldRisk, more...)
}

// A provider assessed only as a whole has no settings' maps: restored, it
// still takes a setting's first change.
func TestAggsnapRiskOfAProviderOnly(t *testing.T) {
	at := timestamppb.New(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))
	folded := domain.FoldRisk(domain.RiskState{}, []proto.Message{&monitoringv1.RiskLevelChanged{Scope: monitoringv1.RiskScope_RISK_SCOPE_PROVIDER,
		From: domain.Green, To: domain.Red, Action: monitoringv1.RiskAction_RISK_ACTION_SUSPEND, AssessedAt: at, EvidencePosition: 7}})
	restored := aggsnapRestore(t, aggsnapRiskCodec, folded)
	aggsnapSameAfter(t, folded, restored, domain.FoldRisk, &monitoringv1.RiskLevelChanged{Scope: monitoringv1.RiskScope_RISK_SCOPE_SETTING, SettingUrn: "SC1",
		From: domain.Green, To: domain.Amber, AssessedAt: at, EvidencePosition: 8})
}

// aggsnapPlacement is council 352's placement at acme's Oak House from
// September 2016, its outcomes measured at the start and reviewed each
// quarter for ten years.
func aggsnapPlacement(t *testing.T) (domain.ContractState, []proto.Message) {
	started := &monitoringv1.ContractStarted{ContractId: "pl-1", Kind: monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT, Consortium: "north-west",
		Council: "352", ProviderId: "acme-care", SettingUrn: "SC100001", StartDate: "2016-09-01", ExpectedEndDate: "2027-08-31",
		WeeklyPricePence: 550000, PlacementId: "placement-1", ReferralId: "ref-1"}
	s, out := aggsnapDecide(t, domain.ContractState{}, domain.FoldContract, domain.DecideStart, domain.StartContract{Contract: started})
	on := domain.ParseDate("2016-09-01")
	point := monitoringv1.OutcomePoint_OUTCOME_POINT_START
	for i := range 40 {
		var ev []proto.Message
		n := uint32(1 + i%5)
		s, ev = aggsnapDecide(t, s, domain.FoldContract, domain.DecideOutcome, domain.RecordOutcome{Actor: aggsnapCouncil, Now: on.Add(36 * time.Hour), Point: point,
			RecordedOn: on.Format(domain.DateLayout), Scores: &monitoringv1.OutcomeScores{Stability: n, Education: n, Health: 6 - n, Wellbeing: n, ChildsView: n}})
		out = append(out, ev...)
		point, on = monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW, on.AddDate(0, 3, 0)
	}
	return s, out
}

func TestAggsnapContractRestoresTheFoldedState(t *testing.T) {
	_, history := aggsnapPlacement(t)
	folded := domain.FoldContract(domain.ContractState{}, history)
	if len(folded.Outcomes) != 40 {
		t.Fatalf("%d outcomes, want 40", len(folded.Outcomes))
	}
	restored := aggsnapRestore(t, aggsnapContractCodec, folded)

	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	aggsnapSameDecision(t, folded, restored, domain.DecideOutcome, domain.RecordOutcome{Actor: aggsnapCouncil, Now: now,
		Point: monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW, RecordedOn: "2026-11-20", Scores: &monitoringv1.OutcomeScores{Stability: 4}})
	aggsnapSameDecision(t, folded, restored, domain.DecideOutcome, domain.RecordOutcome{Actor: aggsnapCouncil, Now: now,
		Point: monitoringv1.OutcomePoint_OUTCOME_POINT_START, RecordedOn: "2026-11-20"}) // start already measured
	end := domain.EndPlacement{Actor: aggsnapCouncil, Now: now, EndDate: "2026-11-21", ReasonCode: "E4A", Reason: "returned home", ReasonCodes: []string{"E4A", "E13"}}
	aggsnapSameDecision(t, folded, restored, domain.DecideEndPlacement, end)
	aggsnapSameDecision(t, folded, restored, domain.DecideEndFramework, domain.EndFrameworkContract{EndDate: "2026-11-21", ReasonCode: "expired"})

	ended, err := domain.DecideEndPlacement(folded, end)
	if err != nil {
		t.Fatal(err)
	}
	aggsnapSameAfter(t, folded, restored, domain.FoldContract, ended...)
	// Ended: restored again, the end is kept and an outcome after it refused.
	folded = domain.FoldContract(folded, ended)
	restored = aggsnapRestore(t, aggsnapContractCodec, folded)
	aggsnapSameDecision(t, folded, restored, domain.DecideOutcome, domain.RecordOutcome{Actor: aggsnapCouncil, Now: now.AddDate(0, 1, 0),
		Point: monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW, RecordedOn: "2026-12-20"})
	aggsnapSameDecision(t, folded, restored, domain.DecideEndPlacement, end)
}

func TestAggsnapInboxRestoresTheFoldedState(t *testing.T) {
	var (
		s       domain.InboxState
		history []proto.Message
	)
	for i := range 2000 {
		var ev []proto.Message
		s, ev = aggsnapDecide(t, s, domain.FoldInbox, domain.DecideAcknowledge, domain.AcknowledgeAlert{Actor: aggsnapCouncil,
			AlertID: fmt.Sprintf("alert-%d", i), InInbox: true, Note: "seen"})
		history = append(history, ev...)
		if i%10 == 0 { // acknowledged twice: decides nothing
			_, again := aggsnapDecide(t, s, domain.FoldInbox, domain.DecideAcknowledge, domain.AcknowledgeAlert{Actor: aggsnapCouncil, AlertID: fmt.Sprintf("alert-%d", i), InInbox: true})
			history = append(history, again...)
		}
	}
	folded := domain.FoldInbox(domain.InboxState{}, history)
	if len(folded.Acknowledged) != 2000 {
		t.Fatalf("%d acknowledged, want 2000", len(folded.Acknowledged))
	}
	restored := aggsnapRestore(t, aggsnapInboxCodec, folded)
	for _, id := range []string{"alert-17", "alert-2000"} {
		aggsnapSameDecision(t, folded, restored, domain.DecideAcknowledge, domain.AcknowledgeAlert{Actor: aggsnapCouncil, AlertID: id, InInbox: true, Note: "done"})
	}
	aggsnapSameAfter(t, folded, restored, domain.FoldInbox, &monitoringv1.AlertAcknowledged{AlertId: "alert-2000", Organisation: "council:352"})
}

// A state with nothing in it (a stream whose events this state ignores)
// comes back with nothing in it, nil maps and all.
func TestAggsnapEmptyStates(t *testing.T) {
	aggsnapRestore(t, aggsnapSettingCodec, domain.FoldSetting(domain.SettingState{}, []proto.Message{&monitoringv1.FeedbackRecorded{Urn: "SC1"}}))
	aggsnapRestore(t, aggsnapRiskCodec, domain.RiskState{})
	aggsnapRestore(t, aggsnapContractCodec, domain.ContractState{})
	aggsnapRestore(t, aggsnapInboxCodec, domain.InboxState{})
	// A framework contract: started, no outcomes, ended with its framework.
	fw := domain.FoldContract(domain.ContractState{}, []proto.Message{
		&monitoringv1.ContractStarted{ContractId: "fw-1", Kind: monitoringv1.ContractKind_CONTRACT_KIND_FRAMEWORK, ProviderId: "acme-care", MemberCouncils: []string{"352"}},
		&monitoringv1.ContractEnded{ContractId: "fw-1", EndDate: "2030-03-31", ReasonCode: "expired"},
	})
	aggsnapRestore(t, aggsnapContractCodec, fw)
}

// aggsnapSeeds are each codec's encoding of a realistic state.
func aggsnapSeeds(t testing.TB) [][]byte {
	var out [][]byte
	add := func(b []byte, err error) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	add(aggsnapSettingCodec.Marshal(domain.SettingState{Returns: map[string]uint32{"2026-01": 1, "2026-02": 2},
		Judgements: map[string]purchasingv1.OfstedGrade{"2025-05-01": aggsnapGrades[1]}, LatestGrade: aggsnapGrades[1], LatestDate: "2025-05-01", Visits: 3, Incidents: 1}))
	add(aggsnapRiskCodec.Marshal(domain.RiskState{Settings: map[string]monitoringv1.RiskLevel{"SC1": domain.Red}, SettingSuspended: map[string]bool{"SC1": true},
		Provider: domain.Amber, EvidencePosition: 42, AssessedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}))
	add(aggsnapContractCodec.Marshal(domain.ContractState{Started: &monitoringv1.ContractStarted{ContractId: "pl-1", Council: "352"},
		Outcomes: []*monitoringv1.OutcomeRecorded{{ContractId: "pl-1", Point: monitoringv1.OutcomePoint_OUTCOME_POINT_START, Scores: &monitoringv1.OutcomeScores{Health: 3}}}}))
	add(aggsnapInboxCodec.Marshal(domain.InboxState{Acknowledged: map[string]bool{"a-1": true, "a-2": true}}))
	return out
}

// aggsnapUnmarshalAny runs every codec's Unmarshal on data: none may
// panic, and a state any of them accepts must marshal again.
func aggsnapUnmarshalAny(t testing.TB, data []byte) (accepted int) {
	check := func(name string, marshal func() ([]byte, error), err error) {
		if err != nil {
			return
		}
		accepted++
		if _, err := marshal(); err != nil {
			t.Fatalf("%s: a state read from %x does not marshal: %v", name, data, err)
		}
	}
	st, err := aggsnapSettingCodec.Unmarshal(data)
	check("setting", func() ([]byte, error) { return aggsnapSettingCodec.Marshal(st) }, err)
	rk, err := aggsnapRiskCodec.Unmarshal(data)
	check("risk", func() ([]byte, error) { return aggsnapRiskCodec.Marshal(rk) }, err)
	ct, err := aggsnapContractCodec.Unmarshal(data)
	check("contract", func() ([]byte, error) { return aggsnapContractCodec.Marshal(ct) }, err)
	ib, err := aggsnapInboxCodec.Unmarshal(data)
	check("inbox", func() ([]byte, error) { return aggsnapInboxCodec.Marshal(ib) }, err)
	return accepted
}

func TestAggsnapGarbageIsAnError(t *testing.T) {
	// Junk, and every cut of a real snapshot short of its end.
	for _, b := range snaptest.Garbage(aggsnapSeeds(t)...) {
		if n := aggsnapUnmarshalAny(t, b); n != 0 {
			t.Errorf("%x: read as a state by %d codec(s)", b, n)
		}
	}
	// A snapshot whose protobuf parts are not protobuf.
	bad, err := snapshot.Encode(&aggsnapContract{HasStarted: true, Started: []byte{0xff, 0xff, 0xff}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := aggsnapContractCodec.Unmarshal(bad); err == nil {
		t.Error("a contract whose start is not protobuf was read")
	}
}

func FuzzAggsnapUnmarshal(f *testing.F) {
	for _, s := range aggsnapSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) { aggsnapUnmarshalAny(t, data) })
}
