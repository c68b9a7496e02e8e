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
	// One return serves every consortium: due by the strictest policy.
	return domain.SettingFacts{URN: urn, ProviderID: st.providerID, CouncilPlaces: m.placedAt(council(p), urn)}, m.dueDays(st.providerID), nil
}
