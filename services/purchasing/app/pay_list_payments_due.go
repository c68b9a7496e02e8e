package app

import (
	"context"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ListPaymentsDue is the amount due per provider per council per week over
// weeks from..to, with the placement lines it is made of: a council reads
// what it owes, a provider what it is owed, a lead its consortium's, the
// platform everything.
func (a *Agreements) ListPaymentsDue(ctx context.Context, p auth.Principal, fromWeek, toWeek string, minPosition uint64) (*purchasingv1.ListPaymentsDueResponse, error) {
	weeks, err := payWeeks(fromWeek, toWeek)
	if err != nil {
		return nil, err
	}
	out := &purchasingv1.ListPaymentsDueResponse{}
	pos, err := a.read(ctx, minPosition, func(m *agrModel) error {
		out.Lines = m.payLines(p, weeks)
		return nil
	})
	if err != nil {
		return nil, err
	}
	type key struct{ week, council, provider string }
	sums := map[key]*purchasingv1.PaymentDue{}
	for _, l := range out.Lines {
		k := key{l.GetWeekCommencing(), l.GetCouncil(), l.GetProviderId()}
		d := sums[k]
		if d == nil {
			d = &purchasingv1.PaymentDue{WeekCommencing: k.week, Council: k.council, ProviderId: k.provider, ProviderName: l.GetProviderName()}
			sums[k] = d
			out.Due = append(out.Due, d)
		}
		d.AmountPence += l.GetAmountPence()
		d.Placements++
		out.TotalPence += l.GetAmountPence()
	}
	out.Position = pos
	return out, nil
}
