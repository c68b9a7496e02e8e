package app

import (
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// settingFacts are what a setting's commands need from the read model; a
// setting purchasing's register does not know is NOT_FOUND. The register is
// public (a council records a placement at any registered home); evidence
// and returns use visibleSettingFacts.
func (s *Service) settingFacts(p auth.Principal, urn string) (domain.SettingFacts, int, error) {
	m := s.model
	m.mu.RLock()
	defer m.mu.RUnlock()
	st := m.settings[urn]
	if st == nil || st.providerID == "" {
		return domain.SettingFacts{}, 0, domainerr.Missing("setting", "there is no setting %s on the provider register", urn)
	}
	// One return serves every consortium: due by the strictest policy.
	return domain.SettingFacts{URN: urn, ProviderID: st.providerID, CouncilPlaces: m.placedAt(council(p), urn),
		LeadWorksWith: lead(p) != "" && m.providerConsortia[st.providerID][lead(p)]}, m.dueDays(st.providerID), nil
}

// visibleSettingFacts is settingFacts for commands about a setting's own
// record — returns and quality evidence: a caller who may not see the
// setting is told it does not exist, before any rule is checked.
func (s *Service) visibleSettingFacts(p auth.Principal, urn string) (domain.SettingFacts, int, error) {
	s.model.mu.RLock()
	_, err := s.model.visibleSetting(p, urn)
	s.model.mu.RUnlock()
	if err != nil {
		return domain.SettingFacts{}, 0, err
	}
	return s.settingFacts(p, urn)
}
