package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/demand/domain"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// SetDisclosurePolicy sets the caller's consortium's suppression threshold.
func (s *Service) SetDisclosurePolicy(ctx context.Context, r Request, threshold, minProviders uint32, reason string) (Result, error) {
	stream := eventstore.StreamID{Context: Context, Aggregate: PolicyAggregate, ID: r.Principal.OrgID()}
	return handle(ctx, s.policies, r, stream, s.now(), func(st domain.PolicyState) ([]proto.Message, error) {
		return domain.DecidePolicy(st, domain.SetDisclosurePolicy{Actor: actorOf(r), Threshold: threshold, MinPriceProviders: minProviders, Reason: reason})
	})
}
