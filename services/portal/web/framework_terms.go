package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// The terms of a framework as a question flow: one thing per page, the
// answers kept in the session between pages, a check answers page, then
// one DraftFramework (or AmendFramework, for a draft's terms). The flow of a
// new framework lives under /frameworks/new/terms, the amendment of a draft
// under /frameworks/{id}/terms.

const newFramework = "new"

// The flow's questions, in order; the lots ("add another lot") and then the
// quality questions ("add another question") close it.
var termsSteps = []string{"title", "category", "description", "term", "extensions", "weighting", "councils", "lots"}

// termsFlow is one flow's answers, as the session keeps them.
type termsFlow struct {
	id string
	v  map[string][]string
}

func termsKey(id string) string { return "framework-terms:" + id }

func (f *termsFlow) get(k string) string {
	if vs := f.v[k]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

func (f *termsFlow) set(k string, vs ...string) { f.v[k] = vs }

func (f *termsFlow) amending() bool { return f.id != newFramework }

func (f *termsFlow) base() string { return "/frameworks/" + f.id + "/terms" }

// lotAnswer is one lot of the flow.
type lotAnswer struct {
	ID, Name, Description string
	Min, Max              int64
	Threshold             int
}

func (f *termsFlow) lots() []lotAnswer {
	ids := f.v["lot_id"]
	out := make([]lotAnswer, len(ids))
	at := func(k string, i int) string {
		if vs := f.v[k]; i < len(vs) {
			return vs[i]
		}
		return ""
	}
	for i, id := range ids {
		out[i].ID, out[i].Name, out[i].Description = id, at("lot_name", i), at("lot_description", i)
		out[i].Min, _ = strconv.ParseInt(at("lot_min", i), 10, 64)
		out[i].Max, _ = strconv.ParseInt(at("lot_max", i), 10, 64)
		out[i].Threshold, _ = strconv.Atoi(at("lot_threshold", i))
	}
	return out
}

func (f *termsFlow) setLots(lots []lotAnswer) {
	var ids, names, descs, mins, maxs, ths []string
	for _, l := range lots {
		ids, names, descs = append(ids, l.ID), append(names, l.Name), append(descs, l.Description)
		mins, maxs = append(mins, strconv.FormatInt(l.Min, 10)), append(maxs, strconv.FormatInt(l.Max, 10))
		ths = append(ths, strconv.Itoa(l.Threshold))
	}
	f.set("lot_id", ids...)
	f.set("lot_name", names...)
	f.set("lot_description", descs...)
	f.set("lot_min", mins...)
	f.set("lot_max", maxs...)
	f.set("lot_threshold", ths...)
}

// newLotID is a lot id the flow does not use yet: lot-n, from n up.
func newLotID(lots []lotAnswer, n int) string {
	for ; ; n++ {
		id := "lot-" + strconv.Itoa(n)
		if !slices.ContainsFunc(lots, func(l lotAnswer) bool { return l.ID == id }) {
			return id
		}
	}
}

// terms are the flow's answers as the service takes them.
func (f *termsFlow) terms() *frameworkv1.FrameworkTerms {
	t := &frameworkv1.FrameworkTerms{
		Title: f.get("title"), Description: f.get("description"),
		Category:  frameworkv1.Category(frameworkv1.Category_value[f.get("category")]),
		TermStart: f.get("term_start"), TermEnd: f.get("term_end"),
		MemberCouncils: f.v["councils"],
	}
	t.ExtensionOptionsMonths, _ = parseMonths(f.get("extensions"))
	qw, _ := strconv.Atoi(f.get("quality_weight"))
	pw, _ := strconv.Atoi(f.get("price_weight"))
	t.QualityWeight, t.PriceWeight = uint32(qw), uint32(pw)
	for _, l := range f.lots() {
		t.Lots = append(t.Lots, &frameworkv1.LotTerms{LotId: l.ID, Name: l.Name, Description: l.Description,
			PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: l.Min, MaxWeeklyPence: l.Max}, QualityThreshold: uint32(l.Threshold)})
	}
	t.QualityQuestions = fqTermsQuestions(f.questions())
	return t
}

