package web_test

import (
	"testing"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 13, "the platform admin manages organisations": Pat Morgan changes
// Pennine Pathways' details for it (a head office that is not a postcode
// refused on its field first): the new legal name, charity number and head
// office are saved, its contact is kept, and the provider's own page and
// the platform's list show the new name. A provider that does not exist is
// not found; the provider's admin may not use the platform's page.
func TestA13cPlatformAdminChangesAProvidersDetails(t *testing.T) {
	s := newStack(t)
	s.registerProvider(pennine, "Pennine Pathways Ltd", "08765432", "2027-11-30",
		childrensHome("SC200001", "Heaton Norris House", "SK1", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	s.settle(s.LastPosition())

	s.signIn("Pat Morgan")
	s.Visit("/platform/organisations")
	s.Follow(`a[href="/platform/organisations/providers/` + pennine + `"]`)
	s.Follow("#change-details")
	s.Contains("Change the provider's details", "Pennine Pathways Ltd")
	if got := s.Eval(`document.querySelector("#registration").value`); got != "08765432" {
		t.Fatalf("the form shows the number %q", got)
	}
	s.Enter("#legal_name", "Pennine Pathways Children's Services")
	s.Enter("#registration", "1234567")
	s.Enter("#head_office_outcode", "Stockport")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter the first half of the head office's postcode, for example M14")
	wantIn(t, "the field's error", s.Text("#head_office_outcode-error"), "first half of the head office's postcode")
	if got := s.Eval(`document.querySelector("#legal_name").value`); got != "Pennine Pathways Children's Services" {
		t.Errorf("the refused form lost the name: %q", got)
	}
	s.Enter("#head_office_outcode", "sk4")
	s.Follow("main form .govuk-button")
	s.Contains("The details of Pennine Pathways Children's Services are saved", "Heaton Norris House")

	pv := servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderAdmin).GetProvider(s.Ctx,
		&purchasingv1.GetProviderRequest{ProviderId: pennine, MinPosition: s.LastPosition()})).OK(t).GetProfile()
	if pv.GetLegalName() != "Pennine Pathways Children's Services" || pv.GetCharityNumber() != "1234567" || pv.GetCompaniesHouseNumber() != "" ||
		pv.GetHeadOfficeOutcode() != "SK4" || len(pv.GetContacts()) != 1 || pv.GetContacts()[0].GetEmail() != "referrals@"+pennine+".example.org" {
		t.Fatalf("the provider's profile is %v", pv)
	}
	s.Follow(`a.govuk-back-link`)
	wantIn(t, "the providers", s.Text("#providers"), "Pennine Pathways Children's Services")

	s.Visit("/platform/organisations/providers/nobody-at-all/details")
	s.Contains("Page not found")

	s.signIn("Priya Shah")
	s.Visit("/platform/organisations/providers/" + pennine + "/details")
	s.Contains("You cannot see this page")
}

// The platform admin registers a provider for it (a contact's email that
// is not one refused first; an identifier already registered refused in
// words): the provider is listed, and its own admin, signing in, finds its
// organisation registered.
func TestA13cPlatformAdminRegistersAProvider(t *testing.T) {
	s := newStack(t)
	s.registerProvider(pennine, "Pennine Pathways Ltd", "08765432", "2027-11-30")
	s.settle(s.LastPosition())

	s.signIn("Pat Morgan")
	s.Visit("/platform/organisations")
	s.Follow("#register-provider")
	s.Contains("Register a provider")
	s.Enter("#provider_id", "pennine-pathways")
	s.Enter("#legal_name", "Little Oaks Care Ltd")
	s.Enter("#registration", "07654321")
	s.Enter("#head_office_outcode", "M21")
	s.Enter("#contact_name", "Referrals team")
	s.Enter("#contact_role", "referrals")
	s.Enter("#contact_email", "referrals at little oaks")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter an email address in the correct format")
	wantIn(t, "the field's error", s.Text("#contact_email-error"), "correct format")
	s.Enter("#contact_email", "referrals@little-oaks.example.org")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "A provider with this platform identifier is already registered")
	s.Enter("#provider_id", "little-oaks-care")
	s.Follow("main form .govuk-button")
	s.Contains("Little Oaks Care Ltd is registered", "This provider has no settings yet.")
	s.Follow(`a.govuk-back-link`)
	wantIn(t, "the providers", s.Text("#providers"), "Little Oaks Care Ltd", "Pennine Pathways Ltd")

	// Tom Reid, Little Oaks' admin, finds it registered.
	s.signIn("Tom Reid")
	s.Visit("/organisation")
	s.Contains("Little Oaks Care Ltd", "07654321")
}
