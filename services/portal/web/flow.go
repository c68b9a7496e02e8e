package web

import (
	"net/http"
	"strings"
)

// flowQuestions is a question flow's navigation: one thing per page under
// base (base/<slug>), the answers kept in the session under form until
// base/check. A page opened from the check page (?change=1) goes back
// there. Creating a DPS, placing a child and registering a provider are
// such flows.
type flowQuestions struct {
	base  string // the flow's address, e.g. /dps/new
	exit  string // where Back leads from the first question
	form  string // the session's key for the answers
	steps []flowStep
}

// flowStep is a question page: its slug, its title, and the answer that
// says it has been answered.
type flowStep struct{ slug, key, title string }

// flowDraft is a flow's answers so far.
type flowDraft map[string][]string

func (d flowDraft) get(k string) string {
	if v := d[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (d flowDraft) has(k string) bool { _, ok := d[k]; return ok }

// draft is the answers so far from the session.
func (f flowQuestions) draft(q *rq) flowDraft {
	if d := q.sess.Forms[f.form]; d != nil {
		return d
	}
	return flowDraft{}
}

// save keeps the answers in the session.
func (f flowQuestions) save(q *rq, d flowDraft) error {
	return q.flowSave(f.form, d)
}

// flowSave keeps a flow's answers in the session under key.
func (q *rq) flowSave(key string, v map[string][]string) error {
	if q.sess.Forms == nil {
		q.sess.Forms = map[string]map[string][]string{}
	}
	q.sess.Forms[key] = v
	return q.s.cfg.Sessions.Save(q.r.Context(), q.sess)
}

// slug is the question the request is for.
func (f flowQuestions) slug(q *rq) string { return strings.TrimPrefix(q.r.URL.Path, f.base+"/") }

// title is a question's title ("" for no such question).
func (f flowQuestions) title(slug string) string {
	for _, st := range f.steps {
		if st.slug == slug {
			return st.title
		}
	}
	return ""
}

// firstUnanswered is the first question not yet answered ("" when all are).
func (f flowQuestions) firstUnanswered(d flowDraft) string {
	for _, st := range f.steps {
		if !d.has(st.key) {
			return st.slug
		}
	}
	return ""
}

// toUnanswered sends the person to the first question not yet answered,
// and says whether it did.
func (f flowQuestions) toUnanswered(q *rq, d flowDraft) bool {
	step := f.firstUnanswered(d)
	if step != "" {
		f.to(q, step)
	}
	return step != ""
}

// to sends the person to a page of the flow.
func (f flowQuestions) to(q *rq, slug string) {
	http.Redirect(q.w, q.r, f.base+"/"+slug, http.StatusSeeOther)
}

// back is the page before a question's.
func (f flowQuestions) back(q *rq, slug string) string {
	if q.changing() {
		return f.base + "/check"
	}
	for i, st := range f.steps {
		if st.slug == slug && i > 0 {
			return f.base + "/" + f.steps[i-1].slug
		}
	}
	return f.exit
}

// next is the page after a question's.
func (f flowQuestions) next(q *rq, slug string, d flowDraft) string {
	if q.changing() && f.firstUnanswered(d) == "" {
		return f.base + "/check"
	}
	for i, st := range f.steps {
		if st.slug == slug && i+1 < len(f.steps) {
			return f.base + "/" + f.steps[i+1].slug
		}
	}
	return f.base + "/check"
}

// action is where a question's form posts.
func (f flowQuestions) action(q *rq, slug string) string {
	if q.changing() {
		return f.base + "/" + slug + "?change=1"
	}
	return f.base + "/" + slug
}

// change is a question's Change link on the check page.
func (f flowQuestions) change(slug string) string { return f.base + "/" + slug + "?change=1" }

// routes serves each question: show on GET, answer on POST.
func (f flowQuestions) routes(s *Server, roles []string, show, answer func(*rq) error) {
	for _, st := range f.steps {
		s.page("GET "+f.base+"/"+st.slug, roles, show)
		s.page("POST "+f.base+"/"+st.slug, roles, answer)
	}
}
