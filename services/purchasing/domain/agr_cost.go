package domain

import (
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
)

// A placement's cost over time: the weekly prices of its terms, from the
// start to the earlier of the agreed end date and the day the placement
// ended. A week's amount is each day placed at a seventh of that day's
// weekly price, rounded once per placement and week to the nearest penny.

// AgreementEnd is the last day costs run: the earlier of the terms' end
// date and the recorded end of the placement ("" = open-ended).
func AgreementEnd(t *purchasingv1.AgreementTerms, endedOn string) string {
	end := t.GetEndDate()
	if endedOn != "" && (end == "" || endedOn < end) {
		end = endedOn
	}
	return end
}

// CostSchedule is the weekly price over time, one period per price.
func CostSchedule(t *purchasingv1.AgreementTerms, endedOn string) []*purchasingv1.CostPeriod {
	end := AgreementEnd(t, endedOn)
	var out []*purchasingv1.CostPeriod
	ps := t.GetPrices()
	for i, p := range ps {
		from := max(p.GetFromDate(), t.GetStartDate())
		to := end
		if i+1 < len(ps) {
			next, _ := time.Parse(DateLayout, ps[i+1].GetFromDate())
			day := FormatDate(next.AddDate(0, 0, -1))
			if to == "" || day < to {
				to = day
			}
		}
		if to != "" && to < from {
			continue
		}
		out = append(out, &purchasingv1.CostPeriod{FromDate: from, ToDate: to, WeeklyPricePence: p.GetWeeklyPricePence()})
	}
	return out
}

// WeekCost is what a schedule costs in the week commencing monday: the days
// placed, the weekly price on the last of them, and the amount.
func WeekCost(schedule []*purchasingv1.CostPeriod, monday time.Time) (days uint32, price, amount int64) {
	var sevenths int64
	for d := range 7 {
		day := FormatDate(monday.AddDate(0, 0, d))
		for _, p := range schedule {
			if day >= p.GetFromDate() && (p.GetToDate() == "" || day <= p.GetToDate()) {
				days++
				price = p.GetWeeklyPricePence()
				sevenths += price
				break
			}
		}
	}
	return days, price, (sevenths + 3) / 7
}
