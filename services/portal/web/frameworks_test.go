package web_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/servicetest"
)

// The providers of the framework tests, registered on the platform so the
// framework pages name them.
var fwProviders = map[string]string{
	"pennine-pathways":     "Pennine Pathways",
	"northern-lights-care": "Northern Lights Care",
	"irwell-house":         "Irwell House",
}

// fwRegister registers the providers (each as its own admin) and waits
// until the framework service knows their names.
func (s *stack) fwRegister() {
	s.t.Helper()
	var pos uint64
	for id, name := range fwProviders {
		res := servicetest.Must(s.purchasing(auth.ProviderOrg(id), auth.ProviderAdmin).RegisterProvider(s.Ctx, &purchasingv1.RegisterProviderRequest{
			RequestId: "register-" + id, ProviderId: id,
			Profile: &purchasingv1.ProviderProfile{LegalName: name + " Ltd", TradingName: name, HeadOfficeOutcode: "M1",
				Registration: &purchasingv1.ProviderProfile_CompaniesHouseNumber{CompaniesHouseNumber: "01234567"},
				Contacts:     []*purchasingv1.Contact{{Name: "Contracts team", Role: "contracts", Email: "contracts@" + id + ".example"}}},
		})).OK(s.t)
		pos = max(pos, res.GetPosition())
	}
	servicetest.Must(s.fwLead().ListFrameworks(s.Ctx, &frameworkv1.ListFrameworksRequest{MinPosition: pos})).OK(s.t)
}

func (s *stack) fwLead() frameworkv1.FrameworkServiceClient {
	return s.framework(auth.ConsortiumOrg("north-west"), auth.ConsortiumLead)
}

// fwBid is a provider's bid, sent by its admin.
func (s *stack) fwBid(fwID, lot, provider string, pence int64, answer string) uint64 {
	s.t.Helper()
	res := servicetest.Must(s.framework(auth.ProviderOrg(provider), auth.ProviderAdmin).SubmitBid(s.Ctx, &frameworkv1.SubmitBidRequest{
		RequestId: "bid-" + lot + "-" + provider, FrameworkId: fwID, LotId: lot, WeeklyPricePence: pence,
		QualityAnswers: []*frameworkv1.QualityAnswer{{Question: "How do you keep children safe and settled?", Answer: answer}},
	})).OK(s.t)
	return res.GetPosition()
}

// fwBidAnswers is a provider's bid answering a framework's own quality
// questions by id (id → answer), sent by its admin.
func (s *stack) fwBidAnswers(fwID, lot, provider string, pence int64, answers map[string]string) uint64 {
	s.t.Helper()
	var as []*frameworkv1.QualityAnswer
	for id, a := range answers {
		as = append(as, &frameworkv1.QualityAnswer{QuestionId: id, Answer: a})
	}
	res := servicetest.Must(s.framework(auth.ProviderOrg(provider), auth.ProviderAdmin).SubmitBid(s.Ctx, &frameworkv1.SubmitBidRequest{
		RequestId: "bid-" + lot + "-" + provider, FrameworkId: fwID, LotId: lot, WeeklyPricePence: pence, QualityAnswers: as,
	})).OK(s.t)
	return res.GetPosition()
}

// fwType puts value in the field matching sel, as a person typing it ends
// up with (quicker than a key event a character).
func (s *stack) fwType(sel, value string) {
	s.t.Helper()
	q, _ := json.Marshal(sel)
	v, _ := json.Marshal(value)
	js := `(el => { if (!el) { return "missing" } el.value = ` + string(v) + `; el.dispatchEvent(new Event("input", {bubbles: true})); return "ok" })(document.querySelector(` + string(q) + `))`
	if got := s.Eval(js); got != "ok" {
		s.t.Fatalf("%s: no field %s", s.Location(), sel)
	}
}

// fwTick chooses a radio or ticks a checkbox as a keyboard user does.
func (s *stack) fwTick(sel string) {
	s.t.Helper()
	s.Focus(sel)
	s.Press(" ")
}

// fwSend sends the page's main form.
func (s *stack) fwSend() {
	s.t.Helper()
	s.Follow(`main form:not(.cc-inline-form) button[type="submit"]`)
}

