package app

import (
	"context"
	"time"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
)

// RequestPriceUplift asks for a new weekly price for the calling provider on a lot.
func (s *Service) RequestPriceUplift(ctx context.Context, r Request, frameworkID, lotID string, requestedWeeklyPence int64, effectiveFrom, justification string) (Result, error) {
	res, events, err := s.execute(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.RequestPriceUplift{Actor: a, Now: now, LotID: lotID, RequestedWeeklyPence: requestedWeeklyPence, EffectiveFrom: effectiveFrom, Justification: justification}
	})
	for _, e := range events {
		if u, ok := e.(*frameworkv1.PriceUpliftRequested); ok {
			res.UpliftID = u.GetUpliftId()
		}
	}
	return res, err
}
