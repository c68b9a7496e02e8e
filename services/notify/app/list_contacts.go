package app

import (
	"context"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
)

// ListContacts is an organisation's people to tell: a provider's
// registered contacts and those its admin added.
func (s *Service) ListContacts(ctx context.Context, p auth.Principal, organisation string, minPosition uint64) (*notifyv1.ListContactsResponse, error) {
	out := &notifyv1.ListContactsResponse{}
	org, err := orgOf(p, organisation)
	if err != nil {
		return nil, err
	}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		out.Contacts = m.contacts(org)
		out.Version = m.dirVersion[org]
		return nil
	})
	out.Position = pos
	return out, err
}
