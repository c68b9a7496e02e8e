package app

import (
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// settingFacts are what a setting's commands need from the read model; a
// setting purchasing's register does not know is NOT_FOUND.
func (s *Service) settingFacts(p auth.Principal, urn string) (domain.SettingFacts, int, error) {
	m := s.model
	m.mu.RLock()
	defer m.mu.RUnlock()
	st := m.settings[urn]
	if st == nil || st.providerID == "" {
		return domain.SettingFacts{}, 0, domainerr.Missing("setting", "there is no setting %s on the provider register", urn)
	}
	// One return serves every consortium: it is due by the strictest of
	// their policies.
	due := 0
	for c := range m.providerConsortia[st.providerID] {
		if d := int(m.policy(c).GetReturnDueWorkingDays()); d > 0 && (due == 0 || d < due) {
			due = d
		}
	}
	if due == 0 {
		due = domain.DefaultDueWorkingDays
	}
	return domain.SettingFacts{URN: urn, ProviderID: st.providerID, CouncilPlaces: m.placedAt(council(p), urn)}, due, nil
}
