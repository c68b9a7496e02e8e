package app

import (
	"context"
	"sort"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
)

// ListContracts lists the contracts the caller may see: a lead its
// consortium's, a council its placements and the frameworks it may call
// off, a provider its own, the platform any; filtered as asked.
func (s *Service) ListContracts(ctx context.Context, p auth.Principal, q *monitoringv1.ListContractsRequest) (*monitoringv1.ListContractsResponse, error) {
	out := &monitoringv1.ListContractsResponse{}
	pos, err := s.read(ctx, q.GetMinPosition(), func(m *ReadModel) error {
		for _, c := range m.contracts {
			switch {
			case !m.canSeeContract(p, c),
				q.GetConsortium() != "" && c.c.GetConsortium() != q.GetConsortium(),
				q.GetProviderId() != "" && c.c.GetProviderId() != q.GetProviderId(),
				q.GetSettingUrn() != "" && c.c.GetSettingUrn() != q.GetSettingUrn(),
				q.GetLiveOnly() && c.ended != nil:
				continue
			}
			out.Contracts = append(out.Contracts, m.contractView(p, c))
		}
		sort.Slice(out.Contracts, func(i, j int) bool {
			a, b := out.Contracts[i], out.Contracts[j]
			if a.GetStartDate() != b.GetStartDate() {
				return a.GetStartDate() > b.GetStartDate()
			}
			return a.GetContractId() < b.GetContractId()
		})
		return nil
	})
	out.Position = pos
	return out, err
}

// GetContract returns one contract; outcomes only to the placing council,
// its consortium's lead and the platform.
func (s *Service) GetContract(ctx context.Context, p auth.Principal, q *monitoringv1.GetContractRequest) (*monitoringv1.Contract, error) {
	var out *monitoringv1.Contract
	_, err := s.read(ctx, q.GetMinPosition(), func(m *ReadModel) error {
		c := m.contracts[q.GetContractId()]
		if c == nil || !m.canSeeContract(p, c) {
			return domainerr.Missing("contract", "there is no contract %s that you may see", q.GetContractId())
		}
		out = m.contractView(p, c)
		return nil
	})
	return out, err
}

func (m *ReadModel) contractView(p auth.Principal, c *contractRM) *monitoringv1.Contract {
	st := c.c
	v := &monitoringv1.Contract{
		ContractId: st.GetContractId(), Kind: st.GetKind(), Status: monitoringv1.ContractStatus_CONTRACT_STATUS_LIVE,
		Consortium: st.GetConsortium(), Council: st.GetCouncil(), ProviderId: st.GetProviderId(), ProviderName: m.providerNames[st.GetProviderId()],
		SettingUrn: st.GetSettingUrn(), StartDate: st.GetStartDate(), ExpectedEndDate: st.GetExpectedEndDate(), WeeklyPricePence: st.GetWeeklyPricePence(),
		PlacementId: st.GetPlacementId(), FrameworkId: st.GetFrameworkId(), LotId: st.GetLotId(), CategoryId: st.GetCategoryId(),
		MemberCouncils: st.GetMemberCouncils(), Version: c.version, Source: st.GetSource(),
	}
	if c.ended != nil {
		v.Status, v.EndDate, v.EndReasonCode = monitoringv1.ContractStatus_CONTRACT_STATUS_ENDED, c.ended.GetEndDate(), c.ended.GetReasonCode()
	}
	if p.OrgKind() == auth.OrgPlatform || council(p) == st.GetCouncil() || lead(p) == st.GetConsortium() {
		for _, o := range c.outcomes {
			v.Outcomes = append(v.Outcomes, &monitoringv1.Outcome{Point: o.GetPoint(), RecordedOn: o.GetRecordedOn(), Scores: proto.Clone(o.GetScores()).(*monitoringv1.OutcomeScores)})
		}
	}
	return v
}
