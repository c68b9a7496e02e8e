package app

import (
	"context"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// GetAgreement is one agreement, for whoever may see it.
func (a *Agreements) GetAgreement(ctx context.Context, p auth.Principal, agreementID string, minPosition uint64) (*purchasingv1.AgreementView, error) {
	var v *purchasingv1.AgreementView
	pos, err := a.read(ctx, minPosition, func(m *agrModel) error {
		r := m.byID[agreementID]
		if r == nil || !r.state.Exists() || !agrCanSee(p, r.state) {
			return notFound("agreement", agreementID)
		}
		v = agrView(r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	v.Position = pos
	return v, nil
}
