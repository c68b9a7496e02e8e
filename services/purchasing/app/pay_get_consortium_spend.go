package app

import (
	"cmp"
	"context"
	"slices"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// GetConsortiumSpend is a lead's consortium's spend over weeks from..to by
// category and provider, with the number of placements behind each figure:
// what a payments compliance notice needs.
func (a *Agreements) GetConsortiumSpend(ctx context.Context, p auth.Principal, fromWeek, toWeek string, minPosition uint64) (*purchasingv1.ConsortiumSpend, error) {
	if consortium(p) == "" {
		return nil, domainerr.Forbidden("a consortium's spend is read by its lead")
	}
	weeks, err := payWeeks(fromWeek, toWeek)
	if err != nil {
		return nil, err
	}
	out := &purchasingv1.ConsortiumSpend{Consortium: consortium(p)}
	type key struct{ category, provider string }
	rows := map[key]*purchasingv1.SpendRow{}
	seen := map[key]map[string]bool{}
	names := map[string]string{}
	pos, err := a.read(ctx, minPosition, func(m *agrModel) error {
		for _, r := range m.visible(p) {
			t := r.state.Current().Terms
			names[t.GetCategoryId()] = t.GetCategoryName()
		}
		for _, l := range m.payLines(p, weeks) {
			for _, k := range []key{{l.GetCategoryId(), l.GetProviderId()}, {l.GetCategoryId(), ""}} {
				row := rows[k]
				if row == nil {
					row = &purchasingv1.SpendRow{CategoryId: k.category, ProviderId: k.provider}
					if k.provider != "" {
						row.ProviderName = l.GetProviderName()
					}
					rows[k], seen[k] = row, map[string]bool{}
				}
				row.AmountPence += l.GetAmountPence()
				if !seen[k][l.GetAgreementId()] {
					seen[k][l.GetAgreementId()] = true
					row.Placements++
				}
			}
			out.TotalPence += l.GetAmountPence()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for k, row := range rows {
		row.CategoryName = names[k.category]
		if k.provider == "" {
			out.Categories = append(out.Categories, row)
		} else {
			out.Rows = append(out.Rows, row)
		}
	}
	order := func(a, b *purchasingv1.SpendRow) int {
		return cmp.Or(cmp.Compare(a.GetCategoryName(), b.GetCategoryName()), cmp.Compare(b.GetAmountPence(), a.GetAmountPence()), cmp.Compare(a.GetProviderId(), b.GetProviderId()))
	}
	slices.SortFunc(out.Rows, order)
	slices.SortFunc(out.Categories, order)
	out.Position = pos
	return out, nil
}
