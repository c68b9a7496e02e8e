package web_test

import (
	"net/http"
	"strings"
	"testing"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 13, "an auditor can read every decision log": besides frameworks,
// DPSs, providers and policies, the logs of a consortium's purchases. Chloe
// Byrne's placement at Heaton Norris House (awarded with a reason) and
// places the north-west lead reserved there: Ines Auditor chooses the
// north-west and reads the referral's log (the award's reason), the
// placement's contract log and the block contract's, every page read only,
// and downloads one as CSV. The yorkshire-humber lead finds none of them;
// a commissioner may not open them.
func TestA13cAuditorReadsReferralContractAndBlockLogs(t *testing.T) {
	s := newStack(t)
	placement := s.plcPlace()
	ref := "ref-" + strings.TrimPrefix(placement, "pl-")
	blk := servicetest.Must(purchasingv1.NewBlockContractServiceClient(s.conn("purchasing", auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)).ReserveCapacity(s.Ctx, &purchasingv1.ReserveCapacityRequest{
		RequestId: "a13c-reserve-0001", ProviderId: pennine, Settings: []*purchasingv1.ReservedSetting{{Urn: plcHome, Places: 1}},
		StartsOn: "2027-01-04", EndsOn: "2027-12-31", WeeklyPricePence: 480000, Kind: purchasingv1.BlockKind_BLOCK_KIND_BLOCK,
		Note: "One place for emergencies"})).OK(t).GetId()
	s.platSettle()

	s.signIn("Ines Auditor")
	s.Visit("/decisions?consortium=north-west")
	s.platReadOnly()
	wantIn(t, "the referrals' logs", s.Text("#referral-logs"), "14-year-old girl, Manchester, referred 3 December 2026", "Awarded")
	wantIn(t, "the contracts' logs", s.Text("#contract-logs"), "Placement by Manchester at setting "+plcHome+", Pennine Pathways Ltd", "Live")
	wantIn(t, "the block contracts' logs", s.Text("#block-logs"), "Places reserved by consortium north-west with Pennine Pathways Ltd")

	// The referral's log: the award and why.
	s.Follow(`#referral-logs a[href="/decisions/referrals/` + ref + `?consortium=north-west"]`)
	s.Contains("Decision log: Referral", "14-year-old girl", "Referral created", "Placement awarded", "The nearest suitable home within budget")
	s.platReadOnly()
	res := s.fetch("/decisions/referrals/" + ref + "?format=csv")
	body := readAll(t, res)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "The nearest suitable home within budget") {
		t.Fatalf("the referral log's CSV: %d\n%s", res.StatusCode, body)
	}
	s.Follow(`a.govuk-back-link`)
	s.Contains("Consortium north-west")

	// The placement's contract and the block contract.
	s.Follow(`#contract-logs a[href="/decisions/contracts/` + placement + `?consortium=north-west"]`)
	s.Contains("Decision log: Contract", "Contract started")
	s.platReadOnly()
	s.Follow(`a.govuk-back-link`)
	s.Follow(`#block-logs a[href="/decisions/block-contracts/` + blk + `?consortium=north-west"]`)
	s.Contains("Decision log: Block contract", "One place for emergencies")
	s.platReadOnly()

	// Another consortium's lead: not found; a commissioner: not her page.
	paths := []string{"/decisions/referrals/" + ref, "/decisions/contracts/" + placement, "/decisions/block-contracts/" + blk}
	s.signIn("Ben Hartley")
	for _, p := range paths {
		s.Visit(p)
		s.Contains("Page not found")
	}
	s.signIn("Chloe Byrne")
	for _, p := range paths {
		s.Visit(p)
		s.Contains("You cannot see this page")
	}
}
