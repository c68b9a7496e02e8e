package app

import (
	"context"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ListBlockContracts lists the contracts p may see, newest first.
func (b *BlockContracts) ListBlockContracts(ctx context.Context, p auth.Principal, minPosition uint64) (*purchasingv1.ListBlockContractsResponse, error) {
	out := &purchasingv1.ListBlockContractsResponse{}
	_, err := b.read(ctx, minPosition, func(m *blkModel) error {
		for i := len(m.order) - 1; i >= 0; i-- {
			if c := m.contracts[m.order[i]]; blkSees(p, c.reserved) {
				out.Contracts = append(out.Contracts, c.view())
			}
		}
		return nil
	})
	return out, err
}
