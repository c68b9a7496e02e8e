package app

import (
	"cmp"
	"context"
	"math"
	"slices"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/geo"
)

// ListVacancies lists free places, nearest first when near is given; a
// provider sees only its own.
func (s *Service) ListVacancies(ctx context.Context, p auth.Principal, near string, withinMiles uint32, settingType purchasingv1.SettingType, pageSize uint32, minPosition uint64) (*purchasingv1.ListVacanciesResponse, error) {
	var home geo.Outcode
	if near != "" {
		var ok bool
		if home, ok = geo.Lookup(near); !ok {
			return nil, domainerr.Field("near_outcode", "unknown outcode %q", near)
		}
	}
	if pageSize == 0 {
		pageSize = DefaultPageSize
	}
	out := &purchasingv1.ListVacanciesResponse{}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		for _, id := range m.providerOrder {
			pr := m.providers[id]
			if !canSeeProvider(p, id) {
				continue
			}
			for _, urn := range pr.settingOrder {
				st := pr.settings[urn]
				if st.free() == 0 || (settingType != 0 && st.setting.GetType() != settingType) {
					continue
				}
				v := &purchasingv1.Vacancy{ProviderId: id, ProviderName: pr.name(), SettingUrn: urn, SettingName: st.setting.GetName(),
					SettingType: st.setting.GetType(), Outcode: st.setting.GetOutcode(), FreePlaces: st.free(), AvailableFrom: st.from,
					OfstedGrade: st.setting.GetOfstedGrade()}
				if near != "" {
					v.DistanceMiles = math.Round(geo.DistanceMiles(home, st.loc)*10) / 10
					if withinMiles > 0 && v.DistanceMiles > float64(withinMiles) {
						continue
					}
				}
				out.Vacancies = append(out.Vacancies, v)
			}
		}
		return nil
	})
	if near != "" {
		slices.SortStableFunc(out.Vacancies, func(a, b *purchasingv1.Vacancy) int { return cmp.Compare(a.GetDistanceMiles(), b.GetDistanceMiles()) })
	}
	if len(out.Vacancies) > int(pageSize) {
		out.Vacancies = out.Vacancies[:pageSize]
	}
	out.Position = pos
	return out, err
}