// fwBanner fails unless the page shows the success banner saying want.
func (s *stack) fwBanner(want string) {
	s.t.Helper()
	if got := s.Eval(`(document.querySelector(".govuk-notification-banner--success") || {}).innerText || ""`); !strings.Contains(got, want) {
		s.t.Fatalf("%s: the banner says %q, want %q; the page shows:\n%s", s.Location(), got, want, s.Text("main"))
	}
}

// fwProblem fails unless the error summary shows want linked to the field
// with id field (none for a rule), and following the link lands on it.
func (s *stack) fwProblem(want, field string) {
	s.t.Helper()
	if got := s.Eval(`(document.querySelector(".govuk-error-summary") || {}).innerText || ""`); !strings.Contains(got, want) {
		s.t.Fatalf("%s: the error summary says %q, want %q; the page shows:\n%s", s.Location(), got, want, s.Text("main"))
	}
	if field == "" {
		return
	}
	link := `.govuk-error-summary a[href="#` + field + `"]`
	if got := s.Text(link); !strings.Contains(got, want) {
		s.t.Fatalf("%s: the summary's link to #%s says %q, want %q", s.Location(), field, got, want)
	}
	// Followed on the page itself (no page loads): the design system's
	// script moves the focus to the field.
	s.Eval(`document.querySelector(` + "`" + link + "`" + `).click(), ""`)
	if got := s.Eval(`document.activeElement.id`); got != field {
		s.t.Fatalf("%s: the summary's link to #%s puts the focus on %q", s.Location(), field, got)
	}
	if got := s.Text(`#` + field + `-error`); !strings.Contains(got, want) && !strings.Contains(s.Text(`.govuk-form-group--error`), want) {
		s.t.Fatalf("%s: #%s shows the error %q, want %q", s.Location(), field, got, want)
	}
}

func fwItoa(n uint64) string { return strconv.FormatUint(n, 10) }

