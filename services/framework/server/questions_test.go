package server_test

import (
	"slices"
	"strings"
	"testing"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// gmQuestions are the consortium's own quality questions: the first with
// a word limit of 12.
func gmQuestions() []*frameworkv1.QualityQuestion {
	return []*frameworkv1.QualityQuestion{
		{QuestionId: "q-safety", Text: "How will you keep children safe, including from exploitation and going missing?", WordLimit: 12},
		{QuestionId: "q-local", Text: "How will you keep children close to their families, schools and communities?"},
	}
}

// A framework's quality questions: refused when malformed (field
// violations) or broken (the rule), published to everyone who sees the
// framework, and answered once each, by id, in every bid.
func TestQualityQuestions(t *testing.T) {
	h := newHarness(t)
	lead := h.lead()
	before := h.LastPosition()

	bad := gmTerms()
	bad.QualityQuestions = []*frameworkv1.QualityQuestion{
		{QuestionId: "Q 1", Text: "How?", WordLimit: 1501},
		{QuestionId: "q-2", Text: "no\u202econtrol characters"},
		{QuestionId: "q-3", Text: ""},
	}
	_, err := lead.DraftFramework(h.Ctx, &frameworkv1.DraftFrameworkRequest{RequestId: "bad-questions", Terms: bad})
	fields := servicetest.FieldViolations(t, err)
	for _, want := range []string{"terms.quality_questions[0].question_id", "terms.quality_questions[0].word_limit",
		"terms.quality_questions[1].text", "terms.quality_questions[2].text"} {
		if !slices.Contains(fields, want) {
			t.Errorf("field violations %v do not name %s", fields, want)
		}
	}
	tooMany := gmTerms()
	for i := range 21 {
		tooMany.QualityQuestions = append(tooMany.QualityQuestions, &frameworkv1.QualityQuestion{QuestionId: "q-" + strings.Repeat("x", i+1), Text: "A question"})
	}
	_, err = lead.DraftFramework(h.Ctx, &frameworkv1.DraftFrameworkRequest{RequestId: "too-many-questions", Terms: tooMany})
	if fields := servicetest.FieldViolations(t, err); !slices.Equal(fields, []string{"terms.quality_questions"}) {
		t.Errorf("21 questions: field violations %v", fields)
	}
	twice := gmTerms()
	twice.QualityQuestions = append(gmQuestions(), &frameworkv1.QualityQuestion{QuestionId: "q-local", Text: "Asked again?"})
	_, err = lead.DraftFramework(h.Ctx, &frameworkv1.DraftFrameworkRequest{RequestId: "question-twice", Terms: twice})
	servicetest.WantRule(t, err, domain.RuleQualityQuestionIDsUnique)
	if after := h.LastPosition(); after != before {
		t.Fatalf("refused drafts wrote to the store: position %d → %d", before, after)
	}

	// Drafted without questions, then amended to ask them.
	id := h.draft("questions-framework").GetFrameworkId()
	withQuestions := gmTerms()
	withQuestions.QualityQuestions = gmQuestions()
	_, err = lead.AmendFramework(h.Ctx, &frameworkv1.AmendFrameworkRequest{RequestId: "amend-twice", FrameworkId: id, Terms: twice, Reason: "Ask our own questions"})
	servicetest.WantRule(t, err, domain.RuleQualityQuestionIDsUnique)
	must(lead.AmendFramework(h.Ctx, &frameworkv1.AmendFrameworkRequest{RequestId: "amend-questions", FrameworkId: id, Terms: withQuestions, Reason: "Ask our own questions"})).OK(t)
	pos := h.open(id).GetPosition()

	// Public terms: the lead, a member council, a provider and a
	// non-member council read the same questions.
	for _, c := range []*caller{lead, h.council("352"), h.provider(p1), h.council("341")} {
		fw := must(c.GetFramework(h.Ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: pos})).OK(t)
		if got := fw.GetQualityQuestions(); len(got) != 2 || got[0].GetQuestionId() != "q-safety" || got[0].GetWordLimit() != 12 || got[1].GetText() != gmQuestions()[1].GetText() {
			t.Errorf("%s reads the questions %v", c.Org, got)
		}
	}

	submit := func(reqID string, as ...*frameworkv1.QualityAnswer) error {
		_, err := h.provider(p1).SubmitBid(h.Ctx, &frameworkv1.SubmitBidRequest{RequestId: reqID, FrameworkId: id, LotId: "lot-1", WeeklyPricePence: 450000, QualityAnswers: as})
		return err
	}
	ans := func(q, text string) *frameworkv1.QualityAnswer {
		return &frameworkv1.QualityAnswer{QuestionId: q, Answer: text}
	}
	before = h.LastPosition()
	missing := submit("bid-missing-one", ans("q-safety", "Trained staff."))
	servicetest.WantRule(t, missing, domain.RuleAnswerEveryQuestion)
	if !strings.Contains(missing.Error(), `"q-local"`) {
		t.Errorf("the refusal does not name the missing question: %v", missing)
	}
	unknown := submit("bid-unknown-one", ans("q-safety", "Trained staff."), ans("q-local", "Local homes."), ans("q-price", "Cheap."))
	servicetest.WantRule(t, unknown, domain.RuleAnswerKnownQuestion)
	if !strings.Contains(unknown.Error(), `"q-price"`) {
		t.Errorf("the refusal does not name the unknown question: %v", unknown)
	}
	servicetest.WantRule(t, submit("bid-free-answers", answers("Trained staff.")...), domain.RuleAnswerKnownQuestion)
	servicetest.WantRule(t, submit("bid-twice", ans("q-safety", "Trained staff."), ans("q-safety", "Again."), ans("q-local", "Local.")), domain.RuleAnswerEachQuestionOnce)
	servicetest.WantRule(t, submit("bid-too-long", ans("q-safety", strings.Repeat("word ", 13)), ans("q-local", "Local.")), domain.RuleAnswerWordLimit)
	// An answer naming neither a question id nor a question is malformed.
	if fields := servicetest.FieldViolations(t, submit("bid-nameless", &frameworkv1.QualityAnswer{Answer: "To what?"})); !slices.Equal(fields, []string{"quality_answers[0]"}) {
		t.Errorf("a nameless answer: field violations %v", fields)
	}
	if after := h.LastPosition(); after != before {
		t.Fatalf("refused bids wrote to the store: position %d → %d", before, after)
	}

	// Answered by id, in any order: the bid reads back with each
	// question's text, in the terms' order.
	if err := submit("bid-by-id", ans("q-local", "Homes in every member council's area."), ans("q-safety", "Trained staff and a missing-from-care protocol.")); err != nil {
		t.Fatal(err)
	}
	bids := must(h.provider(p1).ListBids(h.Ctx, &frameworkv1.ListBidsRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t).GetBids()
	if len(bids) != 1 {
		t.Fatalf("%d bids", len(bids))
	}
	got := bids[0].GetQualityAnswers()
	if len(got) != 2 || got[0].GetQuestionId() != "q-safety" || got[0].GetQuestion() != gmQuestions()[0].GetText() ||
		got[1].GetQuestionId() != "q-local" || got[1].GetAnswer() != "Homes in every member council's area." {
		t.Fatalf("the bid's answers read back as %v", got)
	}
}

// A framework without questions (as every framework drafted before they
// were terms) still takes free question and answer pairs, and refuses an
// answer by question id.
func TestAFrameworkWithoutQuestionsTakesFreeAnswers(t *testing.T) {
	h := newHarness(t)
	id := h.draft("no-questions-fw").GetFrameworkId()
	h.open(id)
	h.submit(id, bid{p1, "lot-1", 450000, 0}, "free-answers-bid")
	_, err := h.provider(p2).SubmitBid(h.Ctx, &frameworkv1.SubmitBidRequest{RequestId: "bid-by-id-0001", FrameworkId: id, LotId: "lot-1", WeeklyPricePence: 450000,
		QualityAnswers: []*frameworkv1.QualityAnswer{{QuestionId: "q-1", Answer: "Trained staff."}}})
	servicetest.WantRule(t, err, domain.RuleAnswerKnownQuestion)
	bids := must(h.provider(p1).ListBids(h.Ctx, &frameworkv1.ListBidsRequest{FrameworkId: id, MinPosition: h.LastPosition()})).OK(t).GetBids()
	if len(bids) != 1 || len(bids[0].GetQualityAnswers()) != 2 || bids[0].GetQualityAnswers()[0].GetQuestion() != answers("")[0].GetQuestion() {
		t.Fatalf("the free answers read back as %v", bids)
	}
}
