package web_test

import (
	"strings"
	"testing"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 18, a call-off by direct award: the framework's lot ranks Pennine
// Pathways first and Northern Lights second (recorded as the framework
// service records them); Pennine's home is full, so Chloe Byrne's
// call-off goes to Northern Lights, and her referral's page says where it
// was called off from, how, and why Pennine was passed over.
func TestReferralCallOffInTheBrowser(t *testing.T) {
	s := newStack(t)
	dps := s.refMarket()
	const fw = "fw-calloffdemo"
	meta := eventstore.Metadata{Actor: eventstore.Actor{Subject: "amara.okafor", Organisation: auth.ConsortiumOrg("north-west"), Role: auth.ConsortiumLead}}
	if _, err := s.Store.Append(s.Ctx, eventstore.StreamID{Context: "framework", Aggregate: "framework", ID: fw}, eventstore.Any, meta,
		&frameworkv1.FrameworkDrafted{FrameworkId: fw, Consortium: "north-west", Terms: &frameworkv1.FrameworkTerms{
			Title: "Greater Manchester Residential Framework", Category: frameworkv1.Category_CATEGORY_RESIDENTIAL, MemberCouncils: []string{"352", "353"},
			TermStart: "2026-04-01", TermEnd: "2029-03-31", QualityWeight: 70, PriceWeight: 30,
			Lots: []*frameworkv1.LotTerms{{LotId: "lot-1", Name: "Homes for emotional and behavioural needs", PriceBand: &frameworkv1.PriceBand{MaxWeeklyPence: 600000}}}}},
		&frameworkv1.FrameworkAwarded{FrameworkId: fw, Lots: []*frameworkv1.LotAward{{LotId: "lot-1", Admitted: []*frameworkv1.AdmittedProvider{
			{ProviderId: pennine, Rank: 1, TotalScore: 84}, {ProviderId: northernLights, Rank: 2, TotalScore: 79}}}}},
		&frameworkv1.FrameworkActivated{FrameworkId: fw}); err != nil {
		t.Fatal(err)
	}
	servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderResponder).WithdrawVacancy(s.Ctx, &purchasingv1.WithdrawVacancyRequest{
		RequestId: "calloff-full-0001", ProviderId: pennine, Urn: "SC200001", Reason: "Full until the spring"})).OK(t)
	res := servicetest.Must(s.purchasing(auth.CouncilOrg("352"), auth.CouncilCommissioner).CreateReferral(s.Ctx, &purchasingv1.CreateReferralRequest{
		RequestId: "calloff-direct-0001", DpsId: dps,
		Need: &purchasingv1.Need{CategoryId: "residential", AgeYears: 14, Sex: purchasingv1.Sex_SEX_FEMALE,
			NeededBy: purchasingv1.NeededBy_NEEDED_BY_MORE_THAN_5_DAYS, HomeOutcode: "M14", MaxDistanceMiles: 20, StartBy: "2026-12-18",
			WeeklyBudgetPence: 520000, ExpectedDurationWeeks: 26, Needs: []string{"emotional_behavioural"}},
		CallOff: &purchasingv1.CallOff{FrameworkId: fw, LotId: "lot-1", Method: purchasingv1.CallOffMethod_CALL_OFF_METHOD_DIRECT_AWARD}})).OK(t)
	s.settle(res.GetPosition())

	s.signIn("Chloe Byrne")
	s.Visit("/referrals/" + res.GetId())
	wantIn(t, "the call-off", s.Text("#call-off"), "Called off from Greater Manchester Residential Framework, lot Homes for emotional and behavioural needs, by direct award",
		"Direct award to rank 2 Northern Lights Care Ltd", "Passed over: rank 1 Pennine Pathways Ltd")
	matches := s.Text("#matches")
	wantIn(t, "the matches", matches, "Northern Lights Care Ltd", "Fallowfield House")
	if strings.Contains(matches, "Heaton Norris") {
		t.Error("the direct award went to the provider passed over too")
	}
	s.Axe()
}
