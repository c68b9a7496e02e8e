package app

import (
	"context"
	"sort"
	"time"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/calendar"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// providersInScope resolves "a consortium's or a provider's" for the
// compliance and burden queries: exactly one must be named (a provider
// caller may name neither: its own).
func (m *ReadModel) providersInScope(p auth.Principal, consortium, providerID string) ([]string, error) {
	if providerID == "" && consortium == "" {
		providerID = provider(p)
	}
	if (consortium == "") == (providerID == "") {
		return nil, domainerr.Field("consortium", "name a consortium or a provider, not both")
	}
	if providerID != "" {
		ok := p.OrgKind() == auth.OrgPlatform || provider(p) == providerID || m.providerConsortia[providerID][lead(p)]
		if !ok || len(m.providerSettings[providerID]) == 0 && m.providerConsortia[providerID] == nil {
			return nil, domainerr.Missing("provider", "there is no provider %s that you may see", providerID)
		}
		return []string{providerID}, nil
	}
	c, err := m.consortiumFor(p, consortium)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(c.providers))
	for id := range c.providers {
		out = append(out, id)
	}
	sort.Strings(out)
	return out, nil
}

// ListReturnCompliance lists, over the last months, the returns that are
// missing (expected because a child was placed there, not filed, past due)
// and those filed late.
func (s *Service) ListReturnCompliance(ctx context.Context, p auth.Principal, q *monitoringv1.ListReturnComplianceRequest) (*monitoringv1.ReturnCompliance, error) {
	now := s.now()
	today := domain.ParseDate(domain.Today(now))
	months := int(q.GetMonths())
	if months == 0 {
		months = 12
	}
	out := &monitoringv1.ReturnCompliance{AsOf: domain.Today(now)}
	pos, err := s.read(ctx, q.GetMinPosition(), func(m *ReadModel) error {
		providers, err := m.providersInScope(p, q.GetConsortium(), q.GetProviderId())
		if err != nil {
			return err
		}
		cur := domain.MonthOf(today)
		for _, pid := range providers {
			due := m.dueDays(pid)
			for _, urn := range m.providerSettings[pid] {
				st := m.settings[urn]
				for mo := cur - domain.Month(months); mo < cur; mo++ {
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
		if ret := st.returns[mo.String()]; ret != nil {
			sub := ret.GetSubmittedAt().AsTime()
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

// dueDays is the working days a provider's returns are due after the
// month's end: the strictest policy among its consortia.
func (m *ReadModel) dueDays(provider string) int {
	due := 0
	for c := range m.providerConsortia[provider] {
		if d := int(m.policy(c).GetReturnDueWorkingDays()); d > 0 && (due == 0 || d < due) {
			due = d
		}
	}
	if due == 0 {
		return domain.DefaultDueWorkingDays
	}
	return due
}

// GetMonitoringBurden compares the returns providers filed with the returns
// they would have filed had each council placing at a setting asked for its
// own that month.
func (s *Service) GetMonitoringBurden(ctx context.Context, p auth.Principal, q *monitoringv1.GetMonitoringBurdenRequest) (*monitoringv1.MonitoringBurden, error) {
	out := &monitoringv1.MonitoringBurden{Total: &monitoringv1.ProviderBurden{}}
	pos, err := s.read(ctx, q.GetMinPosition(), func(m *ReadModel) error {
		providers, err := m.providersInScope(p, q.GetConsortium(), q.GetProviderId())
		if err != nil {
			return err
		}
		for _, pid := range providers {
			b := &monitoringv1.ProviderBurden{ProviderId: pid, ProviderName: m.providerNames[pid]}
			for _, urn := range m.providerSettings[pid] {
				ev := &m.settings[urn].evidence
				for i, f := range ev.Months {
					if f.Filed {
						b.ReturnsFiled++
						b.ReturnsIfPerCouncil += uint32(len(ev.CouncilsIn(ev.First + domain.Month(i))))
					}
				}
			}
			finishBurden(b)
			if b.ReturnsFiled > 0 {
				out.Providers = append(out.Providers, b)
			}
			out.Total.ReturnsFiled += b.ReturnsFiled
			out.Total.ReturnsIfPerCouncil += b.ReturnsIfPerCouncil
		}
		finishBurden(out.Total)
		return nil
	})
	out.Position = pos
	return out, err
}

func finishBurden(b *monitoringv1.ProviderBurden) {
	if b.ReturnsIfPerCouncil > b.ReturnsFiled {
		b.ReturnsSaved = b.ReturnsIfPerCouncil - b.ReturnsFiled
	}
	if b.ReturnsFiled > 0 {
		b.CouncilsPerReturn = float64(b.ReturnsIfPerCouncil) / float64(b.ReturnsFiled)
	}
}
