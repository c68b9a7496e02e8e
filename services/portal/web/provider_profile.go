package web

import (
	"slices"
	"strconv"
	"strings"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// The registered provider's organisation: its profile, settings and
// accreditations, each changed on its own page.

func (s *Server) provProfileRoutes() {
	s.page("GET /organisation/profile", providerAdmin, s.provProfilePage)
	s.page("POST /organisation/profile", providerAdmin, s.provUpdateProfile)
	s.page("GET /organisation/settings/new", providerAdmin, s.provSettingPage)
	s.page("POST /organisation/settings/new", providerAdmin, s.provSaveSetting)
	s.page("GET /organisation/settings/{urn}", providerAdmin, s.provSettingPage)
	s.page("POST /organisation/settings/{urn}", providerAdmin, s.provSaveSetting)
	s.page("GET /organisation/settings/{urn}/remove", providerAdmin, s.provRemoveSettingPage)
	s.page("POST /organisation/settings/{urn}/remove", providerAdmin, s.provRemoveSetting)
	s.page("GET /organisation/accreditations/new", providerAdmin, s.provAccreditationPage)
	s.page("POST /organisation/accreditations/new", providerAdmin, s.provRecordAccreditation)
}

// provRequire is the person's registered provider; an unregistered one's
// admin is sent to the start page (nil, nil).
func (s *Server) provRequire(q *rq) (*purchasingv1.ProviderView, error) {
	pv, err := s.provOwn(q)
	if err != nil || pv != nil {
		return pv, err
	}
	return nil, q.done("/", 0, "")
}

// provOrganisation is the organisation as consortia and councils see it.
func (s *Server) provOrganisation(q *rq) error {
	pv, err := s.provOwn(q)
	if err != nil {
		return err
	}
	if pv == nil {
		q.page.Title = "Register your organisation"
		return q.render(view.ProvStart(q.page, true))
	}
	q.page.Title = "Your organisation"
	return q.render(view.ProvOrganisation(q.page, pv, s.provAccreditationAlerts(pv)))
}

// provVersion is the provider's version the form was rendered at, so a
// change made meanwhile by someone else is not overwritten.
func provVersion(q *rq) uint64 {
	v, _ := strconv.ParseUint(q.r.PostFormValue("version"), 10, 64)
	return v
}

// provProfilePage is the profile to change, with an empty contact to add.
func (s *Server) provProfilePage(q *rq) error {
	pv, err := s.provRequire(q)
	if err != nil || pv == nil {
		return err
	}
	f := view.ProvProfileForm{Version: pv.GetVersion(), RequestID: newRequestID(), LegalName: pv.GetProfile().GetLegalName(), TradingName: pv.GetProfile().GetTradingName(),
		Number: pv.GetProfile().GetCompaniesHouseNumber() + pv.GetProfile().GetCharityNumber(), Outcode: pv.GetProfile().GetHeadOfficeOutcode()}
	for _, c := range pv.GetProfile().GetContacts() {
		f.Contacts = append(f.Contacts, view.ProvContactValues{Name: c.GetName(), Role: c.GetRole(), Email: c.GetEmail(), Phone: c.GetPhone()})
	}
	f.Contacts = append(f.Contacts, view.ProvContactValues{})
	q.page.Title = "Change your organisation's details"
	return q.render(view.ProvProfilePage(q.page, f))
}

// provUpdateProfile replaces the profile; a contact left empty is
// removed, and one contact must remain.
func (s *Server) provUpdateProfile(q *rq) error {
	if err := q.r.ParseForm(); err != nil {
		return err
	}
	form := func(k string) string { return strings.TrimSpace(q.r.PostFormValue(k)) }
	f := view.ProvProfileForm{Version: provVersion(q), RequestID: formRequestID(q.r), LegalName: form("profile-legal_name"), TradingName: form("profile-trading_name"),
		Number: provNumber(form("profile-registration")), Outcode: strings.ToUpper(form("profile-head_office_outcode"))}
	n, _ := strconv.Atoi(q.r.PostFormValue("contacts"))
	n = min(max(n, 1), 21)
	var errs []view.FieldError
	profile := &purchasingv1.ProviderProfile{LegalName: f.LegalName, TradingName: f.TradingName, HeadOfficeOutcode: f.Outcode}
	for i := range n {
		c := provContactFrom(q, i)
		f.Contacts = append(f.Contacts, c)
		errs = append(errs, provCheckContact(i, c, false)...)
		if c != (view.ProvContactValues{}) {
			profile.Contacts = append(profile.Contacts, &purchasingv1.Contact{Name: c.Name, Role: c.Role, Email: c.Email, Phone: c.Phone})
		}
	}
	if len(profile.Contacts) == 0 {
		errs = append(errs, view.FieldError{Field: view.ProvContactID(0) + "-name", Message: "Give at least one contact"})
	}
	if n := len([]rune(f.LegalName)); n < 2 || n > 200 {
		errs = append(errs, view.FieldError{Field: "profile-legal_name", Message: "Enter your organisation's legal name (2 to 200 characters)"})
	}
	provSetNumber(profile, f.Number)
	if msg := provNumberError(f.Number); msg != "" {
		errs = append(errs, view.FieldError{Field: "profile-registration", Message: msg})
	}
	if !provOutcode.MatchString(f.Outcode) {
		errs = append(errs, view.FieldError{Field: "profile-head_office_outcode", Message: "Enter the first half of your head office's postcode, for example M14"})
	}
	again := func(errs []view.FieldError) error {
		for i, e := range errs {
			if strings.HasPrefix(e.Field, "profile-companies_house_number") || strings.HasPrefix(e.Field, "profile-charity_number") {
				errs[i].Field = "profile-registration"
			}
		}
		if len(f.Contacts) == 0 || f.Contacts[len(f.Contacts)-1] != (view.ProvContactValues{}) {
			f.Contacts = append(f.Contacts, view.ProvContactValues{})
		}
		q.page.Title = "Change your organisation's details"
		return q.render(view.ProvProfilePage(q.page, f))
	}
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.UpdateProviderProfile(q.ctx, &purchasingv1.UpdateProviderProfileRequest{RequestId: requestID, ProviderId: provID(q),
			Profile: profile, ExpectedVersion: f.Version})
		return res.GetPosition(), provRuleWords(err)
	}, "/organisation", "Your organisation's details are saved", again)
}