// The lead's whole life of a framework in the browser: drafted through the
// question flow (a price band the wrong way round corrected on the way; the
// framework's own quality questions added, one changed, one removed),
// its terms changed, member councils added and removed, opened for bids
// (a closing time in the past refused by the service's rule), bids from
// three providers, bidding closed by the clock, every bid scored side by
// side (a reason too short refused by the service, on its field), awarded
// with the ranking, activated, a provider suspended and reinstated, a price
// uplift approved, extended, terminated. Every page is checked with axe.
func TestLeadRunsAFrameworkInTheBrowser(t *testing.T) {
	s := newStack(t)
	s.fwRegister()
	s.signIn("Amara Okafor")

	// Draft, one question a page.
	s.Visit("/frameworks")
	s.Follow(`a[href="/frameworks/new/terms"]`)
	s.Contains("Draft a framework", "What is the framework called?")
	s.fwType("#terms-title", "North West Residential Framework 2027")
	s.fwSend()
	s.Contains("What does the framework buy?")
	s.fwTick("#terms-category") // the first: residential
	s.fwSend()
	s.fwType("#terms-description", "Children's homes for children with emotional and behavioural needs.")
	s.fwSend()
	s.Contains("When does the framework's initial term run?")
	for id, v := range map[string]string{"terms-term_start-day": "1", "terms-term_start-month": "4", "terms-term_start-year": "2027",
		"terms-term_end-day": "31", "terms-term_end-month": "3", "terms-term_end-year": "2030"} {
		s.fwType("#"+id, v)
	}
	s.fwSend()
	s.fwType("#terms-extension_options_months", "12, 12")
	s.fwSend()
	s.fwType("#terms-quality_weight", "70")
	s.fwType("#terms-price_weight", "30")
	s.fwSend()
	s.Contains("Which councils will use the framework?", "Manchester (352)")
	s.fwTick(`input[name="terms-member_councils"][value="352"]`)
	s.fwTick(`input[name="terms-member_councils"][value="353"]`)
	s.fwTick(`input[name="terms-member_councils"][value="355"]`)
	s.fwSend()
	s.Contains("Lot 1")
	s.fwType("#terms-lots-0-name", "Residential: emotional and behavioural needs")
	s.fwType("#terms-lots-0-price_band-min_weekly_pence", "6,500")
	s.fwType("#terms-lots-0-price_band-max_weekly_pence", "3,500")
	s.fwType("#terms-lots-0-quality_threshold", "60")
	s.fwSend()
	s.fwProblem("The lowest weekly price (£6,500.00) must not be more than the highest weekly price (£3,500.00)", "terms-lots-0-price_band-min_weekly_pence")
	s.fwType("#terms-lots-0-price_band-min_weekly_pence", "3,500")
	s.fwType("#terms-lots-0-price_band-max_weekly_pence", "6,500")
	s.fwSend()
	s.Contains("You have added 1 lot", "Residential: emotional and behavioural needs", "£3,500.00 to £6,500.00 a week", "Quality threshold 60")
	s.fwTick("#add-another") // yes
	s.fwSend()
	s.Contains("Lot 2")
	s.fwType("#terms-lots-1-name", "Residential: short breaks")
	s.fwType("#terms-lots-1-price_band-min_weekly_pence", "2500")
	s.fwType("#terms-lots-1-price_band-max_weekly_pence", "4500.50")
	s.fwType("#terms-lots-1-quality_threshold", "50")
	s.fwSend()
	s.Contains("You have added 2 lots", "£2,500.00 to £4,500.50 a week")
	s.fwTick("#add-another-2") // no
	s.fwSend()

	// The framework's own quality questions, one a page.
	s.Contains("Quality question 1", "Question", "Word limit (optional)")
	s.fwType("#terms-quality_questions-0-text", "How will you keep children safe, including from exploitation and going missing?")
	s.fwType("#terms-quality_questions-0-word_limit", "five hundred")
	s.fwSend()
	s.fwProblem("Enter the word limit as a whole number from 1 to 1,500, or leave it empty for no limit", "terms-quality_questions-0-word_limit")
	s.fwType("#terms-quality_questions-0-word_limit", "500")
	s.fwSend()
	s.Contains("You have added 1 quality question", "How will you keep children safe, including from exploitation and going missing?", "Answers up to 500 words")
	s.fwTick("#add-another") // yes
	s.fwSend()
	s.Contains("Quality question 2")
	s.fwSend()
	s.fwProblem("Enter the question", "terms-quality_questions-1-text")
	s.fwType("#terms-quality_questions-1-text", "How will you keep children close to their families and schools?")
	s.fwSend()
	s.fwTick("#add-another")
	s.fwSend()
	s.fwType("#terms-quality_questions-2-text", "How do you recruit, train and keep your staff?")
	s.fwType("#terms-quality_questions-2-word_limit", "1,200")
	s.fwSend()
	s.Contains("You have added 3 quality questions", "No word limit", "Answers up to 1,200 words")
	// The second changed, the third removed.
	s.Follow(`#quality-questions a[href="/frameworks/new/terms/question/2"]`)
	if got := s.Eval(`document.querySelector("#terms-quality_questions-1-text").value`); got != "How will you keep children close to their families and schools?" {
		t.Fatalf("question 2 opens with %q", got)
	}
	s.fwType("#terms-quality_questions-1-text", "How will you keep children close to their families, schools and communities?")
	s.fwSend()
	s.Follow(`#quality-questions form[action="/frameworks/new/terms/question/3/remove"] button`)
	s.Contains("You have added 2 quality questions", "How will you keep children close to their families, schools and communities?")
	if strings.Contains(s.Text("#quality-questions"), "recruit") {
		t.Fatal("the removed question is still listed")
	}
	s.fwTick("#add-another-2") // no
	s.fwSend()
	s.Contains("Check your answers before drafting the framework", "North West Residential Framework 2027", "Residential",
		"1 April 2027 to 31 March 2030", "12 months, then 12 months", "Quality 70%, price 30%", "352 Manchester", "353 Oldham", "355 Salford",
		"Residential: emotional and behavioural needs", "£3,500.00 to £6,500.00 a week", "Residential: short breaks",
		"Quality question 1", "How will you keep children safe, including from exploitation and going missing?", "Answers up to 500 words",
		"Quality question 2", "How will you keep children close to their families, schools and communities?", "No word limit", "2 questions")
	s.fwSend()
	// Three years and two 12-month extensions break the service's 4-year
	// rule: said in words, and changed from check answers.
	s.fwProblem("A framework may run at most 4 years from its start, every extension option included", "")
	s.Follow(`a[href="/frameworks/new/terms/extensions?change=1"]`)
	s.fwType("#terms-extension_options_months", "6, 6")
	s.fwSend()
	s.Contains("Check your answers before drafting the framework", "6 months, then 6 months")
	s.fwSend()
	s.fwBanner("Framework drafted")
	s.Contains("North West Residential Framework 2027", "Draft", "1 April 2027 to 31 March 2030", "6 months, then 6 months (0 used)",
		"352 Manchester, 353 Oldham, 355 Salford", "Open for bids", "Change the terms", "Decision history of this framework")
	fw := strings.TrimPrefix(strings.SplitN(s.Location(), "?", 2)[0], "/frameworks/")
	base := "/frameworks/" + fw

	// Change a term of the draft.
	s.Follow(`a[href="` + base + `/terms"]`)
	s.Contains("Check the changed terms", "North West Residential Framework 2027", "How will you keep children safe, including from exploitation and going missing?")
	s.Follow(`a[href="` + base + `/terms/title?change=1"]`)
	s.fwType("#terms-title", "North West Residential Framework 2027 to 2030")
	s.fwSend()
	s.Contains("Check the changed terms", "North West Residential Framework 2027 to 2030")
	s.fwSend()
	s.fwProblem("Enter why you are changing the terms", "reason")
	s.fwType("#reason", "The title names the whole term.")
	s.fwSend()
	s.fwBanner("Terms changed")
	s.Contains("North West Residential Framework 2027 to 2030")
	// The framework's page lists its questions, as the providers see them.
	if got := s.Text("#quality-questions"); !strings.Contains(got, "How will you keep children safe, including from exploitation and going missing? (up to 500 words)") ||
		!strings.Contains(got, "How will you keep children close to their families, schools and communities?") {
		t.Fatalf("the framework's page lists the questions as %q", got)
	}
	// The amendment kept the questions, as the providers will see them.
	qs := servicetest.Must(s.fwLead().GetFramework(s.Ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: fw})).OK(t).GetQualityQuestions()
	if len(qs) != 2 || qs[0].GetQuestionId() != "q-1" || qs[0].GetWordLimit() != 500 || qs[1].GetQuestionId() != "q-2" || qs[1].GetWordLimit() != 0 {
		t.Fatalf("the framework's questions after the amendment: %v", qs)
	}

	// Member councils: one added, one removed.
	s.Follow(`a[href="` + base + `/councils"].govuk-button`)
	s.Contains("Member councils", "352 Manchester", "353 Oldham", "355 Salford")
	s.Follow(`a[href="` + base + `/councils/add"]`)
	s.fwType("#la_code-other", "358")
	s.fwType("#reason", "Trafford joins the consortium's residential commissioning.")
	s.fwSend()
	s.fwBanner("358 Trafford added to the framework")
	s.Contains("358 Trafford")
	s.Follow(`a[href="` + base + `/councils/353/remove"]`)
	s.Contains("Remove 353 Oldham from the framework", "353 Oldham will no longer be able to call off from this framework.")
	s.fwType("#reason", "Oldham buys these places through its own framework.")
	s.fwSend()
	s.fwBanner("353 Oldham removed from the framework")
	if got := s.Text("#councils"); strings.Contains(got, "Oldham") || !strings.Contains(got, "358 Trafford") {
		t.Fatalf("the member councils are %q", got)
	}

	// Open for bids: a closing time already past is the service's rule.
	s.Visit(base)
	s.Follow(`a[href="` + base + `/open"]`)
	s.fwType("#bids_close_at-day", "1")
	s.fwType("#bids_close_at-month", "12")
	s.fwType("#bids_close_at-year", "2026")
	s.fwType("#bids_close_at-time", "5pm")
	s.fwSend()
	s.fwProblem("The closing date and time must be in the future", "")
	s.fwType("#bids_close_at-day", "10")
	s.fwSend()
	s.fwBanner("Open for bids until 10 December 2026 at 5:00pm")
	s.Contains("Open for bids", "Bidding closes on 10 December 2026 at 5:00pm")

	// Providers bid (through the API, as they would from their own pages).
	bid := func(lot, provider string, pence int64, safe string) uint64 {
		return s.fwBidAnswers(fw, lot, provider, pence, map[string]string{"q-1": safe, "q-2": "Homes in the member councils' areas."})
	}
	bid("lot-1", "pennine-pathways", 420000, "Therapeutic model with a clinical psychologist in every home.")
	bid("lot-1", "northern-lights-care", 390000, "Key workers on every shift.")
	bid("lot-1", "irwell-house", 480000, "Small homes, staff who stay: turnover under 10% a year.")
	bid("lot-2", "pennine-pathways", 300000, "Planned short breaks with the same carers each time.")
	pos := bid("lot-2", "irwell-house", 320000, "A short-breaks home with two beds.")
	s.Visit(base + "?at=" + fwItoa(pos))
	if got := s.Text("#bids-received"); got != "5" {
		t.Fatalf("bids received: %q", got)
	}

	// Bidding closes.
	s.Clock.Set(time.Date(2026, time.December, 10, 17, 0, 1, 0, time.UTC))
	s.signIn("Amara Okafor") // a week on: the session has ended
	s.Visit(base)
	s.Contains("Evaluating", "Bidding closed on 10 December 2026 at 5:00pm")
	s.Follow(`a[href="` + base + `/bids"]`)
	s.Contains("Bids", "Residential: emotional and behavioural needs")
	s.Follow(`a[href="` + base + `/lots/lot-1/bids"]`)
	s.Contains("Score the bids on Residential: emotional and behavioural needs",
		"Pennine Pathways", "£4,200.00", "Therapeutic model with a clinical psychologist in every home.",
		"Northern Lights Care", "£3,900.00", "Irwell House", "£4,800.00", "How will you keep children safe, including from exploitation and going missing?",
		"How will you keep children close to their families, schools and communities?")
	row := func(provider string) string { return `#bids tr:has(input[value="` + provider + `"]) ` }
	s.fwType(row("pennine-pathways")+`input[name$="quality_score"]`, "80")
	s.fwType(row("pennine-pathways")+`textarea`, "A clear therapeutic model, well evidenced.")
	s.fwType(row("northern-lights-care")+`input[name$="quality_score"]`, "50")
	s.fwType(row("northern-lights-care")+`textarea`, "ok")
	s.fwType(row("irwell-house")+`input[name$="quality_score"]`, "90")
	s.fwType(row("irwell-house")+`textarea`, "Stable staff and small homes: the strongest answer.")
	s.fwSend()
	s.fwProblem("Reason must be at least 3 characters", "bids-1-reason")
	s.fwType(row("northern-lights-care")+`textarea`, "Staffing answered, but nothing on therapeutic support.")
	s.fwSend()
	s.fwBanner("2 bids scored on Residential: emotional and behavioural needs")
	s.Follow(`a[href="` + base + `/lots/lot-2/bids"]`)
	s.fwType(row("pennine-pathways")+`input[name$="quality_score"]`, "70")
	s.fwType(row("pennine-pathways")+`textarea`, "Consistent carers for each child.")
	s.fwType(row("irwell-house")+`input[name$="quality_score"]`, "75")
	s.fwType(row("irwell-house")+`textarea`, "A dedicated home for short breaks.")
	s.fwSend()
	s.fwBanner("2 bids scored on Residential: short breaks")
	s.Contains("Every bid is scored.")

	// Award: the ranking, confirmed, with a reason.
	s.Follow(`a[href="` + base + `/award"]`)
	s.Contains("Award the framework", "Irwell House", "Below it", "1. Irwell House", "2. Pennine Pathways")
	if got := s.Text("#ranking-lot-1 tbody tr:first-child"); !strings.Contains(got, "Irwell House") || !strings.Contains(got, "90") {
		t.Fatalf("lot 1 ranks first %q", got)
	}
	if got := s.Text("#ranking-lot-1 tbody tr:last-child"); !strings.Contains(got, "Northern Lights Care") || !strings.Contains(got, "Below it") {
		t.Fatalf("lot 1 ranks last %q", got)
	}
	s.fwType("#reason", "Ranked on the published 70/30 weighting; every bid at or above the threshold admitted.")
	// The notice day is optional; not a date, or a day to come, is refused.
	s.fwType("#notice_published_on-day", "31")
	s.fwType("#notice_published_on-month", "11")
	s.fwType("#notice_published_on-year", "2026")
	s.fwSend()
	s.fwProblem("Enter the date the contract award notice was published as a real date", "")
	if got := s.Text(`.govuk-error-summary a[href="#notice_published_on-day"]`); !strings.Contains(got, "as a real date") {
		t.Fatalf("the summary's link to the notice day says %q", got)
	}
	if got := s.Text(`#notice_published_on-error`); !strings.Contains(got, "as a real date") {
		t.Fatalf("the notice day shows the error %q", got)
	}
	s.fwType("#notice_published_on-day", "11")
	s.fwType("#notice_published_on-month", "12")
	s.fwSend()
	s.fwProblem("The contract award notice must already be published: enter today's date or an earlier one", "")
	for _, part := range []string{"day", "month", "year"} {
		s.fwType("#notice_published_on-"+part, "")
	}
	s.fwSend()
	s.fwBanner("Framework awarded: 4 providers admitted to 2 lots")
	s.Contains("Awarded", "Activate")
	if got := s.Text("#providers-lot-1 tbody tr:first-child"); !strings.Contains(got, "Irwell House") || !strings.Contains(got, "£4,800.00") {
		t.Fatalf("lot 1's first provider %q", got)
	}

	// The award on Thursday 10 December 2026 starts the standstill: eight
	// working days counting that day, to Monday 21 December.
	if got := s.Text("#standstill-ends"); got != "21 December 2026" {
		t.Fatalf("standstill ends %q, want 21 December 2026", got)
	}
	s.Contains("Standstill ends", "The standstill period ends on 21 December 2026", "You can activate the framework from 22 December 2026.")
	s.Axe()

	// Activate: refused in words during the standstill, then done after it.
	s.Follow(`a[href="` + base + `/activate"]`)
	s.Contains("The standstill period after the contract award notice ends on 21 December 2026: you can activate the framework from 22 December 2026.")
	s.fwType("#reason", "Contracts signed with every admitted provider.")
	s.fwSend()
	s.fwProblem("The framework cannot be activated yet: the standstill period after the contract award notice ends on 21 December 2026, "+
		"so a bidder may still challenge the award. You can activate it from 22 December 2026", "")
	if strings.Contains(s.Text("main"), "framework.standstill") {
		t.Fatal("the refusal shows the rule's code")
	}
	s.Axe()
	s.Clock.Set(time.Date(2026, time.December, 22, 9, 0, 0, 0, time.UTC))
	s.signIn("Amara Okafor")
	s.Visit(base + "/activate")
	s.fwType("#reason", "Contracts signed with every admitted provider.")
	s.fwSend()
	s.fwBanner("Framework activated")
	s.Contains("Call-offs", "No council has called off from this framework yet.")
	s.Contains("Active", "Price uplifts", "Extend")

	// Suspend and reinstate a provider.
	s.Follow(`a[href="` + base + `/lots/lot-1/providers/pennine-pathways/suspend"]`)
	s.Contains("Suspend Pennine Pathways from Residential: emotional and behavioural needs", "£4,200.00")
	s.fwSend()
	s.fwProblem("Enter why you are suspending the provider", "reason")
	s.fwType("#reason", "Ofsted judged a home Inadequate.")
	s.fwSend()
	s.fwBanner("Pennine Pathways suspended from Residential: emotional and behavioural needs")
	if got := s.Text("#providers-lot-1 tbody tr:last-child"); !strings.Contains(got, "Suspended") || !strings.Contains(got, "Ofsted judged a home Inadequate.") {
		t.Fatalf("the suspended provider's row %q", got)
	}
	s.Follow(`a[href="` + base + `/lots/lot-1/providers/pennine-pathways/reinstate"]`)
	s.fwType("#reason", "The home was re-inspected and judged Good.")
	s.fwSend()
	s.fwBanner("Pennine Pathways reinstated on Residential: emotional and behavioural needs")
	if got := s.Text("#providers-lot-1 tbody tr:last-child"); strings.Contains(got, "Suspended") {
		t.Fatalf("the reinstated provider's row %q", got)
	}

	// Price uplifts asked for by two providers: one approved, one rejected.
	uplift := func(provider, lot string, pence int64, why string) *frameworkv1.CommandResponse {
		return servicetest.Must(s.framework(auth.ProviderOrg(provider), auth.ProviderAdmin).RequestPriceUplift(s.Ctx, &frameworkv1.RequestPriceUpliftRequest{
			RequestId: "uplift-" + provider + "-2027", FrameworkId: fw, LotId: lot, RequestedWeeklyPence: pence, EffectiveFrom: "2027-04-01",
			Justification: why})).OK(t)
	}
	up := uplift("irwell-house", "lot-1", 500000, "The National Living Wage rises in April.")
	down := uplift("pennine-pathways", "lot-2", 330000, "Our costs rose by a tenth.")
	s.Visit(base + "?at=" + fwItoa(max(up.GetPosition(), down.GetPosition())))
	s.Follow(`a[href="` + base + `/uplifts"]`)
	s.Contains("Price uplifts", "Irwell House", "£4,800.00", "£5,000.00", "£200.00 (4.2%)", "1 April 2027", "Pending", "Pennine Pathways", "£300.00 (10.0%)")
	s.Follow(`a[href="` + base + `/uplifts/` + up.GetUpliftId() + `"]`)
	s.Contains("Price uplift from Irwell House", "The National Living Wage rises in April.")
	s.fwTick("#decision") // approve
	s.fwType("#reason", "In line with the consortium's uplift policy for 2027.")
	s.fwSend()
	s.fwBanner("Uplift approved: Irwell House is paid £5,000.00 a week from 1 April 2027")
	s.Contains("Approved", "In line with the consortium's uplift policy for 2027.")
	s.Follow(`a[href="` + base + `/uplifts/` + down.GetUpliftId() + `"]`)
	s.fwTick("#decision-2") // reject
	s.fwType("#reason", "Above the consortium's 5% cap for 2027.")
	s.fwSend()
	s.fwBanner("Uplift rejected: the price of Pennine Pathways stays £3,000.00 a week")
	s.Contains("Rejected", "Above the consortium's 5% cap for 2027.")

	// Extend within the options.
	s.Visit(base)
	s.Follow(`a[href="` + base + `/extend"]`)
	s.Contains("The framework ends on 31 March 2030. Extending it uses extension option 1 of 2: 6 months.")
	s.fwType("#reason", "The market position statement shows the need continues.")
	s.fwSend()
	s.fwBanner("Framework extended by 6 months")
	s.Contains("Extended", "1 April 2027 to 30 September 2030", "6 months, then 6 months (1 used)")

	// Terminate, with the warning.
	s.Follow(`a[href="` + base + `/terminate"]`)
	s.Contains("Terminating ends the framework for every council and provider on it. It cannot be undone.")
	s.fwType("#reason", "Replaced by the regional care co-operative's framework.")
	s.Follow(`main form button.govuk-button--warning`)
	s.fwBanner("Framework terminated")
	s.Contains("Terminated", "The framework has ended: nothing can change it any more.")
	if strings.Contains(s.Text("main"), "What you can do") {
		t.Fatal("a terminated framework offers actions")
	}
}