// flowFromTerms starts an amendment from a draft's terms.
func flowFromTerms(fw *frameworkv1.Framework) *termsFlow {
	f := &termsFlow{id: fw.GetFrameworkId(), v: map[string][]string{}}
	f.set("title", fw.GetTitle())
	f.set("category", fw.GetCategory().String())
	f.set("description", fw.GetDescription())
	f.set("term_start", fw.GetTermStart())
	f.set("term_end", fw.GetTermEnd())
	f.set("extensions", monthsValue(fw.GetExtensionOptionsMonths()))
	f.set("quality_weight", strconv.Itoa(int(fw.GetQualityWeight())))
	f.set("price_weight", strconv.Itoa(int(fw.GetPriceWeight())))
	f.set("councils", fw.GetMemberCouncils()...)
	var lots []lotAnswer
	for _, l := range fw.GetLots() {
		t := l.GetTerms()
		lots = append(lots, lotAnswer{ID: t.GetLotId(), Name: t.GetName(), Description: t.GetDescription(),
			Min: t.GetPriceBand().GetMinWeeklyPence(), Max: t.GetPriceBand().GetMaxWeeklyPence(), Threshold: int(t.GetQualityThreshold())})
	}
	f.setLots(lots)
	f.setQuestions(fqQuestionsOf(fw.GetQualityQuestions()))
	f.set("version", strconv.FormatUint(fw.GetVersion(), 10))
	f.set("framework_title", fw.GetTitle())
	return f
}

func (s *Server) termsRoutes() {
	s.page("GET /frameworks/{id}/terms", leadOnly, s.startTerms)
	s.page("GET /frameworks/{id}/terms/{step}", leadOnly, s.termsStep)
	s.page("POST /frameworks/{id}/terms/{step}", leadOnly, s.termsStep)
	for _, l := range []flowList{flowLots, flowQualityQuestions} {
		s.page("GET /frameworks/{id}/terms/"+l.item+"/{n}", leadOnly, l.page)
		s.page("POST /frameworks/{id}/terms/"+l.item+"/{n}", leadOnly, l.page)
		s.page("POST /frameworks/{id}/terms/"+l.item+"/{n}/remove", leadOnly, l.removeItem)
	}
}

// startTerms starts the flow afresh: a new framework from its first
// question, a draft's amendment from its check answers page.
func (s *Server) startTerms(q *rq) error {
	id := q.r.PathValue("id")
	f := &termsFlow{id: newFramework, v: map[string][]string{}}
	next := "/frameworks/new/terms/title"
	if id != newFramework {
		fw, err := s.getFramework(q)
		if err != nil {
			return err
		}
		if fw.GetStatus() != frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_DRAFT {
			q.page.Title = "The terms cannot be changed"
			q.errorPage(http.StatusConflict, q.page.Title, fw.GetTitle()+" is "+strings.ToLower(view.Words(fw.GetStatus()))+": its terms can be changed only while it is a draft.")
			return nil
		}
		f = flowFromTerms(fw)
		next = f.base() + "/check"
	}
	f.set("request_id", newRequestID())
	if err := q.saveFlow(f); err != nil {
		return err
	}
	http.Redirect(q.w, q.r, next, http.StatusSeeOther)
	return nil
}

// flow is the request's flow from the session; a flow the session does not
// hold (expired, or never started) starts again.
func (q *rq) flow() (*termsFlow, bool) {
	id := q.r.PathValue("id")
	v, ok := q.sess.Forms[termsKey(id)]
	if !ok || len(v["request_id"]) == 0 {
		http.Redirect(q.w, q.r, "/frameworks/"+id+"/terms", http.StatusSeeOther)
		return nil, false
	}
	return &termsFlow{id: id, v: v}, true
}

func (q *rq) saveFlow(f *termsFlow) error { return q.flowSave(termsKey(f.id), f.v) }

// chrome is what each page of the flow shows around its question.
func (q *rq) chrome(f *termsFlow, back, action string) view.TermsFlow {
	c := view.TermsFlow{Caption: "Draft a framework", Back: back, Action: action}
	if f.amending() {
		c.Caption = "Change the terms of " + f.get("framework_title")
	}
	if q.changing() {
		c.Back = f.base() + "/check"
		c.Action += "?change=1"
	}
	return c
}

// changing: the page was opened from check answers, and returns to it.
func (q *rq) changing() bool { return q.r.URL.Query().Get("change") == "1" }

// step is one question page: its answers as form values, its fields, and
// how its answers are checked and kept.
type step struct {
	heading, intro string
	// load is the flow's answers as the page's form values.
	load func(f *termsFlow) url.Values
	// fields are the page's fields showing values and errs.
	fields func(v url.Values, errs []view.FieldError) []templ.Component
	// save checks the page's values and keeps them in f.
	save func(v url.Values, f *termsFlow) problems
}

