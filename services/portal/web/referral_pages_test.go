package web_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// pagesPerPage is how many referrals the portal's lists show at a time.
const pagesPerPage = 50

// pagesShown are the referrals a list's links open, in the page's order.
func (s *stack) pagesShown(sel string) []string {
	s.t.Helper()
	got := s.Eval(`Array.from(document.querySelectorAll(` + strconv.Quote(sel+" tbody a") + `)).map(a => a.getAttribute("href").split("/").pop()).join(" ")`)
	return strings.Fields(got)
}

// pagesWant fails unless the list shows want, in that order.
func pagesWant(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s shows %d referrals:\n%v\nwant %d:\n%v", what, len(got), got, len(want), want)
	}
}

// pagesLinks are the page's pagination links: "Previous", "Next", both or
// neither.
func (s *stack) pagesLinks() string {
	s.t.Helper()
	return s.Eval(`Array.from(document.querySelectorAll("nav.govuk-pagination a")).map(a => a.textContent).join(" ")`)
}

// Issue 16, lists in pages: Manchester has sent 57 referrals, one more from
// Oldham coming among them. Chloe Byrne's referrals show the newest 50,
// "Next" the 7 older ones and "Previous" the newest again: every one of
// Manchester's once, none of Oldham's. Priya Shah (Pennine Pathways, sent
// them all) sees the two still open whole and the 56 decided a page at a
// time, newest first, each once; Sam Okoro (Northern Lights, sent six)
// only those sent to him, each list on one page.
func TestReferralListsInPages(t *testing.T) {
	s := newStack(t)
	dpsID := s.inboxMarket()
	// Near Blackburn (BB2): Ribble View only; every tenth near Manchester
	// (M14): Heaton Norris House and Northern Lights' Fallowfield House.
	var all, manchester, northern []string
	for i := range 57 {
		home, miles := "BB2", uint32(5)
		if i%10 == 0 {
			home, miles = "M14", 10
		}
		id := s.inboxRefer(dpsID, fmt.Sprintf("pages-referral-%02d", i), home, miles, uint32(10+i%7), purchasingv1.Sex_SEX_FEMALE)
		all, manchester = append(all, id), append(manchester, id)
		if home == "M14" {
			northern = append(northern, id)
		}
		if i == 25 {
			oldham := servicetest.Must(s.purchasing(auth.CouncilOrg("353"), auth.CouncilCommissioner).CreateReferral(s.Ctx, &purchasingv1.CreateReferralRequest{
				RequestId: "pages-oldham-01", DpsId: dpsID, Need: &purchasingv1.Need{CategoryId: "residential", AgeYears: 15, Sex: purchasingv1.Sex_SEX_MALE,
					NeededBy: purchasingv1.NeededBy_NEEDED_BY_MORE_THAN_5_DAYS, HomeOutcode: "BB2", MaxDistanceMiles: 5, StartBy: "2026-12-18",
					WeeklyBudgetPence: 600000, ExpectedDurationWeeks: 26}})).OK(t)
			all = append(all, oldham.GetId())
		}
	}
	// Two stay open: Pennine offers on one and has yet to answer the other;
	// the councils withdraw the rest.
	waiting, answered := manchester[30], manchester[22]
	servicetest.Must(s.purchasing(auth.ProviderOrg(pennine), auth.ProviderResponder).MakeOffer(s.Ctx, &purchasingv1.MakeOfferRequest{
		RequestId: "pages-offer-01", ReferralId: answered, SettingUrn: "SC200003", WeeklyPricePence: 600000, AvailableFrom: "2026-12-08"})).OK(t)
	var decided []string
	for _, id := range all {
		if id == waiting || id == answered {
			continue
		}
		council := "352"
		if !slices.Contains(manchester, id) {
			council = "353"
		}
		res := servicetest.Must(s.purchasing(auth.CouncilOrg(council), auth.CouncilCommissioner).WithdrawReferral(s.Ctx, &purchasingv1.WithdrawReferralRequest{
			RequestId: "pages-withdraw-" + strings.TrimPrefix(id, "ref-"), ReferralId: id,
			Reason: purchasingv1.ReferralWithdrawalReason_REFERRAL_WITHDRAWAL_REASON_NO_SUITABLE_OFFER})).OK(t)
		s.settle(res.GetPosition())
		decided = append(decided, id)
	}
	slices.Reverse(manchester)
	slices.Reverse(decided)

	// Chloe: the newest 50, then the older 7, then the newest again.
	s.signIn("Chloe Byrne")
	s.Follow(`nav a[href="/referrals"]`)
	pagesWant(t, "Chloe's first page", s.pagesShown("#referrals"), manchester[:pagesPerPage])
	wantIn(t, "the first page's links", s.pagesLinks(), "Next")
	wantIn(t, "the first page's title", s.Eval(`document.title`), "Referrals (page 1)")
	wantIn(t, "the columns", s.Text("#referrals thead"), "Referral", "Sent", "Status", "Open offers", "Time to first offer", "Time to placement")
	wantIn(t, "the first page", s.Text("#referrals"), "Withdrawn", "Waiting for offers", "Residential children's homes")
	if strings.Contains(s.pagesLinks(), "Previous") {
		t.Fatal("the first page links to a previous one")
	}
	s.Axe()
	s.Follow(`nav.govuk-pagination a[rel="next"]`)
	pagesWant(t, "Chloe's second page", s.pagesShown("#referrals"), manchester[pagesPerPage:])
	if links := s.pagesLinks(); !strings.Contains(links, "Previous") || strings.Contains(links, "Next") {
		t.Fatalf("the last page's links: %q", links)
	}
	wantIn(t, "the second page", s.Text("#referrals caption"), "newest first: page 2")
	wantIn(t, "the second page's title", s.Eval(`document.title`), "Referrals (page 2)")
	s.Axe()
	s.Follow(`nav.govuk-pagination a[rel="prev"]`)
	pagesWant(t, "Chloe's first page again", s.pagesShown("#referrals"), manchester[:pagesPerPage])

	// Erin (Oldham) sees Oldham's one referral, on a page of its own.
	s.signIn("Erin Walsh")
	s.Visit("/referrals")
	pagesWant(t, "Erin's referrals", s.pagesShown("#referrals"), []string{all[26]})
	if links := s.pagesLinks(); links != "" {
		t.Fatalf("one referral in pages: %q", links)
	}

	// Priya: the open two whole, the decided 56 in two pages.
	s.signIn("Priya Shah")
	s.Follow(`.govuk-service-navigation a[href="/inbox"]`)
	pagesWant(t, "Priya's waiting referrals", s.pagesShown("#waiting"), []string{waiting})
	pagesWant(t, "Priya's answered referrals", s.pagesShown("#answered"), []string{answered})
	pagesWant(t, "Priya's first page of decided referrals", s.pagesShown("#closed"), decided[:pagesPerPage])
	wantIn(t, "the decided referrals", s.Text("#closed"), "Withdrawn by the council", "Oldham")
	s.Axe()
	s.Follow(`nav.govuk-pagination a[rel="next"]`)
	if at := s.Eval(`location.hash`); at != "#closed-heading" {
		t.Errorf("the next page opens at %q, not at the decided referrals", at)
	}
	pagesWant(t, "Priya's second page of decided referrals", s.pagesShown("#closed"), decided[pagesPerPage:])
	pagesWant(t, "Priya's waiting referrals on the second page", s.pagesShown("#waiting"), []string{waiting})
	pagesWant(t, "Priya's answered referrals on the second page", s.pagesShown("#answered"), []string{answered})
	wantIn(t, "the second page's heading", s.Text("#closed-heading"), "Decided: page 2")
	if links := s.pagesLinks(); !strings.Contains(links, "Previous") || strings.Contains(links, "Next") {
		t.Fatalf("the last page's links: %q", links)
	}
	s.Axe()
	s.Follow(`nav.govuk-pagination a[rel="prev"]`)
	pagesWant(t, "Priya's first page of decided referrals again", s.pagesShown("#closed"), decided[:pagesPerPage])

	// Sam: only the six sent to Northern Lights, one of them open.
	s.signIn("Sam Okoro")
	s.Visit("/inbox")
	var samDecided []string
	for _, id := range decided {
		if slices.Contains(northern, id) {
			samDecided = append(samDecided, id)
		}
	}
	pagesWant(t, "Sam's waiting referrals", s.pagesShown("#waiting"), []string{waiting})
	pagesWant(t, "Sam's decided referrals", s.pagesShown("#closed"), samDecided)
	if links := s.pagesLinks(); links != "" {
		t.Fatalf("Sam's five decided referrals in pages: %q", links)
	}
}
