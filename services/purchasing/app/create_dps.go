package app

import (
	"context"
	"time"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/purchasing/domain"
)

// CreateDps creates a DPS for the caller's consortium; its id is derived
// from the caller's organisation and the request id.
func (s *Service) CreateDps(ctx context.Context, r Request, terms *purchasingv1.DpsTerms) (Result, error) {
	id := derivedID("dps-", r.Principal.Organisation, r.RequestID)
	return s.onDps(ctx, r, id, func(a domain.Actor, now time.Time) domain.DpsCommand {
		return domain.CreateDps{Actor: a, Now: now, DpsID: id, Terms: terms}
	})
}
