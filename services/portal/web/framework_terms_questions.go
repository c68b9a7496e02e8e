package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// The framework's quality questions in the terms flow: after the lots, one
// question a page ("add another question"), each with an optional word
// limit. Every bid on the framework answers them.

// The service's limits on quality questions (framework domain).
const (
	fqMaxQuestions = 20
	fqMaxWords     = 1500
)

// fqQuestion is one quality question of the flow; Words 0 is no limit.
type fqQuestion struct {
	ID, Text string
	Words    int
}

func (f *termsFlow) questions() []fqQuestion {
	ids := f.v["question_id"]
	out := make([]fqQuestion, len(ids))
	at := func(k string, i int) string {
		if vs := f.v[k]; i < len(vs) {
			return vs[i]
		}
		return ""
	}
	for i, id := range ids {
		out[i].ID, out[i].Text = id, at("question_text", i)
		out[i].Words, _ = strconv.Atoi(at("question_words", i))
	}
	return out
}

func (f *termsFlow) setQuestions(qs []fqQuestion) {
	var ids, texts, words []string
	for _, q := range qs {
		ids, texts, words = append(ids, q.ID), append(texts, q.Text), append(words, strconv.Itoa(q.Words))
	}
	f.set("question_id", ids...)
	f.set("question_text", texts...)
	f.set("question_words", words...)
}

func fqQuestionsOf(qs []*frameworkv1.QualityQuestion) []fqQuestion {
	var out []fqQuestion
	for _, q := range qs {
		out = append(out, fqQuestion{ID: q.GetQuestionId(), Text: q.GetText(), Words: int(q.GetWordLimit())})
	}
	return out
}

func fqTermsQuestions(qs []fqQuestion) []*frameworkv1.QualityQuestion {
	var out []*frameworkv1.QualityQuestion
	for _, q := range qs {
		out = append(out, &frameworkv1.QualityQuestion{QuestionId: q.ID, Text: q.Text, WordLimit: uint32(q.Words)})
	}
	return out
}

// fqNewID is a question id the flow does not use yet: q-n, from n up.
func fqNewID(qs []fqQuestion, n int) string {
	for ; ; n++ {
		id := "q-" + strconv.Itoa(n)
		if !slices.ContainsFunc(qs, func(q fqQuestion) bool { return q.ID == id }) {
			return id
		}
	}
}

// fqLimitWords: "Answers up to 500 words" or "No word limit".
func fqLimitWords(words int) string {
	if words == 0 {
		return "No word limit"
	}
	return "Answers up to " + view.TenderNumber(words) + " words"
}

// fqFieldID is the id of a question's field: the service's path
// terms.quality_questions[i].<field>, so its violations land on the field.
func fqFieldID(i int, field string) string {
	return view.FieldID(fmt.Sprintf("terms.quality_questions[%d].%s", i, field))
}

func fqQuestionValues(i int, qn fqQuestion) url.Values {
	v := url.Values{}
	v.Set(fqFieldID(i, "text"), qn.Text)
	if qn.Words > 0 {
		v.Set(fqFieldID(i, "word_limit"), strconv.Itoa(qn.Words))
	}
	return v
}

// fqSaveQuestion checks question i's answers and keeps them (i may be a
// new question).
func fqSaveQuestion(v url.Values, f *termsFlow, i int) (p problems) {
	id := func(field string) string { return fqFieldID(i, field) }
	text := strings.TrimSpace(v.Get(id("text")))
	switch {
	case text == "":
		p.add(id("text"), "Enter the question")
	case len([]rune(text)) < 3:
		p.add(id("text"), "The question must be 3 characters or more")
	case len([]rune(text)) > 500:
		p.add(id("text"), "The question must be 500 characters or fewer")
	}
	words := 0
	if raw := strings.TrimSpace(v.Get(id("word_limit"))); raw != "" {
		n, ok := parseWhole(strings.ReplaceAll(raw, ",", ""), 1, fqMaxWords)
		if !ok {
			p.add(id("word_limit"), "Enter the word limit as a whole number from 1 to 1,500, or leave it empty for no limit")
		}
		words = n
	}
	if len(p) > 0 {
		return p
	}
	qs := f.questions()
	qn := fqQuestion{Text: text, Words: words}
	if i < len(qs) {
		qn.ID = qs[i].ID
		qs[i] = qn
	} else {
		qn.ID = fqNewID(qs, i+1)
		qs = append(qs, qn)
	}
	f.setQuestions(qs)
	return nil
}

