package server_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/monitoring/app"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// Issue 10, item 1: anyone could record an Ofsted judgement on any home, and
// an Inadequate one suspended the provider. Only the platform's feed of
// Ofsted's published judgements records one; quality evidence is recorded
// only by those who may see the home — and to anyone else the home does not
// exist.
func TestEvidenceOnlyFromThoseEntitled(t *testing.T) {
	h := newHarness(t)
	dps := h.market()
	h.place(dps, "352", "ref-352-evidence", provA, "SC100001")
	inadequate := &monitoringv1.RecordOfstedJudgementRequest{RequestId: "forged-ofsted-01", Urn: "SC100001",
		Grade: purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE, InspectionDate: h.today(), InspectionType: "full"}
	before := h.pos()

	// The attacks as sent: a council with no placement there, a council in
	// no consortium, the lead of an unrelated consortium — and the home's
	// own placing council and consortium lead, whose opinion is not Ofsted's.
	for name, c := range map[string]monitoringv1.MonitoringServiceClient{
		"council 354, no placement there": h.commissioner("354"),
		"council 999, in no consortium":   h.commissioner("999"),
		"another consortium's lead":       h.otherLead(),
		"the placing council":             h.commissioner("352"),
		"the consortium's lead":           h.lead(),
		"the provider itself":             h.providerAdmin(provA),
	} {
		if _, err := c.RecordOfstedJudgement(h.Ctx, inadequate); status.Code(err) != codes.PermissionDenied {
			t.Errorf("Ofsted judgement by %s: %v, want PERMISSION_DENIED", name, err)
		}
	}
	if after := h.pos(); after != before {
		t.Fatalf("refused judgements wrote: store moved from %d to %d", before, after)
	}
	if lvl := h.level(provA); lvl.GetLevel() != monitoringv1.RiskLevel_RISK_LEVEL_GREEN {
		t.Fatalf("after the refused judgements provider A is %s, want GREEN", lvl.GetLevel())
	}

	// Quality visits, incidents, feedback and returns on a home the caller
	// may not see: NOT_FOUND, nothing written.
	visit := func(reqID string) *monitoringv1.RecordQualityVisitRequest {
		return &monitoringv1.RecordQualityVisitRequest{RequestId: reqID, Urn: "SC100001", VisitedOn: h.today(),
			Rating: monitoringv1.VisitRating_VISIT_RATING_SERIOUS_CONCERNS, Findings: "Staff could not say where the children were."}
	}
	feedback := &monitoringv1.RecordFeedbackRequest{RequestId: "forged-feedback-1", Urn: "SC100001", From: monitoringv1.FeedbackFrom_FEEDBACK_FROM_CHILD,
		Score: 1, ReceivedOn: h.today()}
	incident := &monitoringv1.NotifyIncidentRequest{RequestId: "forged-incident-1", Urn: "SC100001", Type: monitoringv1.IncidentType_INCIDENT_TYPE_SERIOUS_INJURY,
		OccurredOn: h.today(), Summary: "A serious injury"}
	for name, err := range map[string]error{
		"visit by council 354":          second(h.commissioner("354").RecordQualityVisit(h.Ctx, visit("forged-visit-354"))),
		"visit by council 999":          second(h.commissioner("999").RecordQualityVisit(h.Ctx, visit("forged-visit-999"))),
		"visit by another lead":         second(h.otherLead().RecordQualityVisit(h.Ctx, visit("forged-visit-lead"))),
		"feedback by council 354":       second(h.commissioner("354").RecordFeedback(h.Ctx, feedback)),
		"feedback by provider B":        second(h.providerAdmin(provB).RecordFeedback(h.Ctx, feedback)),
		"incident by provider B":        second(h.responder(provB).NotifyIncident(h.Ctx, incident)),
		"return by provider B":          second(h.responder(provB).SubmitMonitoringReturn(h.Ctx, &monitoringv1.SubmitMonitoringReturnRequest{RequestId: "forged-return-1", Urn: "SC100001", Period: "2026-10", Figures: figures()})),
		"visit to a home of no one's":   second(h.commissioner("352").RecordQualityVisit(h.Ctx, &monitoringv1.RecordQualityVisitRequest{RequestId: "visit-nowhere-1", Urn: "SC999999", VisitedOn: h.today(), Rating: monitoringv1.VisitRating_VISIT_RATING_NO_CONCERNS, Findings: "Fine."})),
		"visit to provider B's home":    second(h.commissioner("352").RecordQualityVisit(h.Ctx, visit2(h, "SC200001"))),
		"feedback at provider B's home": second(h.commissioner("352").RecordFeedback(h.Ctx, &monitoringv1.RecordFeedbackRequest{RequestId: "feedback-b-home", Urn: "SC200001", From: monitoringv1.FeedbackFrom_FEEDBACK_FROM_CHILD, Score: 3, ReceivedOn: h.today()})),
	} {
		if status.Code(err) != codes.NotFound {
			t.Errorf("%s: %v, want NOT_FOUND", name, err)
		}
	}
	if after := h.pos(); after != before {
		t.Fatalf("refused evidence wrote: store moved from %d to %d", before, after)
	}

	// Those entitled record it: the placing council and the lead of the
	// consortium the provider works with visit; the provider notifies; the
	// platform's Ofsted feed records the judgement, which turns A red.
	must(h.commissioner("352").RecordQualityVisit(h.Ctx, visit("visit-352-evidence"))).OK(t)
	must(h.lead().RecordQualityVisit(h.Ctx, visit("visit-lead-evidence"))).OK(t)
	must(h.responder(provA).NotifyIncident(h.Ctx, incident)).OK(t)
	must(h.commissioner("352").RecordFeedback(h.Ctx, feedback)).OK(t)
	must(h.ofstedFeed().RecordOfstedJudgement(h.Ctx, inadequate)).OK(t)
	q := must(h.lead().GetQualityEvidence(h.Ctx, &monitoringv1.GetQualityEvidenceRequest{Urn: "SC100001", MinPosition: h.pos()})).OK(t)
	var by []string
	for _, v := range q.GetVisits() {
		by = append(by, v.GetCouncil()+"/"+v.GetConsortium())
	}
	if len(by) != 2 || !slices.Contains(by, "352/") || !slices.Contains(by, "/"+consortium) {
		t.Errorf("visits recorded by %v, want council 352's and the %s lead's", by, consortium)
	}
	h.eventually("provider A red after Ofsted's Inadequate", func() bool {
		return h.level(provA).GetLevel() == monitoringv1.RiskLevel_RISK_LEVEL_RED
	})
}

