package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/carecoop/carecoop/services/portal/view"
)

// flowList is one of the framework terms flow's "add another" lists (its
// lots, its quality questions): a page for each item at <base>/<item>/<n>
// (n from 1, one past the last adds one), a remove button for each, and
// the list page <base>/<list> asking whether to add another.
type flowList struct {
	item, list string // the path segments, e.g. "lot" and "lots"
	max        int    // the most items; 0 for no limit
	// The list page's errors: too many, none, and no answer.
	full, empty, unanswered string

	len    func(f *termsFlow) int
	values func(f *termsFlow, i int) url.Values // item i's answers as form values
	save   func(v url.Values, f *termsFlow, i int) problems
	show   func(q *rq, f *termsFlow, n int, v url.Values, errs []view.FieldError) error
	remove func(f *termsFlow, i int)
}

var (
	flowLots = flowList{item: "lot", list: "lots",
		empty: "Add at least one lot: a framework needs one", unanswered: "Select yes if you need to add another lot",
		len: func(f *termsFlow) int { return len(f.lots()) }, values: lotValues, save: saveLot, show: (*rq).showLot,
		remove: func(f *termsFlow, i int) { f.setLots(slices.Delete(f.lots(), i, i+1)) }}
	flowQualityQuestions = flowList{item: "question", list: "questions", max: fqMaxQuestions,
		full: "A framework can ask at most 20 quality questions", empty: "Add at least one quality question: every bid answers them",
		unanswered: "Select yes if you need to add another quality question",
		len:        func(f *termsFlow) int { return len(f.questions()) }, save: fqSaveQuestion, show: (*rq).fqShowQuestion,
		values: func(f *termsFlow, i int) url.Values { return fqQuestionValues(i, f.questions()[i]) },
		remove: func(f *termsFlow, i int) { f.setQuestions(slices.Delete(f.questions(), i, i+1)) }}
)

// page is an item's page: its answers on GET; on POST they are checked and
// kept, and the list (or check answers) follows.
func (l flowList) page(q *rq) error {
	f, ok := q.flow()
	if !ok {
		return nil
	}
	n, err := strconv.Atoi(q.r.PathValue("n"))
	if err != nil || n < 1 || n > l.len(f)+1 || (l.max > 0 && n > l.max) {
		return status.Error(codes.NotFound, "no such "+l.item)
	}
	i := n - 1
	if q.r.Method == http.MethodGet {
		v := url.Values{}
		if i < l.len(f) {
			v = l.values(f, i)
		}
		return l.show(q, f, n, v, nil)
	}
	if err := q.r.ParseForm(); err != nil {
		return err
	}
	v := q.r.PostForm
	if errs := l.save(v, f, i); len(errs) > 0 {
		return q.refuse(func(errs []view.FieldError) error { return l.show(q, f, n, v, errs) }, errs...)
	}
	if err := q.saveFlow(f); err != nil {
		return err
	}
	next := f.base() + "/" + l.list
	if q.changing() {
		next = f.base() + "/check"
	}
	http.Redirect(q.w, q.r, next, http.StatusSeeOther)
	return nil
}

// removeItem takes an item out of the flow.
func (l flowList) removeItem(q *rq) error {
	f, ok := q.flow()
	if !ok {
		return nil
	}
	n, err := strconv.Atoi(q.r.PathValue("n"))
	if err != nil || n < 1 || n > l.len(f) {
		return status.Error(codes.NotFound, "no such "+l.item)
	}
	l.remove(f, n-1)
	if err := q.saveFlow(f); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, f.base()+"/"+l.list, http.StatusSeeOther)
	return nil
}

// another answers the list page's "add another" question: on to a new
// item, or to done once there is one; else the error, set as the page's
// with HTTP 422, for the page to show again (nil once redirected).
func (l flowList) another(q *rq, f *termsFlow, done string) []view.FieldError {
	count := l.len(f)
	var msg string
	switch q.r.PostFormValue("add-another") {
	case "yes":
		if l.max == 0 || count < l.max {
			http.Redirect(q.w, q.r, f.base()+"/"+l.item+"/"+strconv.Itoa(count+1), http.StatusSeeOther)
			return nil
		}
		msg = l.full
	case "no":
		if count > 0 {
			http.Redirect(q.w, q.r, done, http.StatusSeeOther)
			return nil
		}
		msg = l.empty
	default:
		msg = l.unanswered
	}
	errs := []view.FieldError{{Field: "add-another", Message: msg}}
	q.page.Errors = errs
	q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.w.WriteHeader(http.StatusUnprocessableEntity)
	return errs
}
