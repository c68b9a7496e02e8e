package app

import (
	"context"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// GetBlockUtilisation reports a contract's places used and empty, and what
// empty places cost, per week of its term up to today. A contract the
// provider never accepted reserved nothing, so it has no weeks.
func (b *BlockContracts) GetBlockUtilisation(ctx context.Context, p auth.Principal, contractID string, minPosition uint64) (*purchasingv1.BlockUtilisation, error) {
	var out *purchasingv1.BlockUtilisation
	today := domain.FormatDate(domain.Today(b.s.now()))
	_, err := b.read(ctx, minPosition, func(m *blkModel) error {
		c := m.contracts[contractID]
		if c == nil || !blkSees(p, c.reserved) {
			return notFound("block contract", contractID)
		}
		out = &purchasingv1.BlockUtilisation{ContractId: contractID, Kind: c.reserved.GetKind(), Placements: uint32(len(c.stays))}
		if !c.accepted {
			return nil
		}
		stays := make([]domain.BlkStay, len(c.stays))
		for i, s := range c.stays {
			stays[i] = s.BlkStay
		}
		out.Weeks = domain.BlkWeeks(c.reserved, c.endsOn, stays, c.offered, today)
		for _, w := range out.Weeks {
			out.UsedPlaceDays += w.GetUsedPlaceDays()
			out.EmptyPlaceDays += w.GetEmptyPlaceDays()
			out.EmptyCostPence += w.GetEmptyCostPence()
			out.OfferedFirst += w.GetOfferedFirst()
		}
		return nil
	})
	return out, err
}