func second[T any](_ T, err error) error { return err }

func visit2(h *harness, urn string) *monitoringv1.RecordQualityVisitRequest {
	return &monitoringv1.RecordQualityVisitRequest{RequestId: "visit-" + urn, Urn: urn, VisitedOn: h.today(),
		Rating: monitoringv1.VisitRating_VISIT_RATING_NO_CONCERNS, Findings: "Fine."}
}

// A provider's self-declared grade is superseded by a recorded judgement
// wherever a grade is shown or matched on; of the judgements, the latest
// inspection counts, whatever order they were recorded in.
func TestRecordedJudgementSupersedesTheDeclaredGrade(t *testing.T) {
	h := newHarness(t)
	h.market()
	grades := func() (provider, vacancy string) {
		t.Helper()
		pv := must(h.padmin(provA).GetProvider(h.Ctx, &purchasingv1.GetProviderRequest{ProviderId: provA, MinPosition: h.pos()})).OK(t)
		for _, s := range pv.GetSettings() {
			if s.GetSetting().GetUrn() == "SC100001" {
				provider = s.GetSetting().GetOfstedGrade().String() + " " + s.GetSetting().GetOfstedDate()
			}
		}
		vs := must(h.pcouncil("352").ListVacancies(h.Ctx, &purchasingv1.ListVacanciesRequest{MinPosition: h.pos()})).OK(t)
		for _, v := range vs.GetVacancies() {
			if v.GetSettingUrn() == "SC100001" {
				vacancy = v.GetOfstedGrade().String()
			}
		}
		return provider, vacancy
	}
	// Declared Good on 2026-03-10 at registration.
	if p, v := grades(); p != "OFSTED_GRADE_GOOD 2026-03-10" || v != "OFSTED_GRADE_GOOD" {
		t.Fatalf("before any judgement: %q, %q", p, v)
	}
	judge := func(reqID, on string, g purchasingv1.OfstedGrade) {
		must(h.ofstedFeed().RecordOfstedJudgement(h.Ctx, &monitoringv1.RecordOfstedJudgementRequest{RequestId: reqID, Urn: "SC100001",
			Grade: g, InspectionDate: on, InspectionType: "full"})).OK(t)
	}
	judge("ofsted-new-0001", h.today(), purchasingv1.OfstedGrade_OFSTED_GRADE_REQUIRES_IMPROVEMENT)
	want := "OFSTED_GRADE_REQUIRES_IMPROVEMENT " + h.today()
	if p, v := grades(); p != want || v != "OFSTED_GRADE_REQUIRES_IMPROVEMENT" {
		t.Errorf("after Ofsted's judgement the register shows %q and vacancies %q, want %q", p, v, want)
	}
	// An older inspection recorded late changes nothing.
	judge("ofsted-old-0001", "2025-06-01", purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING)
	if p, v := grades(); p != want || v != "OFSTED_GRADE_REQUIRES_IMPROVEMENT" {
		t.Errorf("an older inspection recorded late replaced the latest: %q, %q", p, v)
	}
	// Nor does the provider declaring a better grade since.
	must(h.padmin(provA).UpdateSetting(h.Ctx, &purchasingv1.UpdateSettingRequest{RequestId: "declare-outstanding", ProviderId: provA, Setting: &purchasingv1.Setting{
		Urn: "SC100001", Name: "Fallowfield House", Type: purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME, RegisteredPlaces: 4, Outcode: "M20",
		Specialisms: []string{"emotional_behavioural", "missing_from_care"}, OfstedGrade: purchasingv1.OfstedGrade_OFSTED_GRADE_OUTSTANDING, OfstedDate: h.today(),
	}, Reason: "Our own view of the home"})).OK(t)
	if p, v := grades(); p != want || v != "OFSTED_GRADE_REQUIRES_IMPROVEMENT" {
		t.Errorf("a declared grade outranked Ofsted's: %q, %q", p, v)
	}
}

