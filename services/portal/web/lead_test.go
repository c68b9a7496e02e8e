package web_test

import (
	"testing"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// The lead signs in and sees the consortium's frameworks, and another
// consortium's lead does not see its draft.
func TestLeadSeesFrameworks(t *testing.T) {
	s := newStack(t)
	lead := s.framework(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
	res := servicetest.Must(lead.DraftFramework(s.Ctx, &frameworkv1.DraftFrameworkRequest{RequestId: "draft-browser-0001", Terms: &frameworkv1.FrameworkTerms{
		Title: "North West Residential 2027", Category: frameworkv1.Category_CATEGORY_RESIDENTIAL, Description: "Children's homes.",
		Lots: []*frameworkv1.LotTerms{{LotId: "lot-1", Name: "Emotional and behavioural needs",
			PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 350000, MaxWeeklyPence: 650000}, QualityThreshold: 60}},
		MemberCouncils: []string{"352", "353"}, TermStart: "2027-04-01", TermEnd: "2030-03-31", QualityWeight: 70, PriceWeight: 30,
	}})).OK(t)

	s.signIn("Amara Okafor")
	s.Contains("Decisions waiting")
	s.Visit("/frameworks")
	s.Contains("North West Residential 2027", "Draft")
	s.Follow(`a[href="/frameworks/` + res.GetFrameworkId() + `"]`)
	s.Contains("North West Residential 2027", "£3,500.00 to £6,500.00 a week", "1 April 2027 to 31 March 2030", "352 Manchester, 353 Oldham")

	s.signIn("Ben Hartley")
	s.Visit("/frameworks/" + res.GetFrameworkId())
	s.Contains("Page not found")
}
