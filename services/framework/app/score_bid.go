package app

import (
	"context"
	"time"

	"github.com/carecoop/carecoop/services/framework/domain"
)

// ScoreBid records the lead's quality score of a bid; price and total scores follow from the weighting.
func (s *Service) ScoreBid(ctx context.Context, r Request, frameworkID string, lotID, providerID string, qualityScore uint32, reason string) (Result, error) {
	return s.run(ctx, r, frameworkID, func(a domain.Actor, now time.Time) domain.Command {
		return domain.ScoreBid{Actor: a, Now: now, LotID: lotID, ProviderID: providerID, QualityScore: qualityScore, Reason: reason}
	})
}
