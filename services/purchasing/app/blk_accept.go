package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// AcceptBlockContract is the provider's yes to a reservation: from then its
// reserved places are offered first to the buyer's referrals.
func (b *BlockContracts) AcceptBlockContract(ctx context.Context, r Request, contractID, reason string) (Result, error) {
	return b.onBlk(ctx, r, contractID, func(a domain.Actor, now time.Time) domain.BlkCommand {
		return domain.BlkAccept{Actor: a, Now: now, Reason: reason}
	})
}
