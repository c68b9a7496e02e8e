package app

import (
	"context"

	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// ProposeVariation proposes a new version of an agreement in force: a new
// weekly price from a date, a new end date, or both. Both parties accept it
// again; until they do, the version in force stands.
func (a *Agreements) ProposeVariation(ctx context.Context, r Request, agreementID string, newWeeklyPrice int64, priceFrom, endDate, reason string) (AgreementResult, error) {
	return a.agrOn(ctx, r, agreementID, func(act domain.Actor, _ domain.AgreementState) domain.AgreementCommand {
		return domain.ProposeVariation{Actor: act, Now: a.svc.now(), NewWeeklyPrice: newWeeklyPrice, PriceFrom: priceFrom, EndDate: endDate, Reason: reason}
	})
}
