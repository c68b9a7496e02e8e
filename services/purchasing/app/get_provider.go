package app

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// GetProvider returns a provider's profile, settings with their free places
// and accreditations with expired ones flagged.
func (s *Service) GetProvider(ctx context.Context, p auth.Principal, providerID string, minPosition uint64) (*purchasingv1.ProviderView, error) {
	var out *purchasingv1.ProviderView
	_, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		pr := m.providers[providerID]
		if pr == nil || !canSeeProvider(p, providerID) {
			return notFound("provider", providerID)
		}
		out = m.providerView(pr)
		return nil
	})
	return out, err
}

func (m *ReadModel) providerView(pr *providerRM) *purchasingv1.ProviderView {
	now := m.now()
	v := &purchasingv1.ProviderView{ProviderId: pr.id, Profile: clone(pr.profile), RegisteredAt: timestamppb.New(pr.registeredAt), Version: pr.version}
	for _, urn := range pr.settingOrder {
		st := pr.settings[urn]
		v.Settings = append(v.Settings, &purchasingv1.SettingView{Setting: clone(st.setting), FreePlaces: st.free(), AvailableFrom: st.from, Removed: st.removed})
	}
	for k := purchasingv1.AccreditationKind(1); int(k) < len(purchasingv1.AccreditationKind_name); k++ {
		if a := pr.accreditations[k]; a != nil {
			exp := domain.Expired(a, now)
			v.Accreditations = append(v.Accreditations, &purchasingv1.AccreditationView{Accreditation: clone(a), Expired: exp})
			v.AccreditationExpired = v.AccreditationExpired || exp
		}
	}
	return v
}
