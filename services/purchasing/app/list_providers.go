package app

import (
	"context"
	"strconv"
	"strings"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// DefaultPageSize is the page size when a list request gives none.
const DefaultPageSize = 100

// pageArgs reads a list request's page size (0: DefaultPageSize) and page
// token, a place in the list's order as a previous answer gave it (none:
// from).
func pageArgs(pageSize uint32, pageToken string, from int) (int, uint32, error) {
	if pageToken != "" {
		n, err := strconv.Atoi(pageToken)
		if err != nil || n < 0 {
			return 0, 0, domainerr.Field("page_token", "%q is not a page token from a previous answer", pageToken)
		}
		from = n
	}
	if pageSize == 0 {
		pageSize = DefaultPageSize
	}
	return from, pageSize, nil
}

// ListProviders lists registered providers in registration order, filtered
// by name; a provider sees only itself.
func (s *Service) ListProviders(ctx context.Context, p auth.Principal, nameContains string, pageSize uint32, pageToken string, minPosition uint64) (*purchasingv1.ListProvidersResponse, error) {
	start, pageSize, err := pageArgs(pageSize, pageToken, 0)
	if err != nil {
		return nil, err
	}
	needle := strings.ToLower(nameContains)
	out := &purchasingv1.ListProvidersResponse{}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		today := domain.FormatDate(domain.Today(m.now()))
		seen := 0
		for i, id := range m.providerOrder {
			pr := m.providers[id]
			if !canSeeProvider(p, id) || (needle != "" && !strings.Contains(strings.ToLower(pr.profile.GetLegalName()+"\x00"+pr.profile.GetTradingName()), needle)) {
				continue
			}
			if i < start {
				continue
			}
			if seen == int(pageSize) {
				out.NextPageToken = strconv.Itoa(i)
				break
			}
			seen++
			sum := &purchasingv1.ProviderSummary{ProviderId: id, LegalName: pr.profile.GetLegalName(), TradingName: pr.profile.GetTradingName(),
				AccreditationExpired: pr.accreditationExpired(today)}
			for _, st := range pr.settings {
				if !st.removed {
					sum.Settings++
					sum.RegisteredPlaces += st.setting.GetRegisteredPlaces()
					sum.FreePlaces += st.free()
				}
			}
			out.Providers = append(out.Providers, sum)
		}
		return nil
	})
	out.Position = pos
	return out, err
}