// Issue 10, item 3: the lead of a new consortium "north" with a provider it
// registered as "west-northern-lights-care" read north-west's risk log for
// northern-lights-care, because both pairs spelt the same stream id.
func TestComposedStreamIDsDoNotCollideAcrossOrganisations(t *testing.T) {
	h := newHarness(t)
	dps := h.market()
	h.place(dps, "352", "ref-352-collide", provA, "SC100001")
	judged := must(h.ofstedFeed().RecordOfstedJudgement(h.Ctx, &monitoringv1.RecordOfstedJudgementRequest{RequestId: "ofsted-collide-01", Urn: "SC100001",
		Grade: purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE, InspectionDate: h.today(), InspectionType: "full"})).OK(t)
	h.eventually("provider A red", func() bool { return h.level(provA).GetLevel() == monitoringv1.RiskLevel_RISK_LEVEL_RED })

	// Consortium "north" runs a DPS with "west-" + provA admitted.
	lookalike := "west-" + provA
	northLead := h.p("north.lead", auth.ConsortiumOrg("north"), auth.ConsortiumLead)
	terms := dpsTerms()
	terms.Title = "North children's placements DPS"
	northDps := must(northLead.CreateDps(h.Ctx, &purchasingv1.CreateDpsRequest{RequestId: "dps-north-2026", Terms: terms})).OK(t).GetId()
	must(northLead.OpenDps(h.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "open-dps-north-2026", DpsId: northDps})).OK(t)
	h.register(lookalike)
	must(h.padmin(lookalike).ApplyToDps(h.Ctx, &purchasingv1.ApplyToDpsRequest{RequestId: "apply-lookalike", DpsId: northDps, ProviderId: lookalike, CategoryIds: []string{"residential"},
		Answers: []*purchasingv1.CriterionAnswer{{CriterionId: "safeguarding", Answer: "Trained staff in every home."}}})).OK(t)
	admitted := must(northLead.AdmitProvider(h.Ctx, &purchasingv1.DecideApplicationRequest{RequestId: "admit-lookalike", DpsId: northDps, ProviderId: lookalike, CategoryId: "residential",
		Reason: "Meets every selection criterion"})).OK(t)

	theirs, mine := domain.RiskID(consortium, provA), domain.RiskID("north", lookalike)
	if theirs == mine {
		t.Fatalf("%s+%s and north+%s compose the same stream id %q", consortium, provA, lookalike, theirs)
	}
	north := h.m("north.lead", auth.ConsortiumOrg("north"), auth.ConsortiumLead)
	for _, id := range []string{theirs, "north-west-" + provA, "north_" + "west-" + provA + "x"} {
		_, err := north.GetDecisionLog(h.Ctx, &monitoringv1.GetDecisionLogRequest{Aggregate: "risk", Id: id, MinPosition: max(admitted.GetPosition(), judged.GetPosition())})
		if status.Code(err) != codes.NotFound {
			t.Errorf("north's lead asking for risk log %q: %v, want NOT_FOUND", id, err)
		}
	}
	log := must(h.lead().GetDecisionLog(h.Ctx, &monitoringv1.GetDecisionLogRequest{Aggregate: "risk", Id: theirs, MinPosition: h.pos()})).OK(t)
	if len(log.GetDecisions()) == 0 {
		t.Fatalf("north-west's lead cannot read its own risk log %q", theirs)
	}
}