// provSettingOf finds a setting on the profile (not removed); NOT_FOUND
// otherwise, as for another provider's setting.
func provSettingOf(pv *purchasingv1.ProviderView, urn string) (*purchasingv1.SettingView, error) {
	for _, st := range pv.GetSettings() {
		if st.GetSetting().GetUrn() == urn && !st.GetRemoved() {
			return st, nil
		}
	}
	return nil, dpsNoPage
}

// provSettingPage adds a setting (no URN in the path) or changes one.
func (s *Server) provSettingPage(q *rq) error {
	pv, err := s.provRequire(q)
	if err != nil || pv == nil {
		return err
	}
	f := view.ProvSettingForm{Version: pv.GetVersion(), RequestID: newRequestID(), PetsOnSite: "no"}
	if urn := q.r.PathValue("urn"); urn != "" {
		st, err := provSettingOf(pv, urn)
		if err != nil {
			return err
		}
		f = provSettingForm(st.GetSetting())
		f.Version, f.RequestID, f.Change = pv.GetVersion(), newRequestID(), true
	}
	q.page.Title = f.Heading()
	return q.render(view.ProvSettingPage(q.page, f))
}

func provSettingForm(st *purchasingv1.Setting) view.ProvSettingForm {
	f := view.ProvSettingForm{URN: st.GetUrn(), Name: st.GetName(), Type: strings.TrimPrefix(st.GetType().String(), "SETTING_TYPE_"),
		Places: strconv.Itoa(int(st.GetRegisteredPlaces())), Outcode: st.GetOutcode(), Specialisms: st.GetSpecialisms(),
		Grade: strings.TrimPrefix(st.GetOfstedGrade().String(), "OFSTED_GRADE_"), PetsOnSite: "no"}
	if st.GetPetsOnSite() {
		f.PetsOnSite = "yes"
	}
	if d := st.GetOfstedDate(); len(d) == 10 {
		f.Date = []string{strings.TrimLeft(d[8:], "0"), strings.TrimLeft(d[5:7], "0"), d[:4]}
	}
	return f
}

