package domain

import (
	"fmt"
	"time"

	"github.com/carecoop/carecoop/services/kit/domainerr"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/kit/money"
)

// DateLayout is the layout of every calendar date in the framework's terms
// and events.
const DateLayout = "2006-01-02"

// MaxTermYears is the longest a framework may run, every extension included
// (Procurement Act 2023 s.47).
const MaxTermYears = 4

// parseDate parses a YYYY-MM-DD calendar date (rejecting e.g. 2026-02-30).
func parseDate(s string) (time.Time, bool) {
	if len(s) != len(DateLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(DateLayout, s)
	return t, err == nil
}

// dateOf is the UTC calendar date of an instant, at midnight.
func dateOf(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func daysIn(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// AddMonths moves a last day of a term on by months, keeping to the end of
// the month: 2026-01-31 + 1 = 2026-02-28, 2026-02-28 + 1 = 2026-03-31,
// 2026-01-15 + 1 = 2026-02-15, 2026-01-30 + 1 = 2026-02-28.
func AddMonths(lastDay time.Time, months int) time.Time {
	y, m, d := lastDay.Date()
	endOfMonth := d == daysIn(y, m)
	first := time.Date(y, m+time.Month(months), 1, 0, 0, 0, 0, time.UTC)
	ty, tm := first.Year(), first.Month()
	if last := daysIn(ty, tm); endOfMonth || d > last {
		d = last
	}
	return time.Date(ty, tm, d, 0, 0, 0, 0, time.UTC)
}

// LatestEnd is the last day a term may reach: start + 4 years − 1 day.
func LatestEnd(start time.Time) time.Time { return start.AddDate(MaxTermYears, 0, -1) }

// validateTerms checks drafted or amended terms, field by field and then
// against the rules of the game.
func validateTerms(t *frameworkv1.FrameworkTerms) error {
	if t == nil {
		return domainerr.Field("terms", "the framework's terms are missing: give a title, category, lots, member councils, term and weights")
	}
	if t.GetTitle() == "" {
		return domainerr.Field("terms.title", "give the framework a title")
	}
	if _, known := frameworkv1.Category_name[int32(t.GetCategory())]; !known || t.GetCategory() == frameworkv1.Category_CATEGORY_UNSPECIFIED {
		return domainerr.Field("terms.category", "choose the framework's category (residential, fostering, supported accommodation 16+ or SEND school)")
	}
	if err := validateLots(t.GetLots()); err != nil {
		return err
	}
	if err := validateMembers(t.GetMemberCouncils()); err != nil {
		return err
	}
	if err := validateQuestions(t.GetQualityQuestions()); err != nil {
		return err
	}
	if q, p := t.GetQualityWeight(), t.GetPriceWeight(); q+p != 100 {
		return domainerr.Rule(RuleWeightsSum100,
			"quality_weight (%d) and price_weight (%d) add up to %d: they must add up to 100, e.g. 70 and 30", q, p, q+p)
	}
	return validateTerm(t)
}

func validateLots(lots []*frameworkv1.LotTerms) error {
	if len(lots) == 0 {
		return domainerr.Rule(RuleLotsRequired, "a framework needs at least one lot: add a lot with an id, a name and a price band")
	}
	seen := map[string]int{}
	for i, l := range lots {
		path := fmt.Sprintf("terms.lots[%d]", i)
		if l.GetLotId() == "" {
			return domainerr.Field(path+".lot_id", "give lot %d an id, e.g. \"lot-%d\"", i+1, i+1)
		}
		if j, dup := seen[l.GetLotId()]; dup {
			return domainerr.Rule(RuleLotIDsUnique, "lots %d and %d both have the id %q: give each lot its own id", j+1, i+1, l.GetLotId())
		}
		seen[l.GetLotId()] = i
		if l.GetName() == "" {
			return domainerr.Field(path+".name", "give lot %q a name", l.GetLotId())
		}
		band := l.GetPriceBand()
		if band == nil {
			return domainerr.Field(path+".price_band", "give lot %q a price band (minimum and maximum weekly price in pence)", l.GetLotId())
		}
		if band.GetMinWeeklyPence() < 0 {
			return domainerr.Field(path+".price_band.min_weekly_pence", "the minimum weekly price of lot %q cannot be negative", l.GetLotId())
		}
		if band.GetMaxWeeklyPence() <= 0 {
			return domainerr.Field(path+".price_band.max_weekly_pence", "give lot %q a maximum weekly price above zero", l.GetLotId())
		}
		if band.GetMinWeeklyPence() > band.GetMaxWeeklyPence() {
			return domainerr.Rule(RulePriceBandOrder, "the price band of lot %q runs from %s down to %s: the minimum must not exceed the maximum",
				l.GetLotId(), pounds(band.GetMinWeeklyPence()), pounds(band.GetMaxWeeklyPence()))
		}
		if l.GetQualityThreshold() > 100 {
			return domainerr.Field(path+".quality_threshold", "the quality threshold of lot %q is %d: it is a score from 0 to 100", l.GetLotId(), l.GetQualityThreshold())
		}
	}
	return nil
}

func validateMembers(codes []string) error {
	if len(codes) == 0 {
		return domainerr.Rule(RuleMemberCouncilsRequired, "a framework needs at least one member council: add the three-digit LA code of each council that will use it")
	}
	seen := map[string]bool{}
	for i, c := range codes {
		if !isLACode(c) {
			return domainerr.Field(fmt.Sprintf("terms.member_councils[%d]", i), "%q is not an LA code: use the council's three-digit DfE code, e.g. \"352\"", c)
		}
		if seen[c] {
			return domainerr.Rule(RuleMemberCouncilsUnique, "council %s is listed twice among the member councils: list it once", c)
		}
		seen[c] = true
	}
	return nil
}

func validateTerm(t *frameworkv1.FrameworkTerms) error {
	start, ok := parseDate(t.GetTermStart())
	if !ok {
		return domainerr.Field("terms.term_start", "term_start %q is not a date: write it as YYYY-MM-DD", t.GetTermStart())
	}
	end, ok := parseDate(t.GetTermEnd())
	if !ok {
		return domainerr.Field("terms.term_end", "term_end %q is not a date: write it as YYYY-MM-DD", t.GetTermEnd())
	}
	if !end.After(start) {
		return domainerr.Rule(RuleTermEndAfterStart, "term_end %s is not after term_start %s: end the term later", t.GetTermEnd(), t.GetTermStart())
	}
	reach := end
	for i, m := range t.GetExtensionOptionsMonths() {
		if m < 1 || m > 48 {
			return domainerr.Field(fmt.Sprintf("terms.extension_options_months[%d]", i), "extension option %d is %d months: give from 1 to 48 months", i+1, m)
		}
		reach = AddMonths(reach, int(m))
	}
	if latest := LatestEnd(start); reach.After(latest) {
		what := "the term"
		if len(t.GetExtensionOptionsMonths()) > 0 {
			what = "the term with every extension option used"
		}
		return domainerr.Rule(RuleTermMax4Years,
			"%s ends on %s, after %s: a framework may run at most %d years from %s (Procurement Act 2023 s.47); end the term earlier or shorten the extension options",
			what, reach.Format(DateLayout), latest.Format(DateLayout), MaxTermYears, t.GetTermStart())
	}
	return nil
}

func isLACode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// pounds formats pence as "£1,234.56".
func pounds(pence int64) string { return money.Pence(pence).String() }