func (s *Server) termsStep(q *rq) error {
	f, ok := q.flow()
	if !ok {
		return nil
	}
	name := q.r.PathValue("step")
	switch name {
	case "check":
		return s.termsCheck(q, f)
	case "lots":
		return s.termsLots(q, f)
	case "questions":
		return s.termsQuestions(q, f)
	}
	st, known := steps[name]
	if !known {
		return status.Error(codes.NotFound, "no such question")
	}
	if q.r.Method == http.MethodGet {
		return q.showStep(f, name, st, st.load(f), nil)
	}
	if err := q.r.ParseForm(); err != nil {
		return err
	}
	if errs := st.save(q.r.PostForm, f); len(errs) > 0 {
		return q.refuse(func(errs []view.FieldError) error { return q.showStep(f, name, st, q.r.PostForm, errs) }, errs...)
	}
	if err := q.saveFlow(f); err != nil {
		return err
	}
	next := f.base() + "/check"
	if !q.changing() {
		next = nextStep(f, name)
	}
	http.Redirect(q.w, q.r, next, http.StatusSeeOther)
	return nil
}

// nextStep is the page after a question: the next question, and after the
// councils the first lot (or the lots so far).
func nextStep(f *termsFlow, name string) string {
	i := slices.Index(termsSteps, name)
	next := termsSteps[i+1]
	if next == "lots" && len(f.lots()) == 0 {
		return f.base() + "/lot/1"
	}
	return f.base() + "/" + next
}

func prevStep(f *termsFlow, name string) string {
	i := slices.Index(termsSteps, name)
	if i <= 0 {
		if f.amending() {
			return f.base() + "/check"
		}
		return "/frameworks"
	}
	return f.base() + "/" + termsSteps[i-1]
}

func (q *rq) showStep(f *termsFlow, name string, st step, v url.Values, errs []view.FieldError) error {
	q.page.Title = st.heading
	if st.heading == "" {
		q.page.Title = stepTitles[name]
	}
	return q.render(view.TermsQuestion(q.page, q.chrome(f, prevStep(f, name), f.base()+"/"+name), st.heading, st.intro, st.fields(v, errs)))
}

// stepTitles are the page titles of the questions whose label is the h1.
var stepTitles = map[string]string{
	"title": "What is the framework called?", "category": "What does the framework buy?",
	"description": "Describe the framework", "extensions": "What extension options does the framework have?",
	"councils": "Which councils will use the framework?",
}

