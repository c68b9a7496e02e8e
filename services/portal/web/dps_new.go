package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// Creating a DPS is a question flow: one thing per page, the answers kept in
// the session (Forms["dps-new"]) until the lead checks them and creates the
// DPS with one CreateDps. Each page checks its own answer as the design
// system asks; the service checks them all again when the DPS is created,
// and what it refuses is shown on the check page, linked to the answer.

// dpsLondon is where leads are: "after today" is today in England.
var dpsLondon = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// dpsNoPage answers a path with no page.
var dpsNoPage = status.Error(codes.NotFound, "no such page")

// dpsNew is the flow's question pages in order, each with the session key
// that says it has been answered.
var dpsNew = flowQuestions{base: "/dps/new", exit: "/dps", form: "dps-new", steps: []flowStep{
	{"title", "title", "What is the DPS called?"}, {"description", "description", "Describe the DPS"},
	{"categories", "categories", "Which categories can providers apply to?"}, {"criteria", "criteria-done", "Selection criteria"},
	{"ofsted", "grade", "What Ofsted grade must a setting have?"}, {"councils", "councils", "Which councils place through the DPS?"},
	{"end-date", "ends-on", "When does the DPS end?"},
}}

// dpsCategories are the categories a DPS may have: the placement types the
// platform's settings serve.
var dpsCategories = []*purchasingv1.Category{
	{Id: "residential", Name: "Residential children's homes", SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_CHILDRENS_HOME}},
	{Id: "fostering-standard", Name: "Fostering: standard", SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY}},
	{Id: "fostering-enhanced", Name: "Fostering: enhanced and therapeutic", SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_FOSTERING_AGENCY}},
	{Id: "supported-16-plus", Name: "Supported accommodation 16+", SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_SUPPORTED_ACCOMMODATION}},
	{Id: "send-school", Name: "SEND residential and day schools", SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_SPECIAL_SCHOOL}},
	{Id: "secure", Name: "Secure children's homes", SettingTypes: []purchasingv1.SettingType{purchasingv1.SettingType_SETTING_TYPE_SECURE_CHILDRENS_HOME}},
}

func (s *Server) dpsNewRoutes() {
	s.page("GET /dps/new", leadOnly, s.dpsNewStart)
	dpsNew.routes(s, leadOnly, s.dpsQuestion, s.dpsAnswer)
	s.page("GET /dps/new/check", leadOnly, s.dpsCheck)
	s.page("POST /dps/new/check", leadOnly, s.createDps)
	s.page("GET /dps/new/created", leadOnly, s.dpsCreated)
}

// dpsNewStart starts the flow: afresh once the last DPS was created.
func (s *Server) dpsNewStart(q *rq) error {
	if d := dpsNew.draft(q); d.has("created") {
		if err := dpsNew.save(q, flowDraft{}); err != nil {
			return err
		}
	}
	dpsNew.to(q, "title")
	return nil
}

// dpsQuestion shows a question with the answer given so far.
func (s *Server) dpsQuestion(q *rq) error {
	d := dpsNew.draft(q)
	if d.has("created") {
		d = flowDraft{}
	}
	slug := dpsNew.slug(q)
	vals := map[string][]string{}
	for k, v := range d {
		vals[k] = v
	}
	if end := d.get("ends-on"); end != "" {
		if t, err := time.Parse(time.DateOnly, end); err == nil {
			vals["ends-on-parts"] = []string{strconv.Itoa(t.Day()), strconv.Itoa(int(t.Month())), strconv.Itoa(t.Year())}
		}
	}
	return s.renderDpsQuestion(q, slug, vals, nil)
}

