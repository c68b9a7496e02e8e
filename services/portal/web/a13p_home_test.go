package web_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 13, done when a newcomer completes each journey without docs: a
// provider's home links to every one of its journeys, and what waits on it
// leads there — a monthly return missing to Monitoring, a framework open
// for its bid to Frameworks. Its responder's home leads to the journeys a
// responder has (monitoring, referrals, vacancies), not to the admin's.
// On the way, Memberships names consortia in words and shows a rejected DPS
// application's outcome with its reason (the browser tests elsewhere drive
// an admission).
func TestA13pProviderHomeLeadsToEveryJourney(t *testing.T) {
	s := newStack(t)
	dps := s.createDps("a13p-dps-home-0001", "North West Placements DPS", "352", "353")
	servicetest.Must(s.purchasing(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead).OpenDps(s.Ctx, &purchasingv1.OpenDpsRequest{
		RequestId: "a13p-open-dps-home", DpsId: dps})).OK(t)
	s.registerProvider(pennine, "Pennine Pathways Ltd", "08765432", "2027-11-30",
		childrensHome("SC200001", "Heaton Norris House", "SK1", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	// Monitoring has the register; Manchester's placement at Heaton Norris
	// House since 5 October leaves October's return missing.
	nw := auth.ConsortiumOrg("north-west")
	servicetest.Must(s.monitoring(nw, auth.ConsortiumLead).GetRiskPolicy(s.Ctx, &monitoringv1.GetRiskPolicyRequest{Consortium: "north-west",
		MinPosition: s.LastPosition()})).OK(t)
	placed := servicetest.Must(s.monitoring(auth.CouncilOrg("352"), auth.CouncilCommissioner).RecordPlacement(s.Ctx, &monitoringv1.RecordPlacementRequest{
		RequestId: "a13p-placement-352", Consortium: "north-west", SettingUrn: "SC200001", StartDate: "2026-10-05",
		WeeklyPricePence: 520000, CategoryId: "residential"})).OK(t)
	comp := servicetest.Must(s.monitoring(auth.ProviderOrg(pennine), auth.ProviderAdmin).ListReturnCompliance(s.Ctx, &monitoringv1.ListReturnComplianceRequest{
		ProviderId: pennine, Months: 12, MinPosition: placed.GetPosition()})).OK(t)
	if len(comp.GetMissing()) != 1 {
		t.Fatalf("monitoring lists %d missing returns, want October's", len(comp.GetMissing()))
	}
	// A framework open for bids, and a draft nobody outside sees.
	fw := s.tenderDraft("a13p-open", "North West Residential Framework 2027")
	s.tenderDraft("a13p-draft", "Draft Framework Nobody Sees")
	opened := servicetest.Must(s.fwLead().OpenForBids(s.Ctx, &frameworkv1.OpenForBidsRequest{RequestId: "a13p-open-" + fw, FrameworkId: fw,
		BidsCloseAt: timestamppb.New(s.Clock.Now().Add(time.Hour))})).OK(t)
	servicetest.Must(s.fwLead().ListFrameworks(s.Ctx, &frameworkv1.ListFrameworksRequest{MinPosition: opened.GetPosition()})).OK(t)

	s.signIn("Priya Shah")
	wantIn(t, "what needs Priya", s.Text("#needs-you"), "1 monthly return is missing", "1 framework is open for your bid")
	wantIn(t, "the memberships area", s.Text("#areas"), "Dynamic purchasing systems and frameworks you are on; 1 dynamic purchasing system is open to you")
	areas := map[string]bool{}
	for _, href := range strings.Fields(s.Eval(`[...document.querySelectorAll("#areas a")].map(a => a.getAttribute("href")).join(" ")`)) {
		areas[href] = true
	}
	for _, journey := range []string{"/organisation", "/memberships", "/vacancies", "/inbox", "/tenders", "/returns"} {
		if !areas[journey] {
			t.Errorf("the admin's home does not lead to %s (it leads to %v)", journey, areas)
		}
	}
	// Memberships names each consortium as people say it, not by its slug.
	s.Follow(`#areas a[href="/memberships"]`)
	wantIn(t, "the DPSs open to her", s.Text("#dps-open"), "North West Placements DPS", "Run by the North West consortium")
	s.Follow(`#navigation a[href="/"]`)
	// An application rejected: the outcome with its reason, and the
	// category open to her again.
	servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderAdmin).ApplyToDps(s.Ctx, &purchasingv1.ApplyToDpsRequest{
		RequestId: "a13p-apply-pennine", DpsId: dps, ProviderId: pennine, CategoryIds: []string{"residential"},
		Answers: []*purchasingv1.CriterionAnswer{{CriterionId: "safeguarding", Answer: "Staff trained in child exploitation."}}})).OK(t)
	rejected := servicetest.Must(s.purchasing(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead).RejectApplication(s.Ctx, &purchasingv1.DecideApplicationRequest{
		RequestId: "a13p-reject-pennine", DpsId: dps, ProviderId: pennine, CategoryId: "residential",
		Reason: "The safeguarding answer does not describe how missing episodes are handled"})).OK(t)
	s.Visit("/memberships?at=" + fwItoa(rejected.GetPosition()))
	wantIn(t, "the rejected application", s.Text("#membership-"+dps+"-residential"), "Rejected", "Rejected on 3 December 2026",
		"The safeguarding answer does not describe how missing episodes are handled")
	wantIn(t, "the DPSs open to her", s.Text("#dps-open"), "North West Placements DPS")
	s.Follow(`#navigation a[href="/"]`)
	s.Follow(`#needs-you a[href="/returns"]`)
	s.Contains("Monitoring", "1 return is missing", "Heaton Norris House", "October 2026")
	s.Follow(`#navigation a[href="/"]`)
	s.Follow(`#needs-you a[href="/tenders"]`)
	wantIn(t, "the open frameworks", s.Text("#open"), "North West Residential Framework 2027", "No bid yet")

	// Once she has bid, the framework no longer waits on her.
	s.Visit("/?at=" + fwItoa(s.fwBid(fw, "lot-1", pennine, 420000, "Trained staff on every shift.")))
	if got := s.Text("#needs-you"); strings.Contains(got, "open for your bid") {
		t.Errorf("after her bid, home still says: %s", got)
	}

	// Rafi, her responder: the returns wait on him too; the admin's
	// journeys are not offered.
	s.signIn("Rafi Khan")
	wantIn(t, "what needs Rafi", s.Text("#needs-you"), "1 monthly return is missing")
	areas = map[string]bool{}
	for _, href := range strings.Fields(s.Eval(`[...document.querySelectorAll("#areas a")].map(a => a.getAttribute("href")).join(" ")`)) {
		areas[href] = true
	}
	for _, journey := range []string{"/vacancies", "/inbox", "/returns"} {
		if !areas[journey] {
			t.Errorf("the responder's home does not lead to %s (it leads to %v)", journey, areas)
		}
	}
	for _, admins := range []string{"/organisation", "/memberships", "/tenders"} {
		if areas[admins] {
			t.Errorf("the responder's home offers the admin's %s", admins)
		}
	}
}
