package domain_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
)

// A framework's own quality questions: part of its terms, answered once
// each, by id, in every bid.

func questions() []*frameworkv1.QualityQuestion {
	return []*frameworkv1.QualityQuestion{
		{QuestionId: "q-1", Text: "How will you keep children safe, including from exploitation?", WordLimit: 10},
		{QuestionId: "q-2", Text: "How will you keep children close to their families and schools?"},
	}
}

func termsWithQuestions() *frameworkv1.FrameworkTerms {
	return termsWith(func(t *frameworkv1.FrameworkTerms) { t.QualityQuestions = questions() })
}

// openWithQuestions: drafted with questions q-1 (10 words at most) and q-2,
// open for bids.
func openWithQuestions() []proto.Message {
	return []proto.Message{&frameworkv1.FrameworkDrafted{FrameworkId: fwID, Consortium: nw, Terms: termsWithQuestions()}, opened()}
}

func answer(id, text string) *frameworkv1.QualityAnswer {
	return &frameworkv1.QualityAnswer{QuestionId: id, Answer: text}
}

func bidWith(as ...*frameworkv1.QualityAnswer) domain.SubmitBid {
	return domain.SubmitBid{Actor: acme, Now: t0, LotID: "lot-1", WeeklyPricePence: 400000, QualityAnswers: as}
}

func TestDraftAndAmendWithQuestions(t *testing.T) {
	given().when(draftCmd(termsWithQuestions())).thenEvents(t, &frameworkv1.FrameworkDrafted{FrameworkId: fwID, Consortium: nw, Terms: termsWithQuestions()})
	s := given(draft()...).when(amendCmd(termsWithQuestions())).thenEvents(t,
		&frameworkv1.FrameworkAmended{FrameworkId: fwID, Terms: termsWithQuestions(), Reason: "councils asked for a 60/40 split"})
	if got := s.Terms.GetQualityQuestions(); len(got) != 2 || got[0].GetQuestionId() != "q-1" {
		t.Fatalf("questions after the amendment: %v", got)
	}
}

func TestQuestionRules(t *testing.T) {
	with := func(change func(qs []*frameworkv1.QualityQuestion) []*frameworkv1.QualityQuestion) *frameworkv1.FrameworkTerms {
		return termsWith(func(t *frameworkv1.FrameworkTerms) { t.QualityQuestions = change(questions()) })
	}
	given().when(draftCmd(with(func(qs []*frameworkv1.QualityQuestion) []*frameworkv1.QualityQuestion {
		qs[1].QuestionId = "q-1"
		return qs
	}))).thenRule(t, domain.RuleQualityQuestionIDsUnique)
	given().when(draftCmd(with(func(qs []*frameworkv1.QualityQuestion) []*frameworkv1.QualityQuestion {
		qs[1].QuestionId = ""
		return qs
	}))).thenInvalid(t, "terms.quality_questions[1].question_id")
	given().when(draftCmd(with(func(qs []*frameworkv1.QualityQuestion) []*frameworkv1.QualityQuestion {
		qs[0].Text = "  "
		return qs
	}))).thenInvalid(t, "terms.quality_questions[0].text")
	given().when(draftCmd(with(func(qs []*frameworkv1.QualityQuestion) []*frameworkv1.QualityQuestion {
		qs[0].WordLimit = domain.MaxWordLimit + 1
		return qs
	}))).thenInvalid(t, "terms.quality_questions[0].word_limit")
	many := func(n int) func([]*frameworkv1.QualityQuestion) []*frameworkv1.QualityQuestion {
		return func([]*frameworkv1.QualityQuestion) []*frameworkv1.QualityQuestion {
			var qs []*frameworkv1.QualityQuestion
			for i := range n {
				qs = append(qs, &frameworkv1.QualityQuestion{QuestionId: "q-" + strings.Repeat("x", i+1), Text: "A question"})
			}
			return qs
		}
	}
	given().when(draftCmd(with(many(domain.MaxQualityQuestions)))).thenEvents(t,
		&frameworkv1.FrameworkDrafted{FrameworkId: fwID, Consortium: nw, Terms: with(many(domain.MaxQualityQuestions))})
	given().when(draftCmd(with(many(domain.MaxQualityQuestions+1)))).thenRule(t, domain.RuleQualityQuestionsMax)
	// The amendment is held to the same rules.
	given(draft()...).when(amendCmd(with(func(qs []*frameworkv1.QualityQuestion) []*frameworkv1.QualityQuestion {
		return append(qs, &frameworkv1.QualityQuestion{QuestionId: "q-2", Text: "Again?"})
	}))).thenRule(t, domain.RuleQualityQuestionIDsUnique)
}

func TestABidAnswersEveryQuestionByID(t *testing.T) {
	// Answers in any order, the question text left out: the bid records
	// them in the terms' order with the terms' text.
	given(openWithQuestions()...).when(bidWith(answer("q-2", "Homes in every member council's area."), answer("q-1", "Trained staff and a missing-from-care protocol."))).
		thenEvents(t, &frameworkv1.BidSubmitted{FrameworkId: fwID, LotId: "lot-1", ProviderId: "acme-care", WeeklyPricePence: 400000,
			QualityAnswers: []*frameworkv1.QualityAnswer{
				{QuestionId: "q-1", Question: questions()[0].GetText(), Answer: "Trained staff and a missing-from-care protocol."},
				{QuestionId: "q-2", Question: questions()[1].GetText(), Answer: "Homes in every member council's area."},
			}})
	// A question text the bid sends does not replace the terms'.
	a := answer("q-1", "Trained staff.")
	a.Question = "Something else entirely?"
	o := given(openWithQuestions()...).when(bidWith(a, answer("q-2", "Local homes.")))
	if o.err != nil || o.events[0].(*frameworkv1.BidSubmitted).GetQualityAnswers()[0].GetQuestion() != questions()[0].GetText() {
		t.Fatalf("the bid's own question text: %v %v", o.events, o.err)
	}
}

