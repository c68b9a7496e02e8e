package web_test

import (
	"strings"
	"testing"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 18, block contracts: Chloe Byrne (Manchester) reserves a place at
// Pennine Pathways' Heaton Norris House as a soft block (the form refused
// empty first, on its fields); Priya Shah (Pennine's admin) accepts it; a
// referral from Manchester is then offered the reserved place first, and
// the contract's page counts it in the week's figures. Oldham's
// commissioner, Northern Lights' admin and another consortium's lead are
// told the contract does not exist; an analyst may not open the pages.
func TestBlkReserveAcceptAndUse(t *testing.T) {
	s := newStack(t)
	dpsID := s.inboxMarket()

	s.signIn("Chloe Byrne")
	s.Follow(`.govuk-service-navigation a[href="/block-contracts"]`)
	s.Contains("Block contracts", "There are no block contracts yet.")
	s.Follow(`a[href="/block-contracts/new"]`)
	s.Contains("Which provider do you want to reserve places with?")
	s.Select("#provider", pennine)
	s.Follow("main form .govuk-button")
	s.Contains("Reserve places", "Pennine Pathways Ltd", "Places at Heaton Norris House", "Places at Ribble View", "4 registered places",
		"Which consortium do you buy these places through?")

	// Nothing filled in: each field that needs an answer says so.
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter the places to reserve at one setting at least", "Enter the start of the term as a real date",
		"Enter the weekly price of one place in pounds", "Select whether empty places are paid for")
	// Five places where four are registered.
	s.Enter("#places-SC200001", "5")
	s.Enter("#starts_on-day", "3")
	s.Enter("#starts_on-month", "12")
	s.Enter("#starts_on-year", "2026")
	s.Enter("#ends_on-day", "2")
	s.Enter("#ends_on-month", "12")
	s.Enter("#ends_on-year", "2027")
	s.Enter("#price", "3,500")
	s.Click(`input[name="kind"][value="soft"]`)
	s.Enter("#note", "A pilot of reserved places for south Manchester")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Places at Heaton Norris House must be a whole number from 1 to 4")
	s.Enter("#places-SC200001", "1")
	s.Follow("main form .govuk-button")
	s.Contains("Places reserved: the provider is asked to accept", "Soft-block contract", "Proposed", "Manchester", "Heaton Norris House (1 place)",
		"3 December 2026 to 2 December 2027", "£3,500.00", "Soft block: empty places are offered first, not paid for", "Nothing to report yet")
	path := strings.SplitN(s.Location(), "?", 2)[0]
	if !strings.HasPrefix(path, "/block-contracts/blk-") {
		t.Fatalf("after reserving: %s", path)
	}
	main := s.Text("main")
	for _, code := range []string{"BLOCK_KIND", "STATUS_", "blk-", "SC200001", "council:"} {
		if strings.Contains(main, code) {
			t.Errorf("the contract page shows %q:\n%s", code, main)
		}
	}

	// Others are told nothing; an analyst may not look.
	for _, who := range []string{"Erin Walsh", "Sam Okoro", "Ben Hartley"} {
		s.signIn(who)
		s.Visit(path)
		s.Contains("Page not found")
	}
	s.signIn("Dev Patel")
	s.Visit("/block-contracts")
	s.Contains("You cannot see this page")

	// Priya accepts, from her list (which names the buyer).
	s.signIn("Priya Shah")
	s.Follow(`.govuk-service-navigation a[href="/block-contracts"]`)
	wantIn(t, "Priya's list", s.Text("#block-contracts"), "Soft block", "Manchester", "Heaton Norris House (1 place)", "£3,500.00", "Proposed")
	s.Follow(`#block-contracts a[href="` + path + `"]`)
	s.Contains("Your answer", "Accept the reservation", "Decline the reservation")
	s.Follow(`form[action="` + path + `/decline"] .govuk-button`)
	s.Contains("There is a problem", "Enter why you decline the reservation")
	s.Follow(`form[action="` + path + `/accept"] .govuk-button`)
	s.Contains("You accepted the reservation", "Accepted", "Use of the reserved places")
	wantIn(t, "the first week", s.Text("#block-use"), "3 December 2026", "(1 day)", "0.0 of 1", "£0.00")
	if got := s.Eval(`String((document.querySelector("#block-use-chart") || {}).alt)`); !strings.Contains(got, "reserved places used and empty") {
		t.Errorf("the weekly chart's words: %q", got)
	}
	if strings.Contains(s.Text("main"), "Accept the reservation") {
		t.Error("an accepted reservation is still offered to accept")
	}

	// Manchester's next referral (near both Fallowfield and Heaton Norris)
	// is offered the reserved place first.
	ref := s.inboxRefer(dpsID, "blk-referral-1", "M14", 10, 14, purchasingv1.Sex_SEX_MALE, "emotional_behavioural")
	v := servicetest.Must(s.purchasing(auth.CouncilOrg("352"), auth.CouncilCommissioner).GetReferral(s.Ctx, &purchasingv1.GetReferralRequest{ReferralId: ref})).OK(t)
	if m := v.GetMatches(); len(m) != 2 || m[0].GetSettingUrn() != "SC200001" {
		t.Fatalf("Manchester's referral matched %v, want Heaton Norris House first", m)
	}
	s.signIn("Chloe Byrne")
	s.Visit(path)
	wantIn(t, "the week with the referral", s.Text("#block-use"), "3 December 2026", "0.0 of 1", "£0.00")
	if got := s.Text("#block-use tbody tr:first-child td:last-child"); got != "1" {
		t.Errorf("referrals offered the place first: %q, want 1", got)
	}
	// The consortium's lead sees the council's contract too.
	s.signIn("Amara Okafor")
	s.Follow(`.govuk-service-navigation a[href="/block-contracts"]`)
	wantIn(t, "the lead's list", s.Text("#block-contracts"), "Manchester", "Pennine Pathways Ltd", "Accepted")
}
