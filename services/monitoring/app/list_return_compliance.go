package app

import (
	"context"
	"time"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/calendar"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// ListReturnCompliance lists, over the last months, the returns that are
// missing (expected because a child was placed there, not filed, past due)
// and those filed late.
func (s *Service) ListReturnCompliance(ctx context.Context, p auth.Principal, consortium, providerID string, months uint32, minPosition uint64) (*monitoringv1.ReturnCompliance, error) {
	now := s.now()
	today := domain.ParseDate(domain.Today(now))
	n := int(months)
	if n == 0 {
		n = 12
	}
	out := &monitoringv1.ReturnCompliance{AsOf: domain.Today(now)}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		providers, err := m.providersInScope(p, consortium, providerID)
		if err != nil {
			return err
		}
		cur := domain.MonthOf(today)
		for _, pid := range providers {
			due := m.dueDays(pid)
			for _, urn := range m.providerSettings[pid] {
				st := m.settings[urn]
				for mo := cur - domain.Month(n); mo < cur; mo++ {
					m.complianceOf(out, st, pid, mo, domain.DueOn(mo, due), today)
				}
			}
		}
		return nil
	})
	out.Position = pos
	return out, err
}

func (m *ReadModel) complianceOf(out *monitoringv1.ReturnCompliance, st *settingRM, pid string, mo domain.Month, due, today time.Time) {
	f := st.evidence.Month(mo)
	row := func() *monitoringv1.ReturnDue {
		return &monitoringv1.ReturnDue{Urn: st.urn, ProviderId: pid, ProviderName: m.providerNames[pid], Period: mo.String(), DueOn: due.Format(domain.DateLayout)}
	}
	switch {
	case f.Filed:
		out.Expected++
		out.Filed++
		if !f.Late {
			out.FiledOnTime++
			return
		}
		r := row()
		r.Late = true
		if sub, ok := st.submittedAt(mo); ok {
			r.SubmittedOn = domain.Today(sub)
			r.WorkingDaysOverdue = uint32(calendar.WorkingDaysBetween(due, sub))
		}
		out.Late = append(out.Late, r)
	case st.evidence.Expected(mo) && due.Before(today):
		out.Expected++
		r := row()
		r.Missing = true
		r.WorkingDaysOverdue = uint32(calendar.WorkingDaysBetween(due, today))
		out.Missing = append(out.Missing, r)
	}
}