// renderDpsQuestion renders a question page with values and errors.
func (s *Server) renderDpsQuestion(q *rq, slug string, v flowDraft, errs []view.FieldError) error {
	q.page.Title = dpsNew.title(slug)
	back, action := dpsNew.back(q, slug), dpsNew.action(q, slug)
	var body templ.Component
	switch slug {
	case "title":
		body = view.Input(view.Field{ID: "terms-title", Label: "What is the DPS called?", Heading: true, Value: v.get("title"), Errors: errs,
			Hint: "Providers and councils see this title, for example North West Children's Placements DPS 2027"})
	case "description":
		body = view.Textarea(view.Field{ID: "terms-description", Label: "Describe the DPS", Heading: true, Value: v.get("description"), Errors: errs,
			Hint: "What it buys, for which councils and how providers join it (optional)"})
	case "categories":
		opts := make([]view.Option, len(dpsCategories))
		for i, c := range dpsCategories {
			var types []string
			for _, t := range c.GetSettingTypes() {
				types = append(types, view.DpsSettingType(t))
			}
			opts[i] = view.Option{Value: c.GetId(), Text: c.GetName(), Hint: "Served by: " + strings.Join(types, ", ")}
		}
		body = view.Checkboxes(view.Field{ID: "terms-categories", Label: "Which categories can providers apply to?", Heading: true, Options: opts,
			Values: v["categories"], Errors: errs, Hint: "Select all that apply. Providers apply to each category, and you decide each one."})
	case "criteria":
		return q.render(view.DpsCriteria(q.page, back, action, v["criteria"], view.Field{ID: "terms-selection_criteria", Label: "Add a question",
			Hint: "For example: Describe how you keep children safe from exploitation and what happens when a child goes missing.", Value: v.get("question"), Errors: errs}))
	case "ofsted":
		grade := view.Field{ID: "terms-min_ofsted_grade", Label: "What Ofsted grade must a setting have?", Heading: true, Value: v.get("grade"), Errors: errs,
			Hint:    "Settings graded below it are not matched to referrals.",
			Options: []view.Option{{Value: "1", Text: "Outstanding only"}, {Value: "2", Text: "Good or better"}, {Value: "3", Text: "Requires improvement or better"}}}
		notInspected := view.Field{ID: "terms-accept_not_yet_inspected", Label: "Can settings not yet inspected be matched?", Value: v.get("not-inspected"), Errors: errs,
			Hint:    "New homes and supported accommodation may not have an Ofsted judgement yet.",
			Options: []view.Option{{Value: "yes", Text: "Yes"}, {Value: "no", Text: "No"}}}
		body = view.DpsOfsted(grade, notInspected)
	case "councils":
		typed := strings.Join(v["councils"], ", ")
		if v.has("councils-typed") {
			typed = v.get("councils-typed")
		}
		body = view.Input(view.Field{ID: "terms-member_councils", Label: "Which councils place children through the DPS?", Heading: true,
			Value: typed, Errors: errs, Width: "20",
			Hint: "Their three-digit DfE local authority codes, separated by commas, for example 352, 353, 355"})
	case "end-date":
		parts := v["ends-on-parts"]
		if len(parts) != 3 {
			parts = []string{"", "", ""}
		}
		body = view.DpsEndDate(view.DateField{ID: "terms-ends_on", Label: "End date", Day: parts[0], Month: parts[1], Year: parts[2], Errors: errs,
			Hint: "For example, 23 2 2029. A DPS set up under the Public Contracts Regulations 2015 ends by 23 February 2029."})
	default:
		return dpsNoPage
	}
	return q.render(view.DpsQuestion(q.page, back, action, body))
}

