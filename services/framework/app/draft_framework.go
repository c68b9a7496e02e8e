package app

import (
	"context"
	"time"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/framework/domain"
)

// DraftFramework creates a framework for the caller's consortium. Its id is
// derived from the caller's organisation and the request id.
func (s *Service) DraftFramework(ctx context.Context, r Request, terms *frameworkv1.FrameworkTerms) (Result, error) {
	id := newFrameworkID(r.Principal.Organisation, r.RequestID)
	return s.run(ctx, r, id, func(a domain.Actor, now time.Time) domain.Command {
		return domain.DraftFramework{Actor: a, Now: now, FrameworkID: id, Terms: terms}
	})
}
