package web

import (
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/protobuf/proto"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// a13cDetailsRoutes let the platform admin register a provider and change
// its details on its behalf: purchasing lets the platform's admins act for
// a provider (onboarding it, or a correction it asked for).
func (s *Server) a13cDetailsRoutes() {
	s.page("GET /platform/organisations/providers/{id}/details", platAdmin, s.a13cDetailsPage)
	s.page("POST /platform/organisations/providers/{id}/details", platAdmin, s.a13cSaveDetails)
	s.page("GET /platform/organisations/providers/new", platAdmin, s.a13cNewProviderPage)
	s.page("POST /platform/organisations/providers/new", platAdmin, s.a13cRegisterProvider)
}

func (s *Server) a13cDetailsProvider(q *rq) (*purchasingv1.ProviderView, error) {
	return s.purchasing.GetProvider(q.ctx, &purchasingv1.GetProviderRequest{ProviderId: q.r.PathValue("id"), MinPosition: q.at()})
}

func (s *Server) a13cDetailsPage(q *rq) error {
	pv, err := s.a13cDetailsProvider(q)
	if err != nil {
		return err
	}
	pr := pv.GetProfile()
	f := view.A13cProviderDetails{ProviderID: pv.GetProviderId(), ProviderName: platNameOr(pr.GetLegalName(), pv.GetProviderId()), RequestID: newRequestID(),
		Version: pv.GetVersion(), LegalName: pr.GetLegalName(), TradingName: pr.GetTradingName(), Number: pr.GetCompaniesHouseNumber() + pr.GetCharityNumber(),
		Outcode: pr.GetHeadOfficeOutcode()}
	q.page.Title = "Change the provider's details"
	return q.render(view.A13cProviderDetailsPage(q.page, f))
}

// a13cSaveDetails replaces the profile's name, registration and head
// office, keeping the rest of it (its contacts) as the provider left it.
func (s *Server) a13cSaveDetails(q *rq) error {
	pv, err := s.a13cDetailsProvider(q)
	if err != nil {
		return err
	}
	form := func(k string) string { return strings.TrimSpace(q.r.PostFormValue(k)) }
	version, _ := strconv.ParseUint(q.r.PostFormValue("version"), 10, 64)
	f := view.A13cProviderDetails{ProviderID: pv.GetProviderId(), ProviderName: platNameOr(pv.GetProfile().GetLegalName(), pv.GetProviderId()),
		RequestID: formRequestID(q.r), Version: version, LegalName: form("legal_name"), TradingName: form("trading_name"),
		Number: provNumber(form("registration")), Outcode: strings.ToUpper(form("head_office_outcode"))}
	again := func([]view.FieldError) error {
		q.page.Title = "Change the provider's details"
		return q.render(view.A13cProviderDetailsPage(q.page, f))
	}
	if errs := a13cDetailsErrors(f.LegalName, f.TradingName, f.Number, f.Outcode); len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	profile := proto.Clone(pv.GetProfile()).(*purchasingv1.ProviderProfile)
	profile.LegalName, profile.TradingName, profile.HeadOfficeOutcode = f.LegalName, f.TradingName, f.Outcode
	provSetNumber(profile, f.Number)
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.UpdateProviderProfile(q.ctx, &purchasingv1.UpdateProviderProfileRequest{RequestId: requestID, ProviderId: f.ProviderID,
			Profile: profile, ExpectedVersion: version})
		return res.GetPosition(), err
	}, "/platform/organisations/providers/"+f.ProviderID, "The details of "+f.LegalName+" are saved", again)
}

// a13cRegisterRules are the registration's rules a form can break, in words.
var a13cRegisterRules = map[string]string{
	"purchasing.provider_already_registered": "A provider with this platform identifier is already registered. Change its details from its page instead.",
}

// a13cProviderID is a provider's platform id, as the service takes it.
var a13cProviderID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

func (s *Server) a13cNewProviderPage(q *rq) error {
	q.page.Title = "Register a provider"
	return q.render(view.A13cProviderNewPage(q.page, view.A13cProviderNew{RequestID: newRequestID()}))
}

// a13cRegisterProvider registers a provider on its behalf: what the
// provider's admin would answer in its own registration, on one page.
func (s *Server) a13cRegisterProvider(q *rq) error {
	form := func(k string) string { return strings.TrimSpace(q.r.PostFormValue(k)) }
	f := view.A13cProviderNew{RequestID: formRequestID(q.r), ID: strings.ToLower(form("provider_id")), LegalName: form("legal_name"), TradingName: form("trading_name"),
		Number: provNumber(form("registration")), Outcode: strings.ToUpper(form("head_office_outcode")),
		ContactName: form("contact_name"), ContactRole: form("contact_role"), ContactEmail: form("contact_email")}
	again := func([]view.FieldError) error {
		q.page.Title = "Register a provider"
		return q.render(view.A13cProviderNewPage(q.page, f))
	}
	var errs []view.FieldError
	if !a13cProviderID.MatchString(f.ID) {
		errs = append(errs, view.FieldError{Field: "provider_id", Message: "Enter the platform identifier: 2 to 63 lower-case letters, numbers and hyphens, starting with a letter or number"})
	}
	errs = append(errs, a13cDetailsErrors(f.LegalName, f.TradingName, f.Number, f.Outcode)...)
	// The contact is checked as the provider's own registration checks it,
	// then named for this form's fields.
	for _, e := range provCheckContact(0, view.ProvContactValues{Name: f.ContactName, Role: f.ContactRole, Email: f.ContactEmail}, true) {
		e.Field = "contact_" + e.Field[strings.LastIndexByte(e.Field, '-')+1:]
		errs = append(errs, e)
	}
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	profile := &purchasingv1.ProviderProfile{LegalName: f.LegalName, TradingName: f.TradingName, HeadOfficeOutcode: f.Outcode,
		Contacts: []*purchasingv1.Contact{{Name: f.ContactName, Role: f.ContactRole, Email: f.ContactEmail}}}
	provSetNumber(profile, f.Number)
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.RegisterProvider(q.ctx, &purchasingv1.RegisterProviderRequest{RequestId: requestID, ProviderId: f.ID, Profile: profile})
		return res.GetPosition(), sayRule(err, inTable(a13cRegisterRules))
	}, "/platform/organisations/providers/"+f.ID, f.LegalName+" is registered", again)
}

// a13cDetailsErrors checks a provider's details as the platform admin enters
// them, for a new provider and a changed one alike.
func a13cDetailsErrors(legalName, tradingName, number, outcode string) []view.FieldError {
	var errs []view.FieldError
	if n := len([]rune(legalName)); n < 2 || n > 200 {
		errs = append(errs, view.FieldError{Field: "legal_name", Message: "Enter the provider's legal name (2 to 200 characters)"})
	}
	if len([]rune(tradingName)) > 200 {
		errs = append(errs, view.FieldError{Field: "trading_name", Message: "The trading name must be 200 characters or fewer"})
	}
	if number == "" || provNumberError(number) != "" {
		errs = append(errs, view.FieldError{Field: "registration", Message: "Enter a Companies House number of 8 letters and numbers, for example 01234567, or a charity number of 6 or 7 numbers"})
	}
	if !provOutcode.MatchString(outcode) {
		errs = append(errs, view.FieldError{Field: "head_office_outcode", Message: "Enter the first half of the head office's postcode, for example M14"})
	}
	return errs
}
