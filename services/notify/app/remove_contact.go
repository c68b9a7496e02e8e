package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/notify/domain"
)

// RemoveContact removes a person its organisation's admin added.
func (s *Service) RemoveContact(ctx context.Context, r Request, organisation, email string) (Result, error) {
	org, err := orgOf(r.Principal, organisation)
	if err != nil {
		return Result{}, err
	}
	return handleRequest(ctx, s.directories, r, stream(DirectoryAggregate, domain.OrgStreamID(org)), s.now(), func(st domain.DirectoryState) ([]proto.Message, error) {
		return domain.DecideRemoveContact(st, domain.RemoveContact{Actor: actorOf(r), Organisation: org, Email: email})
	})
}