// provSaveSetting adds or changes a setting. A change needs a reason: it
// is recorded, as a new Ofsted grade changes what the setting is matched
// to.
func (s *Server) provSaveSetting(q *rq) error {
	if err := q.r.ParseForm(); err != nil {
		return err
	}
	urn := q.r.PathValue("urn")
	form := func(k string) string { return strings.TrimSpace(q.r.PostFormValue(k)) }
	f := view.ProvSettingForm{Version: provVersion(q), RequestID: formRequestID(q.r), Change: urn != "", URN: urn, Name: form("setting-name"), Type: form("setting-type"),
		Places: form("setting-registered_places"), Outcode: strings.ToUpper(form("setting-outcode")), Grade: form("setting-ofsted_grade"),
		Date: dateParts(q.r, "setting-ofsted_date"), PetsOnSite: form("setting-pets_on_site"), Reason: form("reason")}
	if !f.Change {
		f.URN = strings.ToUpper(strings.ReplaceAll(form("setting-urn"), " ", ""))
	}
	for _, o := range view.ProvSpecialisms {
		if slices.Contains(q.r.PostForm["setting-specialisms"], o.Value) {
			f.Specialisms = append(f.Specialisms, o.Value)
		}
	}
	st := &purchasingv1.Setting{Urn: f.URN, Name: f.Name, Outcode: f.Outcode, Specialisms: f.Specialisms, PetsOnSite: f.PetsOnSite == "yes"}
	var errs []view.FieldError
	fail := func(id, msg string) { errs = append(errs, view.FieldError{Field: id, Message: msg}) }
	if !f.Change && !provURN.MatchString(f.URN) {
		fail("setting-urn", "Enter the setting's Ofsted URN: 6 to 8 letters and numbers, for example SC123456")
	}
	if n := len([]rune(f.Name)); n < 2 || n > 200 {
		fail("setting-name", "Enter the setting's name (2 to 200 characters)")
	}
	if t, ok := purchasingv1.SettingType_value["SETTING_TYPE_"+f.Type]; ok && t > 0 {
		st.Type = purchasingv1.SettingType(t)
	} else {
		fail("setting-type", "Select what kind of setting it is")
	}
	if n, ok := parseWhole(f.Places, 1, 500); ok {
		st.RegisteredPlaces = uint32(n)
	} else {
		fail("setting-registered_places", "Enter the number of places Ofsted registered it for, from 1 to 500")
	}
	if !provOutcode.MatchString(f.Outcode) {
		fail("setting-outcode", "Enter the first half of the setting's postcode, for example M14")
	}
	if g, ok := purchasingv1.OfstedGrade_value["OFSTED_GRADE_"+f.Grade]; ok && g > 0 {
		st.OfstedGrade = purchasingv1.OfstedGrade(g)
	} else {
		fail("setting-ofsted_grade", "Select the setting's latest Ofsted judgement")
	}
	switch {
	case f.Date[0] == "" && f.Date[1] == "" && f.Date[2] == "":
		if st.OfstedGrade != purchasingv1.OfstedGrade_OFSTED_GRADE_NOT_YET_INSPECTED && st.OfstedGrade != 0 {
			fail("setting-ofsted_date-day", "Enter the date of the latest inspection")
		}
	default:
		d, ok := parseDate(f.Date)
		if !ok {
			fail("setting-ofsted_date-day", "The date of the latest inspection must be a real date, for example 10 3 2026")
		}
		st.OfstedDate = d
	}
	if f.PetsOnSite != "yes" && f.PetsOnSite != "no" {
		fail("setting-pets_on_site", "Select whether there are animals at the setting")
	}
	if f.Change && len([]rune(f.Reason)) < 3 {
		fail("reason", "Enter why the setting changed, for example a new Ofsted inspection")
	}
	again := func(errs []view.FieldError) error {
		for i, e := range errs {
			if e.Field == "setting-ofsted_date" {
				errs[i].Field = "setting-ofsted_date-day"
			}
		}
		q.page.Title = f.Heading()
		return q.render(view.ProvSettingPage(q.page, f))
	}
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	if f.Change {
		return q.command(func(requestID string) (uint64, error) {
			res, err := s.purchasing.UpdateSetting(q.ctx, &purchasingv1.UpdateSettingRequest{RequestId: requestID, ProviderId: provID(q), Setting: st,
				Reason: f.Reason, ExpectedVersion: f.Version})
			return res.GetPosition(), provRuleWords(err)
		}, "/organisation", f.Name+" is saved", again)
	}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.AddSetting(q.ctx, &purchasingv1.AddSettingRequest{RequestId: requestID, ProviderId: provID(q), Setting: st, ExpectedVersion: f.Version})
		return res.GetPosition(), provRuleWords(err)
	}, "/organisation", f.Name+" is added to your settings", again)
}

