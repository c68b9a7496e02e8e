package web_test

import (
	"strings"
	"testing"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
)

// The lead's home lists what waits on the lead, each leading to where it is
// decided: a DPS application with its working days left (overdue in red),
// the bids of a tender that has closed.
func TestLeadHomeShowsDecisionsWaiting(t *testing.T) {
	s := newStack(t)
	dps := s.createDps("home-dps-0001", "North West Placements DPS", "352", "353")
	s.settle(s.LastPosition())
	s.registerProvider("pennine-pathways", "Pennine Pathways Ltd", "01234567", "2027-11-30",
		childrensHome("SC200001", "Heaton North", "SK1", purchasingv1.OfstedGrade_OFSTED_GRADE_GOOD))
	lead := s.purchasing("consortium:north-west", "consortium_lead")
	if _, err := lead.OpenDps(s.Ctx, &purchasingv1.OpenDpsRequest{RequestId: "home-open-dps-01", DpsId: dps}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.purchasing("provider:pennine-pathways", "provider_admin").ApplyToDps(s.Ctx, &purchasingv1.ApplyToDpsRequest{RequestId: "home-apply-0001",
		DpsId: dps, ProviderId: "pennine-pathways", CategoryIds: []string{"residential"},
		Answers: []*purchasingv1.CriterionAnswer{{CriterionId: "safeguarding", Answer: "Trained staff in every home."}}}); err != nil {
		t.Fatal(err)
	}
	fw := s.fwEvaluating("home-fw", "North West Residential 2027")
	// Bidding has closed, and the application's ten working days have passed.
	s.Clock.Advance(15 * 24 * time.Hour)
	s.settle(s.LastPosition())

	s.signIn("Amara Okafor")
	s.Visit("/")
	s.Contains("Decisions waiting", "Pennine Pathways Ltd applied to residential", "Overdue by", "3 of 3 bids on North West Residential 2027")
	table := s.Text("#decisions-waiting")
	if !strings.Contains(table, "Bids to score") || !strings.Contains(table, "DPS application") {
		t.Fatalf("decisions waiting:\n%s", table)
	}
	s.Follow(`a[href="/frameworks/` + fw + `/bids"]`)
	s.Contains("North West Residential 2027")
	s.Visit("/")
	s.Follow(`a[href="/dps/` + dps + `/applications"]`)
	s.Contains("Pennine Pathways Ltd")
}