var steps = map[string]step{
	"title": {
		load: func(f *termsFlow) url.Values { return url.Values{"terms-title": {f.get("title")}} },
		fields: func(v url.Values, errs []view.FieldError) []templ.Component {
			return []templ.Component{view.Input(view.Field{ID: "terms-title", Label: stepTitles["title"], Heading: true, Value: v.Get("terms-title"), Errors: errs,
				Hint: "Councils and providers will see this. For example, Greater Manchester Residential Children's Homes Framework 2027 to 2031."})}
		},
		save: func(v url.Values, f *termsFlow) (p problems) {
			title := strings.TrimSpace(v.Get("terms-title"))
			switch {
			case title == "":
				p.add("terms-title", "Enter the framework's title")
			case len([]rune(title)) < 3:
				p.add("terms-title", "The title must be 3 characters or more")
			case len([]rune(title)) > 200:
				p.add("terms-title", "The title must be 200 characters or fewer")
			}
			f.set("title", title)
			return p
		},
	},
	"category": {
		load: func(f *termsFlow) url.Values { return url.Values{"terms-category": {f.get("category")}} },
		fields: func(v url.Values, errs []view.FieldError) []templ.Component {
			var opts []view.Option
			for n := 1; n < len(frameworkv1.Category_name); n++ {
				c := frameworkv1.Category(n)
				opts = append(opts, view.Option{Value: c.String(), Text: view.Words(c)})
			}
			return []templ.Component{view.Radios(view.Field{ID: "terms-category", Label: stepTitles["category"], Heading: true, Options: opts, Value: v.Get("terms-category"), Errors: errs})}
		},
		save: func(v url.Values, f *termsFlow) (p problems) {
			c, ok := frameworkv1.Category_value[v.Get("terms-category")]
			if !ok || c == 0 {
				p.add("terms-category", "Select what the framework buys")
				return p
			}
			f.set("category", v.Get("terms-category"))
			return p
		},
	},
	"description": {
		load: func(f *termsFlow) url.Values { return url.Values{"terms-description": {f.get("description")}} },
		fields: func(v url.Values, errs []view.FieldError) []templ.Component {
			return []templ.Component{view.Textarea(view.Field{ID: "terms-description", Label: stepTitles["description"], Heading: true, Value: v.Get("terms-description"), Errors: errs,
				Hint: "What the framework buys, for which children, and why. You can leave this empty."})}
		},
		save: func(v url.Values, f *termsFlow) (p problems) {
			d := strings.TrimSpace(v.Get("terms-description"))
			if len([]rune(d)) > 4000 {
				p.add("terms-description", "The description must be 4,000 characters or fewer")
			}
			f.set("description", d)
			return p
		},
	},
	"term": {
		heading: "When does the framework's initial term run?",
		intro:   "A framework runs at most 4 years, every extension included.",
		load: func(f *termsFlow) url.Values {
			v := url.Values{}
			for _, k := range []string{"term_start", "term_end"} {
				parts := strings.Split(f.get(k), "-")
				if len(parts) == 3 {
					day, _ := strconv.Atoi(parts[2])
					month, _ := strconv.Atoi(parts[1])
					v.Set("terms-"+k+"-day", strconv.Itoa(day))
					v.Set("terms-"+k+"-month", strconv.Itoa(month))
					v.Set("terms-"+k+"-year", parts[0])
				}
			}
			return v
		},
		fields: func(v url.Values, errs []view.FieldError) []templ.Component {
			date := func(id, label, hint string) templ.Component {
				return view.DateInput(view.DateField{ID: id, Label: label, Hint: hint, Errors: errs,
					Day: v.Get(id + "-day"), Month: v.Get(id + "-month"), Year: v.Get(id + "-year")})
			}
			return []templ.Component{
				date("terms-term_start", "Start date", "The first day of the term. For example, 1 4 2027"),
				date("terms-term_end", "End date", "The last day before any extension. For example, 31 3 2030"),
			}
		},
		save: func(v url.Values, f *termsFlow) (p problems) {
			parts := func(id string) []string {
				return []string{strings.TrimSpace(v.Get(id + "-day")), strings.TrimSpace(v.Get(id + "-month")), strings.TrimSpace(v.Get(id + "-year"))}
			}
			start, okStart := parseDate(parts("terms-term_start"))
			end, okEnd := parseDate(parts("terms-term_end"))
			if !okStart {
				p.add("terms-term_start-day", "Enter the start date as a real date, for example 1 4 2027")
			}
			if !okEnd {
				p.add("terms-term_end-day", "Enter the end date as a real date, for example 31 3 2030")
			}
			if okStart && okEnd && end <= start {
				p.add("terms-term_end-day", "The end date must be after the start date")
			}
			if len(p) == 0 {
				f.set("term_start", start)
				f.set("term_end", end)
			}
			return p
		},
	},
	"extensions": {
		load: func(f *termsFlow) url.Values {
			return url.Values{"terms-extension_options_months": {f.get("extensions")}}
		},
		fields: func(v url.Values, errs []view.FieldError) []templ.Component {
			return []templ.Component{view.Input(view.Field{ID: "terms-extension_options_months", Label: stepTitles["extensions"], Heading: true, Width: "10",
				Value: v.Get("terms-extension_options_months"), Errors: errs,
				Hint: "The length of each optional extension in months, in the order they can be used, separated by commas. For example, 12, 12. Leave it empty if there are none."})}
		},
		save: func(v url.Values, f *termsFlow) (p problems) {
			months, ok := parseMonths(v.Get("terms-extension_options_months"))
			switch {
			case !ok:
				p.add("terms-extension_options_months", "Enter each extension option as a number of months from 1 to 48, separated by commas")
			case len(months) > 8:
				p.add("terms-extension_options_months", "A framework can have at most 8 extension options")
			default:
				f.set("extensions", monthsValue(months))
			}
			return p
		},
	},
	"weighting": {
		heading: "How will bids be weighted?",
		intro:   "Each bid's total score weighs its quality score against its price score. The two weights add up to 100.",
		load: func(f *termsFlow) url.Values {
			return url.Values{"terms-quality_weight": {f.get("quality_weight")}, "terms-price_weight": {f.get("price_weight")}}
		},
		fields: func(v url.Values, errs []view.FieldError) []templ.Component {
			return []templ.Component{
				view.Input(view.Field{ID: "terms-quality_weight", Label: "Quality weight (%)", Hint: "For example, 70", Width: "3", Value: v.Get("terms-quality_weight"), Errors: errs}),
				view.Input(view.Field{ID: "terms-price_weight", Label: "Price weight (%)", Hint: "For example, 30", Width: "3", Value: v.Get("terms-price_weight"), Errors: errs}),
			}
		},
		save: func(v url.Values, f *termsFlow) (p problems) {
			qw, okQ := parseWhole(v.Get("terms-quality_weight"), 0, 100)
			pw, okP := parseWhole(v.Get("terms-price_weight"), 0, 100)
			if !okQ {
				p.add("terms-quality_weight", "Enter the quality weight as a whole number from 0 to 100")
			}
			if !okP {
				p.add("terms-price_weight", "Enter the price weight as a whole number from 0 to 100")
			}
			if okQ && okP && qw+pw != 100 {
				p.add("terms-quality_weight", fmt.Sprintf("The quality and price weights must add up to 100: they add up to %d", qw+pw))
			}
			if len(p) == 0 {
				f.set("quality_weight", strconv.Itoa(qw))
				f.set("price_weight", strconv.Itoa(pw))
			}
			return p
		},
	},
	"councils": {
		load: func(f *termsFlow) url.Values {
			v := url.Values{}
			var other []string
			for _, c := range f.v["councils"] {
				if view.KnownCouncil(c) {
					v.Add("terms-member_councils", c)
				} else {
					other = append(other, c)
				}
			}
			v.Set("terms-member_councils-other", strings.Join(other, ", "))
			return v
		},
		fields: func(v url.Values, errs []view.FieldError) []templ.Component {
			return []templ.Component{
				view.Checkboxes(view.Field{ID: "terms-member_councils", Label: stepTitles["councils"], Heading: true, Hint: "Select all that apply.",
					Options: view.FrameworkCouncilOptions(), Values: v["terms-member_councils"], Errors: errs}),
				view.Input(view.Field{ID: "terms-member_councils-other", Label: "Other councils (optional)", Width: "20",
					Hint: "Three-digit DfE LA codes of councils not listed, separated by commas. For example, 370, 371", Value: v.Get("terms-member_councils-other"), Errors: errs}),
			}
		},
		save: func(v url.Values, f *termsFlow) (p problems) {
			var codes []string
			for _, c := range v["terms-member_councils"] {
				if view.KnownCouncil(c) && !slices.Contains(codes, c) {
					codes = append(codes, c)
				}
			}
			for _, c := range strings.FieldsFunc(v.Get("terms-member_councils-other"), func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
				if len(c) != 3 || strings.Trim(c, "0123456789") != "" {
					p.add("terms-member_councils-other", "Enter each other council as its three-digit LA code, separated by commas")
					return p
				}
				if !slices.Contains(codes, c) {
					codes = append(codes, c)
				}
			}
			if len(codes) == 0 {
				p.add("terms-member_councils", "Select at least one council")
				return p
			}
			f.set("councils", codes...)
			return p
		},
	},
}

