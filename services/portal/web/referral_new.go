package web

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// Placing a child is a question flow: one thing per page, the answers kept
// in the session (Forms["referral-new"]) by the id of the form field that
// holds each (the API field's path as view.FieldID writes it), until the
// commissioner checks them and sends the referral with one CreateReferral
// carrying the check page's request id. Each page checks its own answers;
// what the service refuses when the referral is sent is shown on the check
// page, linked to the answer's Change link.

// refNew is the flow's question pages in order, with their titles;
// "done-<step>" marks a page answered.
var refNew = flowQuestions{base: "/referrals/new", exit: "/referrals", form: "referral-new", steps: []flowStep{
	{"placement", "done-placement", "What kind of placement is needed?"},
	// Asked only of a member of a framework in force (cof.go).
	{"method", "done-method", "How do you want to place this child?"},
	{"child", "done-child", "About the child"},
	{"when", "done-when", "When is the placement needed?"},
	{"needs", "done-needs", "What must the placement be able to meet?"},
	{"risks", "done-risks", "What risks should providers know about?"},
	{"support", "done-support", "What else must the placement provide?"},
	{"living", "done-living", "Who can the child live with?"},
	{"recommendation", "done-recommendation", "Which kinds of placement are suitable?"},
	{"area", "done-area", "Where is the child's home?"},
	{"budget", "done-budget", "Weekly budget and duration"},
	{"offers", "done-offers", "How long do providers have to offer?"},
}}

// refOutcode is the first half of a postcode, as the service takes it.
var refOutcode = regexp.MustCompile(`^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?$`)

func (s *Server) referralNewRoutes() {
	s.page("GET /referrals/new", commissioner, s.referralNewStart)
	refNew.routes(s, commissioner, s.referralQuestion, s.referralAnswer)
	s.page("GET /referrals/new/check", commissioner, s.referralCheck)
	s.page("POST /referrals/new/check", commissioner, s.sendReferral)
}

// referralNewStart starts the flow: afresh once the last referral was sent.
func (s *Server) referralNewStart(q *rq) error {
	if d := refNew.draft(q); d.get("sent") != "" {
		if err := refNew.save(q, flowDraft{}); err != nil {
			return err
		}
	}
	refNew.to(q, "placement")
	return nil
}

// refPlacements are the categories the commissioner's council may refer
// in: each open DPS that has the council as a member. The value is the DPS
// and the category, space-separated.
func (s *Server) refPlacements(q *rq) ([]view.Option, error) {
	list, err := s.purchasing.ListDps(q.ctx, &purchasingv1.ListDpsRequest{})
	if err != nil {
		return nil, err
	}
	la := q.sess.Principal.OrgID()
	var out []view.Option
	for _, sum := range list.GetDps() {
		if sum.GetStatus() != purchasingv1.DpsStatus_DPS_STATUS_OPEN {
			continue
		}
		d, err := s.purchasing.GetDps(q.ctx, &purchasingv1.GetDpsRequest{DpsId: sum.GetDpsId()})
		if err != nil {
			return nil, err
		}
		if !slices.Contains(d.GetTerms().GetMemberCouncils(), la) {
			continue
		}
		for _, c := range d.GetTerms().GetCategories() {
			out = append(out, view.Option{Value: d.GetDpsId() + " " + c.GetId(), Text: c.GetName(), Hint: d.GetTerms().GetTitle()})
		}
	}
	return out, nil
}

// referralQuestion shows a question with the answers given so far.
func (s *Server) referralQuestion(q *rq) error {
	d := refNew.draft(q)
	if d.get("sent") != "" {
		d = flowDraft{}
	}
	return s.renderRefQuestion(q, refNew.slug(q), d, nil)
}

