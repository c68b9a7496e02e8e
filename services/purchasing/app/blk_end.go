package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// EndBlockContract ends a contract early: its buyer reserves no places
// after endsOn.
func (b *BlockContracts) EndBlockContract(ctx context.Context, r Request, contractID, endsOn, reason string) (Result, error) {
	return b.onBlk(ctx, r, contractID, func(a domain.Actor, now time.Time) domain.BlkCommand {
		return domain.BlkEnd{Actor: a, Now: now, EndsOn: endsOn, Reason: reason}
	})
}