// lotFieldID is the id of a lot's field: the service's path
// terms.lots[i].<field>, so its violations land on the field.
func lotFieldID(i int, field string) string {
	return view.FieldID(fmt.Sprintf("terms.lots[%d].%s", i, field))
}

// lotValues are lot i's answers as its page's form values.
func lotValues(f *termsFlow, i int) url.Values {
	l := f.lots()[i]
	v := url.Values{}
	v.Set(lotFieldID(i, "name"), l.Name)
	v.Set(lotFieldID(i, "description"), l.Description)
	v.Set(lotFieldID(i, "price_band.min_weekly_pence"), poundsValue(l.Min))
	v.Set(lotFieldID(i, "price_band.max_weekly_pence"), poundsValue(l.Max))
	v.Set(lotFieldID(i, "quality_threshold"), strconv.Itoa(l.Threshold))
	return v
}

// saveLot checks lot i's answers and keeps them (i may be a new lot).
func saveLot(v url.Values, f *termsFlow, i int) (p problems) {
	id := func(field string) string { return lotFieldID(i, field) }
	name := strings.TrimSpace(v.Get(id("name")))
	desc := strings.TrimSpace(v.Get(id("description")))
	switch {
	case name == "":
		p.add(id("name"), "Enter the lot's name")
	case len([]rune(name)) < 3:
		p.add(id("name"), "The lot's name must be 3 characters or more")
	case len([]rune(name)) > 200:
		p.add(id("name"), "The lot's name must be 200 characters or fewer")
	}
	if len([]rune(desc)) > 2000 {
		p.add(id("description"), "The lot's description must be 2,000 characters or fewer")
	}
	lo, okLo := parsePence(v.Get(id("price_band.min_weekly_pence")))
	hi, okHi := parsePence(v.Get(id("price_band.max_weekly_pence")))
	if !okLo {
		p.add(id("price_band.min_weekly_pence"), "Enter the lowest weekly price in pounds, for example 3,500")
	}
	switch {
	case !okHi:
		p.add(id("price_band.max_weekly_pence"), "Enter the highest weekly price in pounds, for example 6,500")
	case hi == 0:
		p.add(id("price_band.max_weekly_pence"), "The highest weekly price must be more than £0")
	case hi > 10000000:
		p.add(id("price_band.max_weekly_pence"), "The highest weekly price must be £100,000 or less")
	}
	if okLo && okHi && lo > hi {
		p.add(id("price_band.min_weekly_pence"), fmt.Sprintf("The lowest weekly price (%s) must not be more than the highest weekly price (%s)", view.Pounds(lo), view.Pounds(hi)))
	}
	threshold, okTh := parseWhole(v.Get(id("quality_threshold")), 0, 100)
	if !okTh {
		p.add(id("quality_threshold"), "Enter the quality threshold as a whole number from 0 to 100")
	}
	if len(p) > 0 {
		return p
	}
	lots := f.lots()
	l := lotAnswer{Name: name, Description: desc, Min: lo, Max: hi, Threshold: threshold}
	if i < len(lots) {
		l.ID = lots[i].ID
		lots[i] = l
	} else {
		l.ID = newLotID(lots, i+1)
		lots = append(lots, l)
	}
	f.setLots(lots)
	return nil
}