// renderRefQuestion renders a question page with values and errors.
func (s *Server) renderRefQuestion(q *rq, slug string, v flowDraft, errs []view.FieldError) error {
	q.page.Title = refNew.title(slug)
	if q.page.Title == "" {
		return dpsNoPage
	}
	field := func(id, label, hint string) view.Field {
		return view.Field{ID: id, Label: label, Hint: hint, Value: v.get(id), Values: v[id], Errors: errs}
	}
	back := refNew.back(q, slug)
	if slug == "child" && !q.changing() && v.get("cof-offered") == "" {
		back = refNew.base + "/placement" // the method was not asked
	}
	var body templ.Component
	switch slug {
	case "method":
		opts, err := s.cofOptions(q)
		if err != nil {
			return err
		}
		f := field("cof-method", "How do you want to place this child?", "Your council is a member of a framework in force, so it can call off from the framework's lots.")
		f.Heading, f.Options = true, opts
		if f.Value == "" {
			f.Value = cofViaDps
		}
		body = view.Radios(f)
	case "placement":
		opts, err := s.refPlacements(q)
		if err != nil {
			return err
		}
		f := field("need-category_id", "What kind of placement is needed?", "The categories of the dynamic purchasing systems your council places through.")
		f.Heading, f.Options = true, opts
		if v.get("dps_id") != "" {
			f.Value = v.get("dps_id") + " " + v.get("need-category_id")
		}
		body = view.RefPlacement(f)
	case "child":
		age := field("need-age_years", "How old is the child?", "In whole years, today")
		age.Width, age.Type = "3", "text"
		sex := field("need-sex", "What is the child's sex?", "")
		sex.Options = view.RefSex
		sib := field("need-sibling_count", "How many brothers or sisters should live with them?", "Each needs a place too. Enter 0 if the child is to be placed alone.")
		sib.Width = "3"
		body = view.RefChildQuestion(age, sex, sib)
	case "when":
		nb := field("need-needed_by", "How soon is the placement needed?", "")
		nb.Heading, nb.Options = true, view.RefNeededBy
		parts := []string{v.get("need-start_by-day"), v.get("need-start_by-month"), v.get("need-start_by-year")}
		if t, err := time.Parse(time.DateOnly, v.get("need-start_by")); err == nil && parts[0] == "" {
			parts = []string{strconv.Itoa(t.Day()), strconv.Itoa(int(t.Month())), strconv.Itoa(t.Year())}
		}
		body = view.RefWhen(nb, view.DateField{ID: "need-start_by", Label: "When must the placement start by?", Hint: "For example, 18 12 2026. Settings free only after it are not matched.",
			Day: parts[0], Month: parts[1], Year: parts[2], Errors: errs})
	case "needs":
		f := field("need-needs", "What must the placement be able to meet?", "Select all that apply. Only settings that offer every one of them are matched.")
		f.Heading, f.Options = true, view.RefNeeds
		body = view.Checkboxes(f)
	case "risks":
		f := field("need-risks", "What risks should providers know about?", "Select all that apply. A risk of exploitation, harmful sexual behaviour or fire setting needs a setting that offers that specialism.")
		f.Heading, f.Options = true, view.RefRisks
		other := field("need-risks-other", "Any other risk to the child (optional)", "Describe it without anything that could identify the child.")
		toOthers := field("need-risks-to_others_other", "Any other risk to others (optional)", "")
		body = view.RefRisksQuestion(f, other, toOthers)
	case "support":
		comm := field("need-communication_requirements", "Does the child need to communicate in a particular way?", "Select all that apply.")
		comm.Options = view.RefCommunication
		sup := field("need-additional_support", "What additional support is needed?", "Select all that apply.")
		sup.Options = view.RefSupport
		req := field("need-requirements", "Does the placement need any of these?", "Select all that apply.")
		req.Options = []view.Option{{Value: "home_adaptation", Text: "An adapted home (for example, wheelchair access)"},
			{Value: "deprivation_of_liberty", Text: "Care under a deprivation of liberty order"}}
		cult := field("need-cultural_needs", "Must the placement meet cultural, religious or language needs?", "")
		cult.Options = view.RefCultural
		body = view.RefFields("What else must the placement provide?", view.Checkboxes(comm), view.Checkboxes(sup), view.Checkboxes(req), view.Radios(cult))
	case "living":
		comp := field("need-living_companions", "Who can the child live with?", "")
		comp.Options = view.RefCompanions
		pets := field("need-pets", "Can the child live with animals?", "")
		pets.Options = view.RefPets
		body = view.RefFields("Who can the child live with?", view.Radios(comp), view.Radios(pets))
	case "recommendation":
		var radios []templ.Component
		for _, k := range []struct{ id, label string }{{"need-foster_care", "Foster care"}, {"need-residential_care", "A residential children's home"},
			{"need-supported_accommodation", "Supported accommodation (16 and 17 year olds)"}} {
			f := field(k.id, k.label, "")
			f.Options = view.RefSuitability
			radios = append(radios, view.Radios(f))
		}
		body = view.RefFields("Which kinds of placement are suitable?", radios...)
	case "area":
		home := field("need-home_outcode", "What is the first half of the postcode of the child's home?", "For example, M14. Distances are measured from it.")
		home.Width = "5"
		dist := field("need-max_distance_miles", "How far from home can the placement be, in miles?", "Settings further away are not matched.")
		dist.Width = "4"
		pref := field("need-preferred_location", "Is there an area the search should favour? (optional)", "For example, near their school in Stockport. Nothing that could identify the child.")
		body = view.RefFields("Where is the child's home?", view.Input(home), view.Input(dist), view.Input(pref))
	case "budget":
		budget := field("need-weekly_budget_pence", "What is the most the council can pay a week, in pounds?", "Offers above it are refused.")
		budget.Width = "10"
		weeks := field("need-expected_duration_weeks", "How many weeks is the placement expected to last?", "For example, 26. At most 520 weeks.")
		weeks.Width = "4"
		body = view.RefFields("Weekly budget and duration", view.Input(budget), view.Input(weeks))
	case "offers":
		opts, err := s.dlOptions(q, v.get("dps_id"))
		if err != nil {
			return err
		}
		f := field("offers-hours", "How long do providers have to offer?", "From when you send the referral. Offers sent after it are refused. You can give providers longer from the referral's page.")
		f.Heading, f.Options = true, opts
		body = view.Radios(f)
	default:
		return dpsNoPage
	}
	return q.render(view.RefQuestion(q.page, back, refNew.action(q, slug), body))
}