func (q *rq) fqShowQuestion(f *termsFlow, n int, v url.Values, errs []view.FieldError) error {
	i := n - 1
	id := func(field string) string { return fqFieldID(i, field) }
	back := f.base() + "/questions"
	if len(f.questions()) == 0 {
		back = f.base() + "/lots"
	}
	c := q.chrome(f, back, f.base()+"/question/"+strconv.Itoa(n))
	heading := "Quality question " + strconv.Itoa(n)
	q.page.Title = heading
	fields := []templ.Component{
		view.Textarea(view.Field{ID: id("text"), Label: "Question", Value: v.Get(id("text")), Errors: errs,
			Hint: "Every provider answers it in their bid. For example, How will you keep children safe, including from exploitation and going missing?"}),
		view.Input(view.Field{ID: id("word_limit"), Label: "Word limit (optional)", Width: "4", Value: v.Get(id("word_limit")), Errors: errs,
			Hint: "The most words an answer may have, up to 1,500. Leave it empty for no limit."}),
	}
	return q.render(view.TermsQuestion(q.page, c, heading, "", fields))
}

// termsQuestions is the "add another question" page.
func (s *Server) termsQuestions(q *rq, f *termsFlow) error {
	qs := f.questions()
	var errs []view.FieldError
	if q.r.Method == http.MethodPost {
		if errs = flowQualityQuestions.another(q, f, f.base()+"/check"); errs == nil {
			return nil
		}
	}
	var list []view.TermsQuality
	for i, qn := range qs {
		n := strconv.Itoa(i + 1)
		list = append(list, view.TermsQuality{Text: qn.Text, Limit: fqLimitWords(qn.Words),
			Change: f.base() + "/question/" + n, Remove: f.base() + "/question/" + n + "/remove"})
	}
	q.page.Title = "Quality questions"
	back := f.base() + "/lots"
	if len(qs) > 0 {
		back = f.base() + "/question/" + strconv.Itoa(len(qs))
	}
	another := view.Field{ID: "add-another", Label: "Do you need to add another quality question?", Errors: errs,
		Options: []view.Option{{Value: "yes", Text: "Yes"}, {Value: "no", Text: "No"}}}
	return q.render(view.TermsQualityQuestions(q.page, view.TermsFlow{Caption: q.chrome(f, "", "").Caption, Back: back, Action: f.base() + "/questions"}, list, another))
}

// fqCheckRows are the questions on the check answers page.
func fqCheckRows(f *termsFlow) []view.CheckRow {
	var rows []view.CheckRow
	for i, qn := range f.questions() {
		n := strconv.Itoa(i + 1)
		rows = append(rows, view.CheckRow{Key: "Quality question " + n, Lines: []string{qn.Text, fqLimitWords(qn.Words)},
			Change: f.base() + "/question/" + n + "?change=1", ChangeWhat: "quality question " + n})
	}
	return append(rows, view.CheckRow{Key: "Quality questions", Lines: []string{countWords(len(f.questions()), "question", "questions")},
		Change: f.base() + "/questions", ChangeWhat: "quality questions: add or remove one"})
}

func (q *rq) fqShowQuestionAnswers(f *termsFlow, i int, errs []view.FieldError) error {
	return q.fqShowQuestion(f, i+1, fqQuestionValues(i, f.questions()[i]), errs)
}