func (q *rq) showLot(f *termsFlow, n int, v url.Values, errs []view.FieldError) error {
	i := n - 1
	id := func(field string) string { return lotFieldID(i, field) }
	back := f.base() + "/lots"
	if len(f.lots()) == 0 {
		back = f.base() + "/councils"
	}
	c := q.chrome(f, back, f.base()+"/lot/"+strconv.Itoa(n))
	heading := "Lot " + strconv.Itoa(n)
	q.page.Title = heading
	fields := []templ.Component{
		view.Input(view.Field{ID: id("name"), Label: "Name", Hint: "What the lot buys, and where. For example, Residential: emotional and behavioural needs, North",
			Value: v.Get(id("name")), Errors: errs}),
		view.Textarea(view.Field{ID: id("description"), Label: "Description (optional)", Value: v.Get(id("description")), Errors: errs}),
		view.FrameworkPounds(view.Field{ID: id("price_band.min_weekly_pence"), Label: "Lowest weekly price", Hint: "In pounds. For example, 3,500",
			Width: "10", Value: v.Get(id("price_band.min_weekly_pence")), Errors: errs}),
		view.FrameworkPounds(view.Field{ID: id("price_band.max_weekly_pence"), Label: "Highest weekly price", Hint: "In pounds. For example, 6,500",
			Width: "10", Value: v.Get(id("price_band.max_weekly_pence")), Errors: errs}),
		view.Input(view.Field{ID: id("quality_threshold"), Label: "Quality threshold", Hint: "The lowest quality score, from 0 to 100, a bid needs to be admitted to the lot",
			Width: "3", Value: v.Get(id("quality_threshold")), Errors: errs}),
	}
	return q.render(view.TermsQuestion(q.page, c, heading, "", fields))
}

// termsLots is the "add another lot" page.
func (s *Server) termsLots(q *rq, f *termsFlow) error {
	lots := f.lots()
	var errs []view.FieldError
	if q.r.Method == http.MethodPost {
		next := f.base() + "/check"
		if len(f.questions()) == 0 {
			next = f.base() + "/question/1"
		}
		if errs = flowLots.another(q, f, next); errs == nil {
			return nil
		}
	}
	var list []view.TermsLot
	for i, l := range lots {
		n := strconv.Itoa(i + 1)
		list = append(list, view.TermsLot{Name: l.Name, Band: bandWords(l.Min, l.Max), Threshold: "Quality threshold " + strconv.Itoa(l.Threshold),
			Change: f.base() + "/lot/" + n, Remove: f.base() + "/lot/" + n + "/remove"})
	}
	q.page.Title = "Lots"
	back := f.base() + "/councils"
	if len(lots) > 0 {
		back = f.base() + "/lot/" + strconv.Itoa(len(lots))
	}
	another := view.Field{ID: "add-another", Label: "Do you need to add another lot?", Errors: errs,
		Options: []view.Option{{Value: "yes", Text: "Yes"}, {Value: "no", Text: "No"}}}
	return q.render(view.TermsLots(q.page, view.TermsFlow{Caption: q.chrome(f, "", "").Caption, Back: back, Action: f.base() + "/lots"}, list, another))
}

