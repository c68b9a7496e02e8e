package app

import (
	"context"
	"sort"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// ListRiskLevels lists recorded risk levels with their reasons: a
// consortium's providers for its lead, member councils and the platform; a
// provider's own, under every consortium that assesses it.
func (s *Service) ListRiskLevels(ctx context.Context, p auth.Principal, consortium, providerID string, atLeast monitoringv1.RiskLevel, minPosition uint64) (*monitoringv1.ListRiskLevelsResponse, error) {
	out := &monitoringv1.ListRiskLevelsResponse{}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		var consortia []*consortiumRM
		if own := provider(p); own != "" {
			if providerID != "" && providerID != own {
				return domainerr.Missing("provider", "there is no provider %s that you may see", providerID)
			}
			for slug := range m.providerConsortia[own] {
				if consortium == "" || consortium == slug {
					consortia = append(consortia, m.consortia[slug])
				}
			}
			providerID = own
		} else {
			c, err := m.consortiumFor(p, consortium)
			if err != nil {
				return err
			}
			consortia = []*consortiumRM{c}
		}
		for _, c := range consortia {
			for pid := range c.providers {
				if providerID != "" && pid != providerID {
					continue
				}
				if r := m.providerRisk(c, pid); r.GetLevel() >= atLeast {
					out.Providers = append(out.Providers, r)
				}
			}
		}
		sort.Slice(out.Providers, func(i, j int) bool {
			a, b := out.Providers[i], out.Providers[j]
			if a.GetLevel() != b.GetLevel() {
				return a.GetLevel() > b.GetLevel()
			}
			if a.GetConsortium() != b.GetConsortium() {
				return a.GetConsortium() < b.GetConsortium()
			}
			return a.GetProviderId() < b.GetProviderId()
		})
		return nil
	})
	out.Position = pos
	return out, err
}

func (m *ReadModel) providerRisk(c *consortiumRM, pid string) *monitoringv1.ProviderRisk {
	out := &monitoringv1.ProviderRisk{Consortium: c.slug, ProviderId: pid, ProviderName: m.providerNames[pid], Level: domain.Green}
	r := c.risk[pid]
	if r == nil {
		return out
	}
	if r.provider != nil {
		out.Level, out.Reasons, out.ChangedAt = r.provider.GetTo(), r.provider.GetReasons(), r.provider.GetAssessedAt()
	}
	out.Suspended = r.suspended
	for urn, e := range r.settings {
		out.Settings = append(out.Settings, &monitoringv1.SettingRisk{Urn: urn, Level: e.GetTo(), Reasons: e.GetReasons()})
	}
	sort.Slice(out.Settings, func(i, j int) bool { return out.Settings[i].GetUrn() < out.Settings[j].GetUrn() })
	return out
}