// fwEvaluating drafts a one-lot framework, opens it for bids closing in an
// hour and has the three providers bid (all through the API).
func (s *stack) fwEvaluating(key, title string) string {
	s.t.Helper()
	fw := servicetest.Must(s.fwLead().DraftFramework(s.Ctx, &frameworkv1.DraftFrameworkRequest{RequestId: "draft-" + key, Terms: &frameworkv1.FrameworkTerms{
		Title: title, Category: frameworkv1.Category_CATEGORY_RESIDENTIAL,
		Lots: []*frameworkv1.LotTerms{{LotId: "lot-1", Name: "Residential: emotional and behavioural needs",
			PriceBand: &frameworkv1.PriceBand{MinWeeklyPence: 350000, MaxWeeklyPence: 650000}, QualityThreshold: 60}},
		MemberCouncils: []string{"352", "355"}, TermStart: "2027-04-01", TermEnd: "2030-03-31", QualityWeight: 70, PriceWeight: 30,
	}})).OK(s.t).GetFrameworkId()
	servicetest.Must(s.fwLead().OpenForBids(s.Ctx, &frameworkv1.OpenForBidsRequest{RequestId: "open-" + key, FrameworkId: fw,
		BidsCloseAt: timestamppb.New(s.Clock.Now().Add(time.Hour))})).OK(s.t)
	s.fwBid(fw, "lot-1", "pennine-pathways", 420000, "Therapeutic model with a clinical psychologist in every home.")
	s.fwBid(fw, "lot-1", "northern-lights-care", 390000, "Key workers on every shift.")
	s.fwBid(fw, "lot-1", "irwell-house", 480000, "Small homes, staff who stay.")
	return fw
}