func bandWords(lo, hi int64) string { return view.Pounds(lo) + " to " + view.Pounds(hi) + " a week" }

// termsCheck is the check answers page and its submission: the draft (or
// the amendment) itself.
func (s *Server) termsCheck(q *rq, f *termsFlow) error {
	if q.r.Method == http.MethodGet {
		return q.showCheck(f, "")
	}
	// Every answer again, as its own page checks it: a flow the person
	// skipped through shows the first question left to answer.
	for _, name := range termsSteps[:len(termsSteps)-1] {
		st := steps[name]
		trial := &termsFlow{id: f.id, v: map[string][]string{}}
		if errs := st.save(st.load(f), trial); len(errs) > 0 {
			return q.refuseStep(f, name, errs)
		}
	}
	if len(f.lots()) == 0 {
		http.Redirect(q.w, q.r, f.base()+"/lot/1", http.StatusSeeOther)
		return nil
	}
	if len(f.questions()) == 0 {
		http.Redirect(q.w, q.r, f.base()+"/question/1", http.StatusSeeOther)
		return nil
	}
	reason := strings.TrimSpace(q.r.PostFormValue("reason"))
	if f.amending() && reason == "" {
		return q.refuse(func([]view.FieldError) error { return q.showCheck(f, reason) }, view.FieldError{Field: "reason", Message: "Enter why you are changing the terms"})
	}
	terms := f.terms()
	call := func(requestID string) (uint64, string, error) {
		res, err := s.framework.DraftFramework(q.ctx, &frameworkv1.DraftFrameworkRequest{RequestId: requestID, Terms: terms})
		return res.GetPosition(), "/frameworks/" + res.GetFrameworkId(), inWords(err, nil)
	}
	banner := "Framework drafted"
	if f.amending() {
		version, _ := strconv.ParseUint(f.get("version"), 10, 64)
		call = func(requestID string) (uint64, string, error) {
			res, err := s.framework.AmendFramework(q.ctx, &frameworkv1.AmendFrameworkRequest{RequestId: requestID, FrameworkId: f.id, Terms: terms, Reason: reason, ExpectedVersion: version})
			return res.GetPosition(), "/frameworks/" + f.id, inWords(err, nil)
		}
		banner = "Terms changed"
	}
	return q.commandThen(call, banner, func(errs []view.FieldError) error {
		// A field the service refused is shown on its own question page.
		for _, e := range errs {
			page, lot := stepOfField(e.Field)
			if page == "" || (page == "lot" && lot >= len(f.lots())) || (page == "question" && lot >= len(f.questions())) {
				continue
			}
			var mine []view.FieldError
			for _, e := range errs {
				if p, l := stepOfField(e.Field); p == page && l == lot {
					switch {
					case strings.HasSuffix(e.Field, "-price_band"):
						e.Field += "-min_weekly_pence"
					case strings.HasSuffix(e.Field, "-term_start"), strings.HasSuffix(e.Field, "-term_end"):
						e.Field += "-day"
					}
					mine = append(mine, e)
				}
			}
			q.page.Errors = mine
			switch page {
			case "lot":
				return q.showLotAnswers(f, lot, mine)
			case "question":
				return q.fqShowQuestionAnswers(f, lot, mine)
			}
			return q.showStep(f, page, steps[page], steps[page].load(f), mine)
		}
		return q.showCheck(f, reason)
	})
}

// stepOfField is the question page that holds a field (by its id), and for
// a lot's or a quality question's field its index; "" for none.
func stepOfField(id string) (page string, lot int) {
	name, ok := strings.CutPrefix(id, "terms-")
	if !ok {
		return "", 0
	}
	for prefix, page := range map[string]string{"lots-": "lot", "quality_questions-": "question"} {
		if rest, ok := strings.CutPrefix(name, prefix); ok {
			n, _, _ := strings.Cut(rest, "-")
			if i, err := strconv.Atoi(n); err == nil {
				return page, i
			}
			return "", 0
		}
	}
	for prefix, page := range map[string]string{"title": "title", "category": "category", "description": "description", "term_": "term",
		"extension_options_months": "extensions", "quality_weight": "weighting", "price_weight": "weighting", "member_councils": "councils"} {
		if strings.HasPrefix(name, prefix) {
			return page, 0
		}
	}
	return "", 0
}