// referralAnswer checks and keeps one page's answers, then goes on.
func (s *Server) referralAnswer(q *rq) error {
	slug := refNew.slug(q)
	d := refNew.draft(q)
	if d.get("sent") != "" {
		d = flowDraft{}
	}
	if err := q.r.ParseForm(); err != nil {
		return err
	}
	form := func(k string) string { return strings.TrimSpace(q.r.PostFormValue(k)) }
	// given are this page's answers as sent, shown again with any errors.
	given := flowDraft{}
	keep := func(ids ...string) {
		for _, id := range ids {
			given[id] = q.r.PostForm[id]
			for i, v := range given[id] {
				given[id][i] = strings.TrimSpace(v)
			}
		}
	}
	var errs problems
	// chosen keeps only the values among opts (a tampered form sends others).
	chosen := func(id string, opts []view.Option) []string {
		var out []string
		for _, o := range opts {
			if slices.Contains(q.r.PostForm[id], o.Value) {
				out = append(out, o.Value)
			}
		}
		given[id] = out
		return out
	}
	radio := func(id string, opts []view.Option, required string) {
		v := form(id)
		if v != "" && view.RefOption(opts, v) == "" {
			v = ""
		}
		given[id] = []string{v}
		if v == "" && required != "" {
			errs.add(id, required)
		}
	}
	// skipMethod: the council is a member of no framework in force, so the
	// child is placed through the DPS without asking.
	skipMethod := false
	switch slug {
	case "method":
		opts, err := s.cofOptions(q)
		if err != nil {
			return err
		}
		radio("cof-method", opts, "Select how you want to place this child")
		given["cof-text"] = []string{view.RefOption(opts, given.get("cof-method"))}
		given["cof-offered"] = []string{"yes"}
	case "placement":
		opts, err := s.refPlacements(q)
		if err != nil {
			return err
		}
		methods, err := s.cofOptions(q)
		if err != nil {
			return err
		}
		if len(methods) == 1 {
			skipMethod = true
			given["cof-method"], given["cof-text"], given["cof-offered"] = []string{cofViaDps}, nil, nil
			given["done-method"] = []string{"yes"}
		}
		v := form("need-category_id")
		text := view.RefOption(opts, v)
		dps, cat, _ := strings.Cut(v, " ")
		if text == "" {
			errs.add("need-category_id", "Select the kind of placement that is needed")
		}
		given["dps_id"], given["need-category_id"] = []string{dps}, []string{cat}
		given["placement-text"] = []string{text}
		for _, o := range opts {
			if o.Value == v {
				given["placement-text"] = []string{o.Text + " (" + o.Hint + ")"}
			}
		}
	case "child":
		keep("need-age_years", "need-sibling_count")
		if form("need-age_years") == "" {
			errs.add("need-age_years", "Enter the child's age in years")
		} else if _, ok := parseWhole(form("need-age_years"), 0, 25); !ok {
			errs.add("need-age_years", "Enter the child's age as a whole number of years from 0 to 25")
		}
		radio("need-sex", view.RefSex, "Select the child's sex")
		if sib := form("need-sibling_count"); sib == "" {
			given["need-sibling_count"] = []string{"0"}
		} else if _, ok := parseWhole(sib, 0, 6); !ok {
			errs.add("need-sibling_count", "Enter how many brothers or sisters as a number from 0 to 6")
		}
	case "when":
		radio("need-needed_by", view.RefNeededBy, "Select how soon the placement is needed")
		parts := dateParts(q.r, "need-start_by")
		given["need-start_by-day"], given["need-start_by-month"], given["need-start_by-year"] = parts[:1], parts[1:2], parts[2:]
		switch date, ok := parseDate(parts); {
		case parts[0] == "" && parts[1] == "" && parts[2] == "":
			errs.add("need-start_by-day", "Enter the date the placement must start by")
		case !ok:
			errs.add("need-start_by-day", "The start-by date must be a real date, for example 18 12 2026")
		case date < s.cfg.Now().In(ukTime).Format(time.DateOnly):
			errs.add("need-start_by-day", "The start-by date must be today or later")
		default:
			given["need-start_by"] = []string{date}
		}
	case "needs":
		chosen("need-needs", view.RefNeeds)
	case "risks":
		chosen("need-risks", view.RefRisks)
		keep("need-risks-other", "need-risks-to_others_other")
		for _, id := range []string{"need-risks-other", "need-risks-to_others_other"} {
			if len([]rune(form(id))) > 500 {
				errs.add(id, "Describe the risk in 500 characters or fewer")
			}
		}
	case "support":
		chosen("need-communication_requirements", view.RefCommunication)
		chosen("need-additional_support", view.RefSupport)
		chosen("need-requirements", []view.Option{{Value: "home_adaptation"}, {Value: "deprivation_of_liberty"}})
		radio("need-cultural_needs", view.RefCultural, "")
	case "living":
		radio("need-living_companions", view.RefCompanions, "")
		radio("need-pets", view.RefPets, "")
	case "recommendation":
		for _, id := range []string{"need-foster_care", "need-residential_care", "need-supported_accommodation"} {
			radio(id, view.RefSuitability, "")
		}
	case "area":
		keep("need-home_outcode", "need-max_distance_miles", "need-preferred_location")
		switch home := strings.ToUpper(form("need-home_outcode")); {
		case home == "":
			errs.add("need-home_outcode", "Enter the first half of the postcode of the child's home")
		case !refOutcode.MatchString(home):
			errs.add("need-home_outcode", "Enter only the first half of the postcode, for example M14")
		default:
			given["need-home_outcode"] = []string{home}
		}
		if form("need-max_distance_miles") == "" {
			errs.add("need-max_distance_miles", "Enter how far from home the placement can be")
		} else if _, ok := parseWhole(form("need-max_distance_miles"), 1, 400); !ok {
			errs.add("need-max_distance_miles", "Enter the distance as a whole number of miles from 1 to 400")
		}
		if len([]rune(form("need-preferred_location"))) > 200 {
			errs.add("need-preferred_location", "Describe the area in 200 characters or fewer")
		}
	case "budget":
		keep("need-weekly_budget_pence", "need-expected_duration_weeks")
		if form("need-weekly_budget_pence") == "" {
			errs.add("need-weekly_budget_pence", "Enter the weekly budget")
		} else if p, ok := parsePence(form("need-weekly_budget_pence")); !ok || p <= 0 || p > 10000000 {
			errs.add("need-weekly_budget_pence", "Enter the weekly budget in pounds, for example 5200 or 5200.50, up to £100,000")
		} else {
			given["need-weekly_budget_pence"] = []string{poundsValue(p)}
		}
		if form("need-expected_duration_weeks") == "" {
			errs.add("need-expected_duration_weeks", "Enter how many weeks the placement is expected to last")
		} else if _, ok := parseWhole(form("need-expected_duration_weeks"), 1, 520); !ok {
			errs.add("need-expected_duration_weeks", "Enter the duration as a whole number of weeks from 1 to 520")
		}
	case "offers":
		opts, err := s.dlOptions(q, d.get("dps_id"))
		if err != nil {
			return err
		}
		radio("offers-hours", opts, "Select how long providers have to offer")
		given["offers-text"] = []string{view.RefOption(opts, given.get("offers-hours"))}
	default:
		return dpsNoPage
	}
	if len(errs) > 0 {
		return q.refuse(func(errs []view.FieldError) error { return s.renderRefQuestion(q, slug, given, errs) }, errs...)
	}
	for k, v := range given {
		d[k] = v
	}
	d["done-"+slug] = []string{"yes"}
	if err := refNew.save(q, d); err != nil {
		return err
	}
	if skipMethod {
		return q.done(refNew.next(q, "method", d), 0, "")
	}
	return q.done(refNew.next(q, slug, d), 0, "")
}

