package app

import (
	"context"

	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

// settingFacts are what a setting's commands need from the read model; a
// setting purchasing's register does not know is NOT_FOUND. The register is
// public (a council records a placement at any registered home); evidence
// and returns use visibleSettingFacts.
func (s *Service) settingFacts(ctx context.Context, p auth.Principal, urn string) (domain.SettingFacts, int, error) {
	if err := s.caughtUp(ctx); err != nil {
		return domain.SettingFacts{}, 0, err
	}
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
func (s *Service) visibleSettingFacts(ctx context.Context, p auth.Principal, urn string) (domain.SettingFacts, int, error) {
	if err := s.caughtUp(ctx); err != nil {
		return domain.SettingFacts{}, 0, err
	}
	s.model.mu.RLock()
	_, err := s.model.visibleSetting(p, urn)
	s.model.mu.RUnlock()
	if err != nil {
		return domain.SettingFacts{}, 0, err
	}
	return s.settingFacts(ctx, p, urn)
}

// visibleContract: a command on a contract the caller may not see is told it
// does not exist, before any rule is checked.
func (s *Service) visibleContract(ctx context.Context, p auth.Principal, id string) error {
	if err := s.caughtUp(ctx); err != nil {
		return err
	}
	s.model.mu.RLock()
	defer s.model.mu.RUnlock()
	if c := s.model.contracts[id]; c == nil || !s.model.canSeeContract(p, c) {
		return domainerr.Missing("contract", "there is no contract %s that you may see", id)
	}
	return nil
}

// caughtUp waits until the read model has applied every commit in the store
// at this moment, so a command's facts include what was committed just
// before it (a contract made by the reaction to an award, say).
func (s *Service) caughtUp(ctx context.Context) error {
	last, err := s.store.LastPosition(ctx)
	if err != nil {
		return err
	}
	return s.runner.WaitFor(ctx, last)
}
