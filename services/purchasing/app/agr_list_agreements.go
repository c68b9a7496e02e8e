package app

import (
	"context"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ListAgreements: a council's own, a provider's own, a consortium's
// through it, every one for the platform; oldest first.
func (a *Agreements) ListAgreements(ctx context.Context, p auth.Principal, minPosition uint64) (*purchasingv1.ListAgreementsResponse, error) {
	out := &purchasingv1.ListAgreementsResponse{}
	pos, err := a.read(ctx, minPosition, func(m *agrModel) error {
		for _, r := range m.visible(p) {
			out.Agreements = append(out.Agreements, agrView(r))
		}
		return nil
	})
	out.Position = pos
	return out, err
}
