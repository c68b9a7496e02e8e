package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// DeclineBlockContract is the provider's no to a reservation, with a reason.
func (b *BlockContracts) DeclineBlockContract(ctx context.Context, r Request, contractID, reason string) (Result, error) {
	return b.onBlk(ctx, r, contractID, func(a domain.Actor, now time.Time) domain.BlkCommand {
		return domain.BlkDecline{Actor: a, Now: now, Reason: reason}
	})
}