// A council that may not see a contract is told it does not exist by the
// contract commands too — not that it is "a framework contract".
func TestContractCommandsOnContractsOneMayNotSee(t *testing.T) {
	h := newHarness(t)
	dps := h.market()
	pl := h.place(dps, "352", "ref-352-contract", provA, "SC100001")
	fw := h.frameworkWithA()
	fc := app.FrameworkContractID(fw, "lot-1", provA)
	h.eventually("framework contract in monitoring", func() bool {
		_, err := h.lead().GetContract(h.Ctx, &monitoringv1.GetContractRequest{ContractId: fc})
		return err == nil
	})
	// Reactions to the award may still be committing elsewhere: what must
	// not move is the two contracts' own streams.
	logOf := func(id string) int {
		l := must(h.lead().GetDecisionLog(h.Ctx, &monitoringv1.GetDecisionLogRequest{Aggregate: "contract", Id: id, MinPosition: h.pos()})).OK(t)
		return len(l.GetDecisions())
	}
	plBefore, fcBefore := logOf(pl), logOf(fc)
	for name, err := range map[string]error{
		"another council ends 352's placement": second(h.commissioner("354").EndPlacement(h.Ctx, &monitoringv1.EndPlacementRequest{RequestId: "end-by-354-01",
			ContractId: pl, EndDate: h.today(), ReasonCode: "E4A"})),
		"a council outside the framework ends its contract": second(h.commissioner("999").EndPlacement(h.Ctx, &monitoringv1.EndPlacementRequest{RequestId: "end-by-999-01",
			ContractId: fc, EndDate: h.today(), ReasonCode: "E4A"})),
		"another council records an outcome": second(h.commissioner("354").RecordOutcome(h.Ctx, &monitoringv1.RecordOutcomeRequest{RequestId: "outcome-354-01",
			ContractId: pl, Point: monitoringv1.OutcomePoint_OUTCOME_POINT_START, RecordedOn: h.today(),
			Scores: &monitoringv1.OutcomeScores{Stability: 3, Education: 3, Health: 3, Wellbeing: 3, ChildsView: 3}})),
	} {
		if status.Code(err) != codes.NotFound {
			t.Errorf("%s: %v, want NOT_FOUND", name, err)
		}
	}
	if logOf(pl) != plBefore || logOf(fc) != fcBefore {
		t.Fatalf("refused commands wrote to the contracts: %d→%d, %d→%d decisions", plBefore, logOf(pl), fcBefore, logOf(fc))
	}
}
