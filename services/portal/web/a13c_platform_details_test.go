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
