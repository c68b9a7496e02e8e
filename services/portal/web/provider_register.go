package web

import (
	"regexp"
	"strings"

	"github.com/a-h/templ"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// Registering is a question flow as creating a DPS is: one thing per page,
// the answers kept in the session (Forms["prov-register"]) until the admin
// checks them and registers with one RegisterProvider. Each page checks its
// own answer; what the service refuses is shown on the check page, linked
// to the answer's Change link.

// provRegistration is the flow's question pages in order, each with the
// answer that says it has been answered.
var provRegistration = flowQuestions{base: "/organisation/register", exit: "/", form: "prov-register", steps: []flowStep{
	{"name", "legal_name", "What is your organisation's legal name?"},
	{"number", "registration", "What is your Companies House number or charity number?"},
	{"office", "head_office_outcode", "Where is your head office?"},
	{"contact", "contact_name", "Who should councils and consortia contact?"},
}}

var (
	provCompanyNumber = regexp.MustCompile(`^[A-Z0-9]{8}$`)
	provCharityNumber = regexp.MustCompile(`^[0-9]{6,7}$`)
	provOutcode       = regexp.MustCompile(`^[A-Za-z]{1,2}[0-9][A-Za-z0-9]?$`)
	provURN           = regexp.MustCompile(`^[A-Z0-9]{6,8}$`)
)

func (s *Server) provRegisterRoutes() {
	s.page("GET /organisation/register", providerAdmin, s.provRegisterStart)
	provRegistration.routes(s, providerAdmin, s.provQuestion, s.provAnswer)
	s.page("GET /organisation/register/check", providerAdmin, s.provCheck)
	s.page("POST /organisation/register/check", providerAdmin, s.provRegister)
}

// provRegistered sends an admin whose organisation is registered to it:
// a provider registers once.
func (s *Server) provRegistered(q *rq) (bool, error) {
	pv, err := s.provOwn(q)
	if err != nil || pv == nil {
		return false, err
	}
	return true, q.done("/organisation", 0, "")
}

func (s *Server) provRegisterStart(q *rq) error {
	if done, err := s.provRegistered(q); done || err != nil {
		return err
	}
	provRegistration.to(q, "name")
	return nil
}

func (s *Server) provQuestion(q *rq) error {
	if done, err := s.provRegistered(q); done || err != nil {
		return err
	}
	return s.renderProvQuestion(q, provRegistration.slug(q), provRegistration.draft(q), nil)
}

func (s *Server) renderProvQuestion(q *rq, slug string, v flowDraft, errs []view.FieldError) error {
	var body templ.Component
	q.page.Title = provRegistration.title(slug)
	switch slug {
	case "name":
		body = view.ProvNameQuestion(
			view.Field{ID: "profile-legal_name", Label: "What is your organisation's legal name?", Heading: true, Value: v.get("legal_name"), Errors: errs,
				Hint: "As registered with Companies House or the Charity Commission, for example Little Oaks Care Ltd"},
			view.Field{ID: "profile-trading_name", Label: "Trading name (optional)", Value: v.get("trading_name"), Errors: errs,
				Hint: "The name councils know you by, if it is different"})
	case "number":
		body = view.Input(view.ProvNumberField(v.get("registration"), errs, true))
	case "office":
		body = view.Input(view.Field{ID: "profile-head_office_outcode", Label: "Where is your head office?", Heading: true, Value: v.get("head_office_outcode"),
			Errors: errs, Width: "5", Hint: "The first half of its postcode, for example M14 or BB1"})
	case "contact":
		body = view.ProvContactQuestion(0, view.ProvContactValues{Name: v.get("contact_name"), Role: v.get("contact_role"), Email: v.get("contact_email"),
			Phone: v.get("contact_phone")}, errs)
	default:
		return dpsNoPage
	}
	return q.render(view.ProvQuestion(q.page, provRegistration.back(q, slug), provRegistration.action(q, slug), body))
}

func (s *Server) provAnswer(q *rq) error {
	if done, err := s.provRegistered(q); done || err != nil {
		return err
	}
	slug := provRegistration.slug(q)
	d := provRegistration.draft(q)
	if err := q.r.ParseForm(); err != nil {
		return err
	}
	form := func(k string) string { return strings.TrimSpace(q.r.PostFormValue(k)) }
	var errs []view.FieldError
	fail := func(id, msg string) { errs = append(errs, view.FieldError{Field: id, Message: msg}) }
	v := flowDraft{}
	switch slug {
	case "name":
		legal, trading := form("profile-legal_name"), form("profile-trading_name")
		v["legal_name"], v["trading_name"] = []string{legal}, []string{trading}
		switch n := len([]rune(legal)); {
		case n == 0:
			fail("profile-legal_name", "Enter your organisation's legal name")
		case n < 2 || n > 200:
			fail("profile-legal_name", "The legal name must be between 2 and 200 characters")
		}
		if len([]rune(trading)) > 200 {
			fail("profile-trading_name", "The trading name must be 200 characters or fewer")
		}
	case "number":
		n := provNumber(form("profile-registration"))
		v["registration"] = []string{n}
		if msg := provNumberError(n); msg != "" {
			fail("profile-registration", msg)
		}
	case "office":
		o := strings.ToUpper(form("profile-head_office_outcode"))
		v["head_office_outcode"] = []string{o}
		if o == "" {
			fail("profile-head_office_outcode", "Enter the first half of your head office's postcode")
		} else if !provOutcode.MatchString(o) {
			fail("profile-head_office_outcode", "Enter the first half of the postcode only, for example M14")
		}
	case "contact":
		c := provContactFrom(q, 0)
		v["contact_name"], v["contact_role"], v["contact_email"], v["contact_phone"] = []string{c.Name}, []string{c.Role}, []string{c.Email}, []string{c.Phone}
		errs = provCheckContact(0, c, true)
	default:
		return dpsNoPage
	}
	if len(errs) > 0 {
		return q.refuse(func(errs []view.FieldError) error { return s.renderProvQuestion(q, slug, v, errs) }, errs...)
	}
	for k, val := range v {
		d[k] = val
	}
	if err := provRegistration.save(q, d); err != nil {
		return err
	}
	return q.done(provRegistration.next(q, slug, d), 0, "")
}

// provNumber is a registration number as typed, without spaces, in
// capitals.
func provNumber(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
}

// provNumberError says what is wrong with a registration number ("" if
// nothing is).
func provNumberError(n string) string {
	switch {
	case n == "":
		return "Enter your Companies House number or charity number"
	case !provCompanyNumber.MatchString(n) && !provCharityNumber.MatchString(n):
		return "Enter a Companies House number of 8 letters and numbers, for example 01234567, or a charity number of 6 or 7 numbers"
	}
	return ""
}

// provSetNumber sets the profile's registration: a charity number has 6
// or 7 digits, a Companies House number 8 characters.
func provSetNumber(p *purchasingv1.ProviderProfile, n string) {
	if provCharityNumber.MatchString(n) {
		p.Registration = &purchasingv1.ProviderProfile_CharityNumber{CharityNumber: n}
	} else {
		p.Registration = &purchasingv1.ProviderProfile_CompaniesHouseNumber{CompaniesHouseNumber: n}
	}
}

// provContactFrom reads the i-th contact of a form.
func provContactFrom(q *rq, i int) view.ProvContactValues {
	id := view.ProvContactID(i)
	f := func(k string) string { return strings.TrimSpace(q.r.PostFormValue(id + "-" + k)) }
	return view.ProvContactValues{Name: f("name"), Role: f("role"), Email: f("email"), Phone: f("phone")}
}

// provCheckContact checks a contact as the service will; need says the
// contact may not be left empty.
func provCheckContact(i int, c view.ProvContactValues, need bool) []view.FieldError {
	id := view.ProvContactID(i)
	var errs []view.FieldError
	if !need && c == (view.ProvContactValues{}) {
		return nil
	}
	switch {
	case c.Name == "":
		errs = append(errs, view.FieldError{Field: id + "-name", Message: "Enter the contact's name"})
	case len([]rune(c.Name)) > 200:
		errs = append(errs, view.FieldError{Field: id + "-name", Message: "The contact's name must be 200 characters or fewer"})
	}
	switch {
	case c.Role == "":
		errs = append(errs, view.FieldError{Field: id + "-role", Message: "Enter what the contact deals with, for example referrals"})
	case len([]rune(c.Role)) > 100:
		errs = append(errs, view.FieldError{Field: id + "-role", Message: "What the contact deals with must be 100 characters or fewer"})
	}
	if at := strings.Index(c.Email, "@"); at < 1 || at == len(c.Email)-1 || strings.ContainsAny(c.Email, " ,;") {
		errs = append(errs, view.FieldError{Field: id + "-email", Message: "Enter an email address in the correct format, like name@example.org"})
	}
	if len([]rune(c.Phone)) > 40 {
		errs = append(errs, view.FieldError{Field: id + "-phone", Message: "The phone number must be 40 characters or fewer"})
	}
	return errs
}

// provProfileOf is the profile the answers describe.
func provProfileOf(d flowDraft) *purchasingv1.ProviderProfile {
	p := &purchasingv1.ProviderProfile{LegalName: d.get("legal_name"), TradingName: d.get("trading_name"), HeadOfficeOutcode: d.get("head_office_outcode"),
		Contacts: []*purchasingv1.Contact{{Name: d.get("contact_name"), Role: d.get("contact_role"), Email: d.get("contact_email"), Phone: d.get("contact_phone")}}}
	provSetNumber(p, d.get("registration"))
	return p
}

func provCheckRows(d flowDraft) []view.DpsCheckRow {
	p := provProfileOf(d)
	key, number := "Companies House number", p.GetCompaniesHouseNumber()
	if p.GetCharityNumber() != "" {
		key, number = "Charity number", p.GetCharityNumber()
	}
	c := p.GetContacts()[0]
	contact := []string{c.GetName() + " (" + c.GetRole() + ")", c.GetEmail()}
	if c.GetPhone() != "" {
		contact = append(contact, c.GetPhone())
	}
	return []view.DpsCheckRow{
		{ID: "profile-legal_name", Key: "Legal name", Values: []string{p.GetLegalName()}, Href: provRegistration.change("name")},
		{ID: "profile-trading_name", Key: "Trading name", Values: []string{p.GetTradingName()}, Href: provRegistration.change("name")},
		{ID: "profile-registration", Key: key, Values: []string{number}, Href: provRegistration.change("number")},
		{ID: "profile-head_office_outcode", Key: "Head office", Values: []string{p.GetHeadOfficeOutcode()}, Href: provRegistration.change("office")},
		{ID: "profile-contacts", Key: "Contact", Values: contact, Href: provRegistration.change("contact")},
	}
}

func (s *Server) provCheck(q *rq) error {
	if done, err := s.provRegistered(q); done || err != nil {
		return err
	}
	d := provRegistration.draft(q)
	if provRegistration.toUnanswered(q, d) {
		return nil
	}
	q.page.Title = "Check your answers"
	return q.render(view.ProvCheck(q.page, provCheckRows(d), newRequestID()))
}

// provRegister registers the organisation once; a second submit of the
// same form lands on the organisation registered.
func (s *Server) provRegister(q *rq) error {
	d := provRegistration.draft(q)
	if provRegistration.toUnanswered(q, d) {
		return nil
	}
	rows := provCheckRows(d)
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.RegisterProvider(q.ctx, &purchasingv1.RegisterProviderRequest{RequestId: requestID, ProviderId: provID(q), Profile: provProfileOf(d)})
		if err != nil {
			return 0, provRuleWords(err)
		}
		delete(q.sess.Forms, provRegistration.form)
		return res.GetPosition(), nil
	}, "/organisation", "Your organisation is registered: now add its settings and accreditations", func(errs []view.FieldError) error {
		// A refused answer links to its row's Change link.
		for i, e := range errs {
			if strings.HasPrefix(e.Field, "profile-companies_house_number") || strings.HasPrefix(e.Field, "profile-charity_number") {
				errs[i].Field = "profile-registration"
			}
			for _, r := range rows {
				if strings.HasPrefix(e.Field, r.ID) {
					errs[i].Field = r.ID
				}
			}
		}
		q.page.Errors = errs
		q.page.Title = "Check your answers"
		return q.render(view.ProvCheck(q.page, rows, formRequestID(q.r)))
	})
}