func (s *Server) provRemoveSettingPage(q *rq) error {
	pv, err := s.provRequire(q)
	if err != nil || pv == nil {
		return err
	}
	st, err := provSettingOf(pv, q.r.PathValue("urn"))
	if err != nil {
		return err
	}
	q.page.Title = "Remove " + st.GetSetting().GetName()
	return q.render(view.ProvRemoveSetting(q.page, st.GetSetting(), pv.GetVersion(), view.Field{ID: "reason", Label: "Why are you removing it?",
		Hint: "For example: the home closed on 30 November"}, newRequestID()))
}

func (s *Server) provRemoveSetting(q *rq) error {
	pv, err := s.provRequire(q)
	if err != nil || pv == nil {
		return err
	}
	// Removed ones too: the same form sent twice is answered as the first.
	i := slices.IndexFunc(pv.GetSettings(), func(st *purchasingv1.SettingView) bool { return st.GetSetting().GetUrn() == q.r.PathValue("urn") })
	if i < 0 {
		return dpsNoPage
	}
	st := pv.GetSettings()[i]
	reason := strings.TrimSpace(q.r.PostFormValue("reason"))
	again := func(errs []view.FieldError) error {
		q.page.Title = "Remove " + st.GetSetting().GetName()
		return q.render(view.ProvRemoveSetting(q.page, st.GetSetting(), provVersion(q), view.Field{ID: "reason", Label: "Why are you removing it?",
			Hint: "For example: the home closed on 30 November", Value: reason, Errors: errs}, formRequestID(q.r)))
	}
	if len([]rune(reason)) < 3 {
		return q.refuse(again, view.FieldError{Field: "reason", Message: "Enter why you are removing the setting"})
	}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.RemoveSetting(q.ctx, &purchasingv1.RemoveSettingRequest{RequestId: requestID, ProviderId: provID(q), Urn: st.GetSetting().GetUrn(),
			Reason: reason, ExpectedVersion: provVersion(q)})
		return res.GetPosition(), provRuleWords(err)
	}, "/organisation", st.GetSetting().GetName()+" is removed: it is no longer matched to referrals", again)
}

// provAccreditationPage records an accreditation: a new one, or a renewal
// of one kind (?kind=), which replaces the kind's earlier record.
func (s *Server) provAccreditationPage(q *rq) error {
	pv, err := s.provRequire(q)
	if err != nil || pv == nil {
		return err
	}
	f := view.ProvAccreditationForm{RequestID: newRequestID(), Kind: q.r.URL.Query().Get("kind"), Date: []string{"", "", ""}}
	q.page.Title = "Record an accreditation"
	return q.render(view.ProvAccreditationPage(q.page, f))
}

func (s *Server) provRecordAccreditation(q *rq) error {
	if err := q.r.ParseForm(); err != nil {
		return err
	}
	f := view.ProvAccreditationForm{RequestID: formRequestID(q.r), Kind: strings.TrimSpace(q.r.PostFormValue("accreditation-kind")),
		Reference: strings.TrimSpace(q.r.PostFormValue("accreditation-reference")), Date: dateParts(q.r, "accreditation-expires_on")}
	a := &purchasingv1.Accreditation{Reference: f.Reference}
	var errs []view.FieldError
	if k, ok := purchasingv1.AccreditationKind_value["ACCREDITATION_KIND_"+f.Kind]; ok && k > 0 {
		a.Kind = purchasingv1.AccreditationKind(k)
	} else {
		errs = append(errs, view.FieldError{Field: "accreditation-kind", Message: "Select what the accreditation is"})
	}
	if n := len([]rune(f.Reference)); n < 1 || n > 100 {
		errs = append(errs, view.FieldError{Field: "accreditation-reference", Message: "Enter the policy or certificate number (up to 100 characters)"})
	}
	if f.Date[0] == "" && f.Date[1] == "" && f.Date[2] == "" {
		errs = append(errs, view.FieldError{Field: "accreditation-expires_on-day", Message: "Enter the date it expires"})
	} else if d, ok := parseDate(f.Date); ok {
		a.ExpiresOn = d
	} else {
		errs = append(errs, view.FieldError{Field: "accreditation-expires_on-day", Message: "The expiry date must be a real date, for example 30 11 2027"})
	}
	again := func(errs []view.FieldError) error {
		q.page.Title = "Record an accreditation"
		return q.render(view.ProvAccreditationPage(q.page, f))
	}
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.RecordAccreditation(q.ctx, &purchasingv1.RecordAccreditationRequest{RequestId: requestID, ProviderId: provID(q), Accreditation: a})
		return res.GetPosition(), provRuleWords(err)
	}, "/organisation", view.ProvAccreditation(a.Kind)+" is recorded", again)
}
