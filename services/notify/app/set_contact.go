package app

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/carecoop/carecoop/services/notify/domain"
)

// SetContact adds or changes a person an organisation wants told, by email.
func (s *Service) SetContact(ctx context.Context, r Request, organisation, name, email string, roles []string, subject string) (Result, error) {
	org, err := orgOf(r.Principal, organisation)
	if err != nil {
		return Result{}, err
	}
	return handleRequest(ctx, s.directories, r, stream(DirectoryAggregate, domain.OrgStreamID(org)), s.now(), func(st domain.DirectoryState) ([]proto.Message, error) {
		return domain.DecideSetContact(st, domain.SetContact{Actor: actorOf(r), Organisation: org, Name: name, Email: email, Roles: roles, Subject: subject})
	})
}