// refNeed is the answers as the service takes them.
func refNeed(d flowDraft) *purchasingv1.Need {
	num := func(id string) uint32 { n, _ := strconv.Atoi(d.get(id)); return uint32(n) }
	enum := func(id string) int32 { n, _ := strconv.Atoi(d.get(id)); return int32(n) }
	budget, _ := parsePence(d.get("need-weekly_budget_pence"))
	n := &purchasingv1.Need{
		CategoryId: d.get("need-category_id"), AgeYears: num("need-age_years"), Sex: purchasingv1.Sex(enum("need-sex")),
		NeededBy: purchasingv1.NeededBy(enum("need-needed_by")), SiblingCount: num("need-sibling_count"),
		HomeOutcode: d.get("need-home_outcode"), MaxDistanceMiles: num("need-max_distance_miles"), StartBy: d.get("need-start_by"),
		WeeklyBudgetPence: budget, ExpectedDurationWeeks: num("need-expected_duration_weeks"), Needs: d["need-needs"],
		CommunicationRequirements: d["need-communication_requirements"], CommunicationNeeds: len(d["need-communication_requirements"]) > 0,
		HomeAdaptation: slices.Contains(d["need-requirements"], "home_adaptation"), DeprivationOfLiberty: slices.Contains(d["need-requirements"], "deprivation_of_liberty"),
		CulturalNeeds: purchasingv1.CulturalNeeds(enum("need-cultural_needs")), LivingCompanions: purchasingv1.LivingCompanions(enum("need-living_companions")),
		Pets: purchasingv1.Pets(enum("need-pets")), AdditionalSupport: d["need-additional_support"],
		FosterCare: purchasingv1.Suitability(enum("need-foster_care")), ResidentialCare: purchasingv1.Suitability(enum("need-residential_care")),
		SupportedAccommodation: purchasingv1.Suitability(enum("need-supported_accommodation")), PreferredLocation: d.get("need-preferred_location"),
	}
	risks := d["need-risks"]
	n.Risks = &purchasingv1.Risks{
		SelfHarm: slices.Contains(risks, "self_harm"), SexualExploitation: slices.Contains(risks, "sexual_exploitation"),
		CriminalExploitation: slices.Contains(risks, "criminal_exploitation"), DrugAlcohol: slices.Contains(risks, "drug_alcohol"),
		EatingDisorder: slices.Contains(risks, "eating_disorder"), Missing: slices.Contains(risks, "missing"),
		ToOthersPhysical: slices.Contains(risks, "to_others_physical"), ToOthersSexual: slices.Contains(risks, "to_others_sexual"),
		ToOthersFire: slices.Contains(risks, "to_others_fire"), ToOthersAnimals: slices.Contains(risks, "to_others_animals"),
		ToOthersCriminal: slices.Contains(risks, "to_others_criminal"), Other: d.get("need-risks-other"), ToOthersOther: d.get("need-risks-to_others_other"),
	}
	return n
}

