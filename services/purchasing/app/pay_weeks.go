package app

import (
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// payMaxWeeks bounds a payment query: two years of weeks.
const payMaxWeeks = 104

// payWeeks reads a range of weeks commencing on Mondays, from and to
// inclusive, and lists their Mondays.
func payWeeks(from, to string) ([]time.Time, error) {
	f, err := time.Parse(domain.DateLayout, from)
	if err != nil {
		return nil, domainerr.Field("from_week", "%q is not a date (YYYY-MM-DD)", from)
	}
	t, err := time.Parse(domain.DateLayout, to)
	if err != nil {
		return nil, domainerr.Field("to_week", "%q is not a date (YYYY-MM-DD)", to)
	}
	switch {
	case f.Weekday() != time.Monday:
		return nil, domainerr.Field("from_week", "weeks commence on a Monday; %s is a %s", from, f.Weekday())
	case t.Weekday() != time.Monday:
		return nil, domainerr.Field("to_week", "weeks commence on a Monday; %s is a %s", to, t.Weekday())
	case t.Before(f):
		return nil, domainerr.Field("to_week", "the last week, %s, is before the first, %s", to, from)
	}
	var out []time.Time
	for d := f; !d.After(t); d = d.AddDate(0, 0, 7) {
		if len(out) == payMaxWeeks {
			return nil, domainerr.Field("to_week", "at most %d weeks at a time", payMaxWeeks)
		}
		out = append(out, d)
	}
	return out, nil
}

// payLines is what each agreement p may see costs in each week, in week
// order then agreement order: under the version in force (or as drawn,
// before both have accepted), up to the placement's end.
func (m *agrModel) payLines(p auth.Principal, weeks []time.Time) []*purchasingv1.PaymentLine {
	var out []*purchasingv1.PaymentLine
	rms := m.visible(p)
	for _, w := range weeks {
		for _, r := range rms {
			st := r.state
			t := st.Current().Terms
			days, price, amount := domain.WeekCost(domain.CostSchedule(t, st.EndedOn), w)
			if days == 0 {
				continue
			}
			out = append(out, &purchasingv1.PaymentLine{
				WeekCommencing: domain.FormatDate(w), Council: t.GetCouncil(), ProviderId: t.GetProviderId(), ProviderName: t.GetProviderName(),
				AgreementId: st.AgreementID, PlacementId: t.GetPlacementId(), SettingUrn: t.GetSettingUrn(), CategoryId: t.GetCategoryId(),
				Days: days, WeeklyPricePence: price, AmountPence: amount, Agreed: st.InForce > 0,
			})
		}
	}
	return out
}