// dpsAnswer checks and keeps one question's answer, then goes on.
func (s *Server) dpsAnswer(q *rq) error {
	slug := dpsNew.slug(q)
	d := dpsNew.draft(q)
	if d.has("created") {
		d = flowDraft{}
	}
	if err := q.r.ParseForm(); err != nil {
		return err
	}
	form := func(k string) string { return strings.TrimSpace(q.r.PostFormValue(k)) }
	fail := func(v flowDraft, errs ...view.FieldError) error {
		return q.refuse(func(errs []view.FieldError) error { return s.renderDpsQuestion(q, slug, v, errs) }, errs...)
	}
	switch slug {
	case "title":
		t := form("terms-title")
		v := flowDraft{"title": {t}}
		switch n := len([]rune(t)); {
		case n == 0:
			return fail(v, view.FieldError{Field: "terms-title", Message: "Enter the title of the DPS"})
		case n < 3:
			return fail(v, view.FieldError{Field: "terms-title", Message: "The title must be 3 characters or more"})
		case n > 200:
			return fail(v, view.FieldError{Field: "terms-title", Message: "The title must be 200 characters or fewer"})
		}
		d["title"] = []string{t}
	case "description":
		t := form("terms-description")
		if len([]rune(t)) > 4000 {
			return fail(flowDraft{"description": {t}}, view.FieldError{Field: "terms-description", Message: "The description must be 4,000 characters or fewer"})
		}
		d["description"] = []string{t}
	case "categories":
		var chosen []string
		for _, c := range dpsCategories {
			if slices.Contains(q.r.PostForm["terms-categories"], c.GetId()) {
				chosen = append(chosen, c.GetId())
			}
		}
		if len(chosen) == 0 {
			return fail(flowDraft{}, view.FieldError{Field: "terms-categories", Message: "Select at least one category"})
		}
		d["categories"] = chosen
	case "criteria":
		questions := slices.Clone(d["criteria"])
		if i, err := strconv.Atoi(q.r.PostFormValue("remove")); err == nil {
			if i >= 0 && i < len(questions) {
				d["criteria"] = slices.Delete(questions, i, i+1)
			}
			if err := dpsNew.save(q, d); err != nil {
				return err
			}
			return q.done(dpsNew.action(q, slug), 0, "")
		}
		text := form("terms-selection_criteria")
		adding := q.r.PostFormValue("action") == "add"
		v := flowDraft{"criteria": questions, "question": {text}}
		switch n := len([]rune(text)); {
		case n == 0 && adding:
			return fail(v, view.FieldError{Field: "terms-selection_criteria", Message: "Enter the question to add"})
		case n == 0:
		case n < 3:
			return fail(v, view.FieldError{Field: "terms-selection_criteria", Message: "The question must be 3 characters or more"})
		case n > 2000:
			return fail(v, view.FieldError{Field: "terms-selection_criteria", Message: "The question must be 2,000 characters or fewer"})
		case len(questions) >= 50:
			return fail(v, view.FieldError{Field: "terms-selection_criteria", Message: "A DPS can ask at most 50 questions"})
		default:
			questions = append(questions, text)
		}
		d["criteria"] = questions
		if adding {
			if err := dpsNew.save(q, d); err != nil {
				return err
			}
			return q.done(dpsNew.action(q, slug), 0, "")
		}
		d["criteria-done"] = []string{"yes"}
	case "ofsted":
		grade, ni := form("terms-min_ofsted_grade"), form("terms-accept_not_yet_inspected")
		var errs []view.FieldError
		if grade != "1" && grade != "2" && grade != "3" {
			errs = append(errs, view.FieldError{Field: "terms-min_ofsted_grade", Message: "Select the Ofsted grade a setting must have"})
			grade = ""
		}
		if ni != "yes" && ni != "no" {
			errs = append(errs, view.FieldError{Field: "terms-accept_not_yet_inspected", Message: "Select whether settings not yet inspected can be matched"})
			ni = ""
		}
		if len(errs) > 0 {
			return fail(flowDraft{"grade": {grade}, "not-inspected": {ni}}, errs...)
		}
		d["grade"], d["not-inspected"] = []string{grade}, []string{ni}
	case "councils":
		typed := form("terms-member_councils")
		v := flowDraft{"councils-typed": {typed}}
		codes := strings.FieldsFunc(typed, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
		if len(codes) == 0 {
			return fail(v, view.FieldError{Field: "terms-member_councils", Message: "Enter at least one member council"})
		}
		var list []string
		for _, c := range codes {
			if len(c) != 3 || strings.Trim(c, "0123456789") != "" {
				return fail(v, view.FieldError{Field: "terms-member_councils", Message: "Enter each council as its three-digit DfE local authority code, for example 352 (" + c + " is not one)"})
			}
			if !slices.Contains(list, c) {
				list = append(list, c)
			}
		}
		if len(list) > 200 {
			return fail(v, view.FieldError{Field: "terms-member_councils", Message: "A DPS can have at most 200 member councils"})
		}
		d["councils"] = list
	case "end-date":
		parts := []string{form("terms-ends_on-day"), form("terms-ends_on-month"), form("terms-ends_on-year")}
		v := flowDraft{"ends-on-parts": parts}
		if parts[0] == "" && parts[1] == "" && parts[2] == "" {
			return fail(v, view.FieldError{Field: "terms-ends_on-day", Message: "Enter the date the DPS ends"})
		}
		end, ok := dpsDate(parts)
		if !ok {
			return fail(v, view.FieldError{Field: "terms-ends_on-day", Message: "The end date must be a real date, for example 23 2 2029"})
		}
		if today := s.cfg.Now().In(dpsLondon).Format(time.DateOnly); end <= today {
			return fail(v, view.FieldError{Field: "terms-ends_on-day", Message: "The end date must be after today"})
		}
		d["ends-on"] = []string{end}
	default:
		return dpsNoPage
	}
	if err := dpsNew.save(q, d); err != nil {
		return err
	}
	return q.done(dpsNew.next(q, slug, d), 0, "")
}

// dpsDate reads day, month and year as YYYY-MM-DD; false for a date the
// calendar does not have.
func dpsDate(parts []string) (string, bool) {
	day, err1 := strconv.Atoi(parts[0])
	month, err2 := strconv.Atoi(parts[1])
	year, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1 {
		return "", false
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

// dpsTerms are the answers as the service takes them.
func dpsTerms(d flowDraft) *purchasingv1.DpsTerms {
	t := &purchasingv1.DpsTerms{Title: d.get("title"), Description: d.get("description"), MemberCouncils: d["councils"], EndsOn: d.get("ends-on"),
		AcceptNotYetInspected: d.get("not-inspected") == "yes"}
	g, _ := strconv.Atoi(d.get("grade"))
	t.MinOfstedGrade = purchasingv1.OfstedGrade(g)
	for _, c := range dpsCategories {
		if slices.Contains(d["categories"], c.GetId()) {
			t.Categories = append(t.Categories, c)
		}
	}
	for i, question := range d["criteria"] {
		t.SelectionCriteria = append(t.SelectionCriteria, &purchasingv1.SelectionCriterion{Id: "question-" + strconv.Itoa(i+1), Question: question})
	}
	return t
}

// dpsCheckRows are the answers on the check page, each with its Change
// link carrying the API field's id.
func dpsCheckRows(d flowDraft) []view.DpsCheckRow {
	t := dpsTerms(d)
	var cats, questions []string
	for _, c := range t.GetCategories() {
		cats = append(cats, c.GetName())
	}
	for _, c := range t.GetSelectionCriteria() {
		questions = append(questions, c.GetQuestion())
	}
	return []view.DpsCheckRow{
		{ID: "terms-title", Key: "Title", Values: []string{t.GetTitle()}, Href: dpsNew.change("title")},
		{ID: "terms-description", Key: "Description", Values: []string{t.GetDescription()}, Href: dpsNew.change("description")},
		{ID: "terms-categories", Key: "Categories", Values: cats, Href: dpsNew.change("categories")},
		{ID: "terms-selection_criteria", Key: "Selection criteria", Values: questions, Numbered: true, Href: dpsNew.change("criteria")},
		{ID: "terms-min_ofsted_grade", Key: "Ofsted threshold", Values: []string{view.DpsThreshold(t)}, Href: dpsNew.change("ofsted")},
		{ID: "terms-member_councils", Key: "Member councils", Values: []string{strings.Join(t.GetMemberCouncils(), ", ")}, Href: dpsNew.change("councils")},
		{ID: "terms-ends_on", Key: "Ends on", Values: []string{view.Date(t.GetEndsOn())}, Href: dpsNew.change("end-date")},
	}
}

// dpsCheck is check your answers.
func (s *Server) dpsCheck(q *rq) error {
	d := dpsNew.draft(q)
	if d.has("created") {
		d = flowDraft{}
	}
	if dpsNew.toUnanswered(q, d) {
		return nil
	}
	q.page.Title = "Check your answers"
	return q.render(view.DpsCheck(q.page, dpsCheckRows(d), newRequestID()))
}

// createDps creates the DPS as a draft. A second submit of the same form
// (its request id) lands on the same DPS.
func (s *Server) createDps(q *rq) error {
	d := dpsNew.draft(q)
	if dpsNew.toUnanswered(q, d) {
		return nil
	}
	rows := dpsCheckRows(d)
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.CreateDps(q.ctx, &purchasingv1.CreateDpsRequest{RequestId: requestID, Terms: dpsTerms(d)})
		if err != nil {
			return 0, dpsRuleWords(err)
		}
		d["created"] = []string{requestID, res.GetId()}
		return res.GetPosition(), dpsNew.save(q, d)
	}, "/dps/new/created", "The DPS is created as a draft: open it when providers may apply", func(errs []view.FieldError) error {
		// A refused answer links to its row's Change link.
		for i, e := range errs {
			for _, r := range rows {
				if e.Field == r.ID || strings.HasPrefix(e.Field, r.ID+"-") {
					errs[i].Field = r.ID
				}
			}
		}
		q.page.Errors = errs
		q.page.Title = "Check your answers"
		return q.render(view.DpsCheck(q.page, rows, formRequestID(q.r)))
	})
}

// dpsCreated goes on to the DPS just created, read at the create's
// position, with its banner.
func (s *Server) dpsCreated(q *rq) error {
	d := dpsNew.draft(q)
	created := d["created"]
	if len(created) != 2 {
		http.Redirect(q.w, q.r, "/dps", http.StatusSeeOther)
		return nil
	}
	return q.done("/dps/"+created[1], q.at(), q.page.Banner)
}