// fwScoreAll scores the three bids of an evaluating framework.
func (s *stack) fwScoreAll(fw string) {
	s.t.Helper()
	for provider, score := range map[string]uint32{"irwell-house": 90, "pennine-pathways": 80, "northern-lights-care": 70} {
		servicetest.Must(s.fwLead().ScoreBid(s.Ctx, &frameworkv1.ScoreBidRequest{RequestId: "score-" + provider, FrameworkId: fw, LotId: "lot-1",
			ProviderId: provider, QualityScore: score, Reason: "Scored by the evaluation panel."})).OK(s.t)
	}
}

// The award by keyboard alone: the focus put on the first provider to
// admit, then only Tab, Space, typing and Enter. Then an award form sent
// twice with the same request id (a double click, a resent page): one
// award, and the second answer is the first's.
func TestLeadAwardsByKeyboardAndOnce(t *testing.T) {
	s := newStack(t)
	s.fwRegister()
	keyboard := s.fwEvaluating("keyboard-award", "Keyboard Residential Framework")
	twice := s.fwEvaluating("twice-award", "Twice Residential Framework")
	s.Clock.Advance(2 * time.Hour)
	s.fwScoreAll(keyboard)
	s.fwScoreAll(twice)
	s.signIn("Amara Okafor")

	s.Visit("/frameworks/" + keyboard + "/award")
	s.Contains("1. Irwell House", "2. Pennine Pathways", "3. Northern Lights Care")
	focused := func(want string) {
		t.Helper()
		if got := s.Eval(`document.activeElement.id || document.activeElement.textContent.trim()`); got != want {
			t.Fatalf("the focus is on %q, want %q", got, want)
		}
	}
	s.Focus("#lots-0-provider_ids")
	focused("lots-0-provider_ids")
	s.Press("\t")
	focused("lots-0-provider_ids-2")
	s.Press("\t")
	focused("lots-0-provider_ids-3")
	s.Press(" ") // Northern Lights Care is not admitted
	if s.Eval(`String(document.querySelector("#lots-0-provider_ids-3").checked)`) != "false" {
		t.Fatal("space did not untick the third provider")
	}
	s.Press("\t")
	focused("reason")
	s.Press("The lot needs two providers: the two ranked highest are admitted.")
	for _, part := range []string{"day", "month", "year"} { // the optional notice day, left blank
		s.Press("\t")
		focused("notice_published_on-" + part)
	}
	s.Press("\t")
	focused("Confirm the ranking and award")
	s.PressToLoad("\r")
	s.fwBanner("Framework awarded: 2 providers admitted to 1 lot")
	s.Contains("Awarded")
	if got := s.Text("#providers-lot-1 tbody"); !strings.Contains(got, "Irwell House") || !strings.Contains(got, "Pennine Pathways") || strings.Contains(got, "Northern Lights Care") {
		t.Fatalf("admitted: %q", got)
	}
	if got := s.Text("#providers-lot-1 tbody tr:first-child"); !strings.HasPrefix(got, "1") || !strings.Contains(got, "Irwell House") {
		t.Fatalf("ranked first: %q", got)
	}

	// The same award form, sent twice.
	base := "/frameworks/" + twice
	s.Visit(base + "/award")
	reason := "Every bid at or above the threshold admitted, in rank order."
	s.fwType("#reason", reason)
	form := s.Eval(`new URLSearchParams(new FormData(document.querySelector("main form"))).toString()`)
	s.fwSend()
	s.fwBanner("Framework awarded: 3 providers admitted to 1 lot")
	body, _ := json.Marshal(form)
	again := s.Eval(`fetch("` + base + `/award", {method: "POST", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: ` + string(body) + `})
		.then(r => r.text().then(text => r.status + " " + new URL(r.url).pathname + " " + new DOMParser().parseFromString(text, "text/html").querySelector("main").innerText))`)
	if !strings.HasPrefix(again, "200 "+base+" ") || !strings.Contains(again, "Framework awarded: 3 providers admitted to 1 lot") {
		t.Fatalf("the form sent again answers %q", again)
	}
	s.Visit(base)
	s.Contains("Awarded")
	if n := s.Eval(`String(document.querySelectorAll("#providers-lot-1 tbody tr").length)`); n != "3" {
		t.Fatalf("%s providers admitted, want 3: %q", n, s.Text("#providers-lot-1 tbody"))
	}
	s.Follow(`a[href="/decisions/frameworks/` + twice + `"]`)
	if n := strings.Count(s.Text("main"), reason); n != 1 {
		t.Fatalf("the decision history shows the award %d times", n)
	}
	awards := 0
	for _, d := range servicetest.Must(s.fwLead().GetDecisionLog(s.Ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: twice})).OK(t).GetDecisions() {
		if d.GetDecision() == "FrameworkAwarded" {
			awards++
		}
	}
	if awards != 1 {
		t.Fatalf("%d awards recorded", awards)
	}
}
