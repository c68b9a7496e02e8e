package app

import (
	"sort"

	"github.com/carecoop/carecoop/services/kit/auth"
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