func (q *rq) showLotAnswers(f *termsFlow, i int, errs []view.FieldError) error {
	return q.showLot(f, i+1, lotValues(f, i), errs)
}

// refuseStep shows a question page with its errors (HTTP 422).
func (q *rq) refuseStep(f *termsFlow, name string, errs []view.FieldError) error {
	return q.refuse(func(errs []view.FieldError) error { return q.showStep(f, name, steps[name], steps[name].load(f), errs) }, errs...)
}

func (q *rq) showCheck(f *termsFlow, reason string) error {
	change := func(name string) string { return f.base() + "/" + name + "?change=1" }
	or := func(s, none string) string {
		if s == "" {
			return none
		}
		return s
	}
	t := f.terms()
	term := ""
	if t.GetTermStart() != "" {
		term = view.Date(t.GetTermStart()) + " to " + view.Date(t.GetTermEnd())
	}
	weights := ""
	if f.get("quality_weight") != "" {
		weights = "Quality " + f.get("quality_weight") + "%, price " + f.get("price_weight") + "%"
	}
	var councils []string
	for _, c := range t.GetMemberCouncils() {
		councils = append(councils, view.FrameworkCouncil(c))
	}
	if len(councils) == 0 {
		councils = []string{"Not given"}
	}
	rows := []view.CheckRow{
		{Key: "Title", Lines: []string{or(t.GetTitle(), "Not given")}, Change: change("title"), ChangeWhat: "title"},
		{Key: "Category", Lines: []string{or(view.Words(t.GetCategory()), "Not given")}, Change: change("category"), ChangeWhat: "category"},
		{Key: "Description", Lines: []string{or(t.GetDescription(), "None")}, Change: change("description"), ChangeWhat: "description"},
		{Key: "Initial term", Lines: []string{or(term, "Not given")}, Change: change("term"), ChangeWhat: "initial term"},
		{Key: "Extension options", Lines: []string{extensionWords(t.GetExtensionOptionsMonths())}, Change: change("extensions"), ChangeWhat: "extension options"},
		{Key: "Weighting", Lines: []string{or(weights, "Not given")}, Change: change("weighting"), ChangeWhat: "weighting"},
		{Key: "Member councils", Lines: councils, Change: change("councils"), ChangeWhat: "member councils"},
	}
	for i, l := range f.lots() {
		n := strconv.Itoa(i + 1)
		rows = append(rows, view.CheckRow{Key: "Lot " + n, Lines: []string{l.Name, bandWords(l.Min, l.Max), "Quality threshold " + strconv.Itoa(l.Threshold)},
			Change: f.base() + "/lot/" + n + "?change=1", ChangeWhat: "lot " + n})
	}
	rows = append(rows, view.CheckRow{Key: "Lots", Lines: []string{countWords(len(f.lots()), "lot", "lots")}, Change: f.base() + "/lots", ChangeWhat: "lots: add or remove one"})
	rows = append(rows, fqCheckRows(f)...)
	c := view.TermsFlow{Caption: q.chrome(f, "", "").Caption, Back: f.base() + "/questions", Action: f.base() + "/check"}
	heading, button := "Check your answers before drafting the framework", "Draft the framework"
	var reasonField *view.Field
	if f.amending() {
		c.Back = "/frameworks/" + f.id
		heading, button = "Check the changed terms", "Save the changes"
		reasonField = &view.Field{ID: "reason", Label: "Why are you changing the terms?", Hint: "This is recorded in the framework's decision history.", Value: reason, Errors: q.page.Errors}
	}
	q.page.Title = heading
	return q.render(view.TermsCheck(q.page, c, heading, rows, reasonField, formOrFlowRequestID(q, f), button))
}

// formOrFlowRequestID is the request id the check answers form carries: the
// one posted (a form shown again keeps its id), else the flow's.
func formOrFlowRequestID(q *rq, f *termsFlow) string {
	if q.r.Method == http.MethodPost {
		return formRequestID(q.r)
	}
	return f.get("request_id")
}

// extensionWords: "None", "12 months", "12 months, then 6 months".
func extensionWords(months []uint32) string {
	if len(months) == 0 {
		return "None"
	}
	parts := make([]string, len(months))
	for i, m := range months {
		parts[i] = countWords(int(m), "month", "months")
	}
	return strings.Join(parts, ", then ")
}

func countWords(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