// refNeedRows are a need's answers in words. With change, each row links
// to its question (check your answers); placement is the category's words.
func refNeedRows(n *purchasingv1.Need, placement string, change bool) []view.DpsCheckRow {
	words := func(opts []view.Option, vals []string) []string {
		var out []string
		for _, v := range vals {
			if t := view.RefOption(opts, v); t != "" {
				out = append(out, t)
			}
		}
		return out
	}
	one := func(s string) []string { return []string{s} }
	// An optional choice left unanswered is not specified, not "none".
	enum := func(opts []view.Option, n int32) []string {
		if t := view.RefEnum(opts, n); t != "" {
			return one(t)
		}
		return one("Not specified")
	}
	var needs []string
	for _, c := range n.GetNeeds() {
		needs = append(needs, view.RefNeed(c))
	}
	var other []string
	if n.GetHomeAdaptation() {
		other = append(other, "An adapted home")
	}
	if n.GetDeprivationOfLiberty() {
		other = append(other, "Care under a deprivation of liberty order")
	}
	siblings := "None"
	if c := n.GetSiblingCount(); c > 0 {
		siblings = strconv.Itoa(int(c))
	}
	budget := ""
	if n.GetWeeklyBudgetPence() > 0 {
		budget = view.Pounds(n.GetWeeklyBudgetPence()) + " a week"
	}
	rows := []view.DpsCheckRow{
		{ID: "need-category_id", Key: "Kind of placement", Values: one(placement), Href: "placement"},
		{ID: "need-age_years", Key: "Age", Values: one(strconv.Itoa(int(n.GetAgeYears())) + " years old"), Href: "child"},
		{ID: "need-sex", Key: "Sex", Values: one(view.RefEnum(view.RefSex, int32(n.GetSex()))), Href: "child"},
		{ID: "need-sibling_count", Key: "Brothers or sisters placed with them", Values: one(siblings), Href: "child"},
		{ID: "need-needed_by", Key: "Needed", Values: one(view.RefEnum(view.RefNeededBy, int32(n.GetNeededBy()))), Href: "when"},
		{ID: "need-start_by", Key: "Start by", Values: one(view.Date(n.GetStartBy())), Href: "when"},
		{ID: "need-needs", Key: "Needs the placement must meet", Values: needs, Href: "needs"},
		{ID: "need-risks", Key: "Risks", Values: view.RefRiskWords(n.GetRisks()), Href: "risks"},
		{ID: "need-communication_requirements", Key: "Communication", Values: words(view.RefCommunication, n.GetCommunicationRequirements()), Href: "support"},
		{ID: "need-additional_support", Key: "Additional support", Values: words(view.RefSupport, n.GetAdditionalSupport()), Href: "support"},
		{ID: "need-requirements", Key: "Other requirements", Values: other, Href: "support"},
		{ID: "need-cultural_needs", Key: "Cultural, religious or language needs", Values: enum(view.RefCultural, int32(n.GetCulturalNeeds())), Href: "support"},
		{ID: "need-living_companions", Key: "Who the child can live with", Values: enum(view.RefCompanions, int32(n.GetLivingCompanions())), Href: "living"},
		{ID: "need-pets", Key: "Animals", Values: enum(view.RefPets, int32(n.GetPets())), Href: "living"},
		{ID: "need-foster_care", Key: "Foster care", Values: enum(view.RefSuitability, int32(n.GetFosterCare())), Href: "recommendation"},
		{ID: "need-residential_care", Key: "Residential children's home", Values: enum(view.RefSuitability, int32(n.GetResidentialCare())), Href: "recommendation"},
		{ID: "need-supported_accommodation", Key: "Supported accommodation", Values: enum(view.RefSuitability, int32(n.GetSupportedAccommodation())), Href: "recommendation"},
		{ID: "need-home_outcode", Key: "Home postcode district", Values: one(n.GetHomeOutcode()), Href: "area"},
		{ID: "need-max_distance_miles", Key: "Furthest from home", Values: one(strconv.Itoa(int(n.GetMaxDistanceMiles())) + " miles"), Href: "area"},
		{ID: "need-preferred_location", Key: "Area to favour", Values: one(n.GetPreferredLocation()), Href: "area"},
		{ID: "need-weekly_budget_pence", Key: "Weekly budget", Values: one(budget), Href: "budget"},
		{ID: "need-expected_duration_weeks", Key: "Expected duration", Values: one(strconv.Itoa(int(n.GetExpectedDurationWeeks())) + " weeks"), Href: "budget"},
	}
	for i := range rows {
		if change {
			rows[i].Href = refNew.change(rows[i].Href)
		} else {
			rows[i].Href = ""
		}
	}
	return rows
}

