package app

import (
	"context"
	"slices"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/disclosure"
)

// changes are the columns of an outcomes report.
var changes = []string{"improved", "same", "worse"}

// measures are the outcome measures, in outcomeRM.scores' order.
var measures = []string{"stability", "education", "health", "wellbeing", "childs_view"}

// GetOutcomesReport reports, per provider, how many children's measure
// improved, stayed the same or worsened between their placement's start and
// its latest review. Counts go through demand's disclosure control with
// the consortium's threshold: a council sees its own children in full and
// everyone else's only in cells of at least the threshold, with secondary
// suppression across providers and totals, so no single child's outcome
// can be told.
func (s *Service) GetOutcomesReport(ctx context.Context, p auth.Principal, consortium, measure string, minPosition uint64) (*monitoringv1.OutcomesReport, error) {
	out := &monitoringv1.OutcomesReport{Consortium: consortium, Measure: measure}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		c, err := m.consortiumFor(p, consortium)
		if err != nil {
			return err
		}
		threshold := c.threshold
		if threshold == 0 {
			threshold = disclosure.DefaultThreshold
		}
		out.Threshold = uint32(threshold)
		records := m.outcomeRecords(c.slug, measure)
		if len(records) == 0 {
			return nil
		}
		prot, err := disclosure.Protect(records, []disclosure.Dimension{{Name: "provider"}, {Name: "change", Values: changes}}, threshold, council(p))
		if err != nil {
			return err
		}
		t, err := prot.Table2D("provider", "change", nil, nil)
		if err != nil {
			return err
		}
		for i, pid := range t.RowValues {
			row := &monitoringv1.ProviderOutcomes{ProviderId: pid, ProviderName: m.providerNames[pid], Total: cell(t.RowMargins[i])}
			row.Improved, row.Same, row.Worse = cell(t.Cells[i][0]), cell(t.Cells[i][1]), cell(t.Cells[i][2])
			out.Providers = append(out.Providers, row)
		}
		out.All = &monitoringv1.ProviderOutcomes{ProviderName: "all providers", Improved: cell(t.ColMargins[0]), Same: cell(t.ColMargins[1]),
			Worse: cell(t.ColMargins[2]), Total: cell(t.Total)}
		return nil
	})
	out.Position = pos
	return out, err
}

func cell(c disclosure.Cell) *monitoringv1.OutcomeCell {
	return &monitoringv1.OutcomeCell{Count: uint32(c.Count), Suppressed: c.Suppressed, Own: uint32(c.Own)}
}

// outcomeRecords counts the consortium's placements with a start and a
// later review by council, provider and how the measure moved.
func (m *ReadModel) outcomeRecords(consortium, name string) []disclosure.Record {
	type key struct{ council, provider, change string }
	counts := map[key]int{}
	k := slices.Index(measures, name)
	for _, c := range m.contracts {
		if c.consortium.String() != consortium {
			continue
		}
		var start, review *outcomeRM
		for i := range c.outcomes {
			switch o := &c.outcomes[i]; o.point {
			case monitoringv1.OutcomePoint_OUTCOME_POINT_START:
				start = o
			case monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW:
				if review == nil || o.recordedOn.String() >= review.recordedOn.String() {
					review = o
				}
			}
		}
		if start == nil || review == nil {
			continue
		}
		var a, b uint8 // an unknown measure is 0 at both points: the same
		if k >= 0 {
			a, b = start.scores[k], review.scores[k]
		}
		ch := "same"
		switch {
		case b > a:
			ch = "improved"
		case b < a:
			ch = "worse"
		}
		counts[key{c.council.String(), c.provider.String(), ch}]++
	}
	out := make([]disclosure.Record, 0, len(counts))
	for k, n := range counts {
		out = append(out, disclosure.Record{Council: k.council, Values: map[string]string{"provider": k.provider, "change": k.change}, Count: n})
	}
	return out
}
