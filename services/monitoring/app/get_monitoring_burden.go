package app

import (
	"context"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// GetMonitoringBurden compares the returns providers filed with the returns
// they would have filed had each council placing at a setting asked for its
// own that month.
func (s *Service) GetMonitoringBurden(ctx context.Context, p auth.Principal, consortium, providerID string, minPosition uint64) (*monitoringv1.MonitoringBurden, error) {
	out := &monitoringv1.MonitoringBurden{Total: &monitoringv1.ProviderBurden{}}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		providers, err := m.providersInScope(p, consortium, providerID)
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