func TestABidsAnswersMustMatchTheQuestions(t *testing.T) {
	open := openWithQuestions()
	given(open...).when(bidWith(answer("q-1", "Trained staff."))).thenRule(t, domain.RuleAnswerEveryQuestion)
	given(open...).when(bidWith(answer("q-1", "Trained staff."), answer("q-2", "Local."), answer("q-3", "Extra."))).thenRule(t, domain.RuleAnswerKnownQuestion)
	given(open...).when(bidWith(answer("q-1", "Trained staff."), &frameworkv1.QualityAnswer{Question: "A question of my own?", Answer: "Local."})).
		thenRule(t, domain.RuleAnswerKnownQuestion)
	given(open...).when(bidWith(answer("q-1", "Trained staff."), answer("q-1", "Again."), answer("q-2", "Local."))).thenRule(t, domain.RuleAnswerEachQuestionOnce)
	// q-1 has a limit of 10 words: 10 pass, 11 do not.
	ten := strings.Repeat("word ", 10)
	given(open...).when(bidWith(answer("q-1", ten), answer("q-2", "Local."))).thenEvents(t, &frameworkv1.BidSubmitted{FrameworkId: fwID, LotId: "lot-1",
		ProviderId: "acme-care", WeeklyPricePence: 400000, QualityAnswers: []*frameworkv1.QualityAnswer{
			{QuestionId: "q-1", Question: questions()[0].GetText(), Answer: ten}, {QuestionId: "q-2", Question: questions()[1].GetText(), Answer: "Local."}}})
	given(open...).when(bidWith(answer("q-1", ten+"more"), answer("q-2", "Local."))).thenRule(t, domain.RuleAnswerWordLimit)
	// An empty answer is a bad field, whatever the questions.
	given(open...).when(bidWith(answer("q-1", " "), answer("q-2", "Local."))).thenInvalid(t, "quality_answers[0]")
	// The amendment of a bid is held to the questions too.
	withBid := append(open, &frameworkv1.BidSubmitted{FrameworkId: fwID, LotId: "lot-1", ProviderId: "acme-care", WeeklyPricePence: 400000,
		QualityAnswers: []*frameworkv1.QualityAnswer{{QuestionId: "q-1", Question: "x", Answer: "a"}, {QuestionId: "q-2", Question: "y", Answer: "b"}}})
	given(withBid...).when(bidWith(answer("q-2", "Local."))).thenRule(t, domain.RuleAnswerEveryQuestion)
}

// A framework drafted before questions were part of the terms (its
// FrameworkDrafted carries none) keeps taking free answers, and its bids
// stay as they were.
func TestAFrameworkDraftedWithoutQuestionsTakesFreeAnswers(t *testing.T) {
	old := []proto.Message{
		&frameworkv1.FrameworkDrafted{FrameworkId: fwID, Consortium: nw, Terms: terms()},
		opened(),
		bid("lot-1", "bright-homes", 500000),
	}
	s := given(old...).state()
	if b, ok := s.Bid("lot-1", "bright-homes"); !ok || b.WeeklyPricePence != 500000 {
		t.Fatalf("the old bid: %+v %v", b, ok)
	}
	given(old...).when(submit(acme, t0, "lot-1", 400000)).thenEvents(t, bid("lot-1", "acme-care", 400000))
	given(old...).when(bidWith(&frameworkv1.QualityAnswer{Question: "Why you?", Answer: "Local homes."}, &frameworkv1.QualityAnswer{Question: "Staff?", Answer: "Stable."})).
		thenEvents(t, &frameworkv1.BidSubmitted{FrameworkId: fwID, LotId: "lot-1", ProviderId: "acme-care", WeeklyPricePence: 400000,
			QualityAnswers: []*frameworkv1.QualityAnswer{{Question: "Why you?", Answer: "Local homes."}, {Question: "Staff?", Answer: "Stable."}}})
	// It has no questions to answer by id.
	given(old...).when(bidWith(answer("q-1", "Trained staff."))).thenRule(t, domain.RuleAnswerKnownQuestion)
	given(old...).when(bidWith(&frameworkv1.QualityAnswer{Answer: "No question."})).thenInvalid(t, "quality_answers[0].question")
	// Amending its bid keeps it a free-answer bid.
	given(old...).when(domain.SubmitBid{Actor: bright, Now: t0, LotID: "lot-1", WeeklyPricePence: 480000, QualityAnswers: answers()}).
		thenEvents(t, &frameworkv1.BidAmended{FrameworkId: fwID, LotId: "lot-1", ProviderId: "bright-homes", WeeklyPricePence: 480000, QualityAnswers: answers()})
}

func TestWords(t *testing.T) {
	for s, want := range map[string]int{"": 0, "  ": 0, "one": 1, "two words": 2, " line\nbreaks\tand  tabs ": 4} {
		if got := domain.Words(s); got != want {
			t.Errorf("Words(%q) = %d, want %d", s, got, want)
		}
	}
}
