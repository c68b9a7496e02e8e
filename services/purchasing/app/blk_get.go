package app

import (
	"context"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// GetBlockContract reads one contract its buyer, provider, consortium lead
// or the platform may see.
func (b *BlockContracts) GetBlockContract(ctx context.Context, p auth.Principal, contractID string, minPosition uint64) (*purchasingv1.BlockContractView, error) {
	var out *purchasingv1.BlockContractView
	_, err := b.read(ctx, minPosition, func(m *blkModel) error {
		c := m.contracts[contractID]
		if c == nil || !blkSees(p, c.reserved) {
			return notFound("block contract", contractID)
		}
		out = c.view()
		return nil
	})
	return out, err
}
