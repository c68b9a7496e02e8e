package web_test

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// Issue 18, the deadline for offers: Chloe Byrne sends a referral with
// four hours to offer (1pm); Priya Shah (Pennine Pathways) reads the time
// in her inbox and on the referral; Chloe gives providers until 5pm the
// next day (an earlier time refused in words first); Priya sees the new
// time. Once it passes, Priya is no longer offered to make an offer and is
// told to ask the council. Dana Reed (viewer) sees the time and no Extend
// link, and may not open the form; Erin Walsh (353) does not find it.
func TestReferralOfferDeadlineInTheBrowser(t *testing.T) {
	s := newStack(t)
	dps := s.refMarket()
	res := servicetest.Must(s.purchasing(auth.CouncilOrg("352"), auth.CouncilCommissioner).CreateReferral(s.Ctx, &purchasingv1.CreateReferralRequest{
		RequestId: "dl-referral-0001", DpsId: dps, OffersDueBy: timestamppb.New(stackStart.Add(4 * time.Hour)),
		Need: &purchasingv1.Need{CategoryId: "residential", AgeYears: 14, Sex: purchasingv1.Sex_SEX_FEMALE,
			NeededBy: purchasingv1.NeededBy_NEEDED_BY_MORE_THAN_5_DAYS, HomeOutcode: "M14", MaxDistanceMiles: 20, StartBy: "2026-12-18",
			WeeklyBudgetPence: 520000, ExpectedDurationWeeks: 26, Needs: []string{"emotional_behavioural"}}})).OK(t)
	ref := res.GetId()
	s.settle(res.GetPosition())

	s.signIn("Priya Shah")
	s.Visit("/inbox")
	wantIn(t, "the inbox", s.Text("#waiting"), "Offers due by", "3 December 2026 at 1:00pm")
	s.Follow(`#waiting a[href="/inbox/` + ref + `"]`)
	wantIn(t, "the referral's deadline", s.Text("#offers-due"), "Send your offer by 3 December 2026 at 1:00pm")
	s.Axe()

	s.signIn("Chloe Byrne")
	s.Visit("/referrals/" + ref)
	wantIn(t, "the referral's times", s.Text("#offers-due"), "Offers due by", "3 December 2026 at 1:00pm", "Extend")
	s.Follow("#extend-deadline")
	s.Contains("Give providers longer to offer", "Offers are due by 3 December 2026 at 1:00pm")
	s.Axe()
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Enter the new date as a real date", "Enter the new time")
	// Earlier than the deadline: the service's rule in words.
	s.Enter("#offers_due_by-day", "3")
	s.Enter("#offers_due_by-month", "12")
	s.Enter("#offers_due_by-year", "2026")
	s.Enter("#offers_due_by-time", "11am")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "The new time must be later than 3 December 2026 at 1:00pm")
	s.Enter("#offers_due_by-day", "4")
	s.Enter("#offers_due_by-time", "5pm")
	s.Enter("#reason", "Two providers asked for a day to arrange a visit")
	s.Follow("main form .govuk-button")
	s.Contains("Providers now have until 4 December 2026 at 5:00pm to offer")
	wantIn(t, "the new deadline", s.Text("#offers-due"), "4 December 2026 at 5:00pm")

	// The provider sees the new time.
	s.signIn("Priya Shah")
	s.Visit("/inbox/" + ref)
	wantIn(t, "the extended deadline", s.Text("#offers-due"), "Send your offer by 4 December 2026 at 5:00pm")

	// Once it has passed, no offer is asked for.
	// (A day on, Priya signs in again.)
	s.Clock.Set(time.Date(2026, time.December, 4, 17, 1, 0, 0, time.UTC))
	s.signIn("Priya Shah")
	s.Visit("/inbox/" + ref)
	wantIn(t, "the closed deadline", s.Text("#offers-due"), "Offers closed at 4 December 2026 at 5:00pm", "ask Manchester council")
	if s.Eval(`String(document.querySelectorAll("#make-offer").length)`) != "0" {
		t.Error("a provider is offered to make an offer after the deadline")
	}
	s.Axe()
	// The form reached directly: the service refuses, in words.
	s.Visit("/inbox/" + ref + "/offer")
	s.Enter("#weekly_price_pence", "4,800")
	s.Enter("#available_from-day", "10")
	s.Enter("#available_from-month", "12")
	s.Enter("#available_from-year", "2026")
	s.Follow("main form .govuk-button")
	s.Contains("There is a problem", "Offers on this referral closed at 4 December 2026 at 5:00pm")

	s.signIn("Chloe Byrne")
	s.Visit("/referrals/" + ref)
	wantIn(t, "the passed deadline", s.Text("#offers-due"), "Offers closed", "4 December 2026 at 5:00pm", "Extend")

	s.signIn("Dana Reed")
	s.Visit("/referrals/" + ref)
	wantIn(t, "the viewer's page", s.Text("#offers-due"), "Offers closed", "4 December 2026 at 5:00pm")
	if strings.Contains(s.Text("#offers-due"), "Extend") {
		t.Error("the viewer is offered to extend the deadline")
	}
	s.Visit("/referrals/" + ref + "/deadline")
	s.Contains("You cannot see this page")

	s.signIn("Erin Walsh")
	s.Visit("/referrals/" + ref + "/deadline")
	s.Contains("Page not found")
}