// referralCheck is check your answers.
func (s *Server) referralCheck(q *rq) error {
	d := refNew.draft(q)
	if d.get("sent") != "" {
		d = flowDraft{}
	}
	if refNew.toUnanswered(q, d) {
		return nil
	}
	q.page.Title = "Check your answers"
	rows := cofCheckRows(append(refNeedRows(refNeed(d), d.get("placement-text"), true), dlCheckRow(d)), d)
	return q.render(view.RefCheck(q.page, rows, newRequestID()))
}

// sendReferral sends the referral. A second submit of the same form (its
// request id) lands on the same referral.
func (s *Server) sendReferral(q *rq) error {
	d := refNew.draft(q)
	if sent := d["sent"]; len(sent) == 2 && sent[0] == formRequestID(q.r) {
		http.Redirect(q.w, q.r, "/referrals/"+sent[1], http.StatusSeeOther)
		return nil
	}
	if refNew.toUnanswered(q, d) {
		return nil
	}
	need := refNeed(d)
	rows := cofCheckRows(append(refNeedRows(need, d.get("placement-text"), true), dlCheckRow(d)), d)
	due := s.dlDueBy(d)
	callOff := cofCallOff(d)
	return q.commandThen(func(requestID string) (uint64, string, error) {
		res, err := s.purchasing.CreateReferral(q.ctx, &purchasingv1.CreateReferralRequest{RequestId: requestID, DpsId: d.get("dps_id"), Need: need, OffersDueBy: due, CallOff: callOff})
		if err != nil {
			return 0, "", sayRule(err, inTable(cofRules))
		}
		d["sent"] = []string{requestID, res.GetId()}
		return res.GetPosition(), "/referrals/" + res.GetId(), refNew.save(q, d)
	}, "The referral is sent to the providers it matched", func(errs []view.FieldError) error {
		// A refused answer links to its row's Change link.
		for i, e := range errs {
			if e.Field == "dps_id" {
				errs[i].Field = "need-category_id"
			}
			// A refused call-off links to how the child is placed.
			if callOff != nil && (strings.HasPrefix(e.Field, "call_off") || (e.Field == "" && cofSaid(e.Message))) {
				errs[i].Field = "cof-method"
			}
			for _, r := range rows {
				if strings.HasPrefix(e.Field, r.ID+"-") {
					errs[i].Field = r.ID
				}
				if errs[i].Field == r.ID {
					errs[i].Message = r.Key + ": " + refViolation(e.Field, e.Message)
				}
			}
		}
		q.page.Errors = errs
		q.page.Title = "Check your answers"
		return q.render(view.RefCheck(q.page, rows, formRequestID(q.r)))
	})
}

// refViolation is a field violation's own words, without the field name
// formErrors put first (the check page names the answer instead).
func refViolation(field, msg string) string {
	name := field[strings.LastIndexByte(field, '-')+1:]
	return strings.TrimPrefix(msg, capitalise(strings.ReplaceAll(name, "_", " "))+" ")
}
