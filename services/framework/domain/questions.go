package domain

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// MaxQualityQuestions is the most quality questions a framework asks: a
// tender's quality section is read and scored by a panel, bid by bid.
const MaxQualityQuestions = 20

// MaxWordLimit is the highest word limit a question may set (an answer's
// 10,000 characters hold about this many words).
const MaxWordLimit = 1500

func validateQuestions(qs []*frameworkv1.QualityQuestion) error {
	if len(qs) > MaxQualityQuestions {
		return domainerr.Rule(RuleQualityQuestionsMax, "the framework asks %d quality questions: ask at most %d", len(qs), MaxQualityQuestions)
	}
	seen := map[string]int{}
	for i, q := range qs {
		path := fmt.Sprintf("terms.quality_questions[%d]", i)
		if q.GetQuestionId() == "" {
			return domainerr.Field(path+".question_id", "give quality question %d an id, e.g. \"q-%d\"", i+1, i+1)
		}
		if j, dup := seen[q.GetQuestionId()]; dup {
			return domainerr.Rule(RuleQualityQuestionIDsUnique, "quality questions %d and %d both have the id %q: give each question its own id", j+1, i+1, q.GetQuestionId())
		}
		seen[q.GetQuestionId()] = i
		if strings.TrimSpace(q.GetText()) == "" {
			return domainerr.Field(path+".text", "write quality question %q: the text providers answer", q.GetQuestionId())
		}
		if q.GetWordLimit() > MaxWordLimit {
			return domainerr.Field(path+".word_limit", "quality question %q has a word limit of %d: set at most %d, or 0 for none", q.GetQuestionId(), q.GetWordLimit(), MaxWordLimit)
		}
	}
	return nil
}

// Words counts an answer's words as a reader does: runs of text between
// spaces and line breaks.
func Words(s string) int { return len(strings.Fields(s)) }

// bidAnswers checks a bid's answers against the framework's questions and
// returns them as the bid records them: on a framework with questions, one
// per question in the terms' order, each with the terms' text; on one
// without (drafted before questions were terms), the free pairs as given.
func bidAnswers(qs []*frameworkv1.QualityQuestion, given []*frameworkv1.QualityAnswer) ([]*frameworkv1.QualityAnswer, error) {
	if len(qs) == 0 {
		out := make([]*frameworkv1.QualityAnswer, len(given))
		for i, a := range given {
			if a.GetQuestionId() != "" {
				return nil, domainerr.Rule(RuleAnswerKnownQuestion, "answer %d names question %q, but the framework has no quality questions of its own: give each answer its question's text instead", i+1, a.GetQuestionId())
			}
			if strings.TrimSpace(a.GetQuestion()) == "" {
				return nil, domainerr.Field(fmt.Sprintf("quality_answers[%d].question", i), "quality answer %d needs its question", i+1)
			}
			out[i] = proto.CloneOf(a)
		}
		return out, nil
	}
	byID := map[string]*frameworkv1.QualityAnswer{}
	for i, a := range given {
		id := a.GetQuestionId()
		if id == "" || !hasQuestion(qs, id) {
			return nil, domainerr.Rule(RuleAnswerKnownQuestion, "answer %d names %s, which is not one of the framework's quality questions (%s): answer each by its id",
				i+1, questionName(id), questionIDs(qs))
		}
		if _, twice := byID[id]; twice {
			return nil, domainerr.Rule(RuleAnswerEachQuestionOnce, "question %q is answered twice: give one answer to each question", id)
		}
		byID[id] = a
	}
	out := make([]*frameworkv1.QualityAnswer, 0, len(qs))
	for _, q := range qs {
		a, ok := byID[q.GetQuestionId()]
		if !ok {
			return nil, domainerr.Rule(RuleAnswerEveryQuestion, "question %q (%s) is not answered: a bid answers every quality question of the framework", q.GetQuestionId(), q.GetText())
		}
		if n, limit := Words(a.GetAnswer()), int(q.GetWordLimit()); limit > 0 && n > limit {
			return nil, domainerr.Rule(RuleAnswerWordLimit, "the answer to question %q is %d words: its limit is %d words", q.GetQuestionId(), n, limit)
		}
		out = append(out, &frameworkv1.QualityAnswer{QuestionId: q.GetQuestionId(), Question: q.GetText(), Answer: a.GetAnswer()})
	}
	return out, nil
}

func hasQuestion(qs []*frameworkv1.QualityQuestion, id string) bool {
	for _, q := range qs {
		if q.GetQuestionId() == id {
			return true
		}
	}
	return false
}

func questionName(id string) string {
	if id == "" {
		return "no question"
	}
	return fmt.Sprintf("question %q", id)
}

func questionIDs(qs []*frameworkv1.QualityQuestion) string {
	ids := make([]string, len(qs))
	for i, q := range qs {
		ids[i] = q.GetQuestionId()
	}
	return strings.Join(ids, ", ")
}
