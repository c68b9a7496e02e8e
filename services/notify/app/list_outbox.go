package app

import (
	"context"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// ListOutbox is, in `carecoop dev` only, every message the stack would
// have sent, rendered, newest first: the portal shows it at /dev/outbox.
func (s *Service) ListOutbox(ctx context.Context, _ auth.Principal, organisation string, limit uint32, minPosition uint64) (*notifyv1.ListOutboxResponse, error) {
	if !s.dev {
		return nil, domainerr.Rule(domain.RuleOutboxDevOnly, "the outbox exists only in carecoop dev")
	}
	out := &notifyv1.ListOutboxResponse{}
	n := int(limit)
	if n == 0 {
		n = 500
	}
	pos, err := s.read(ctx, minPosition, func(m *ReadModel) error {
		for i := len(m.outbox) - 1; i >= 0 && len(out.Messages) < n; i-- {
			if d := m.outbox[i].digest; d != nil {
				if organisation == "" || d.GetRecipient().GetOrganisation() == organisation {
					out.Messages = append(out.Messages, d)
				}
				continue
			}
			note := m.notes[m.outbox[i].note]
			v := m.view(note)
			if organisation != "" && v.GetRecipient().GetOrganisation() != organisation {
				continue
			}
			out.Messages = append(out.Messages, &notifyv1.OutboxMessage{NotificationId: v.GetNotificationId(), Recipient: v.GetRecipient(), Template: v.GetTemplate(),
				Subject: v.GetSubject(), Body: v.GetBody(), Link: v.GetLink(), SentAt: v.GetSentAt(), CauseEventId: v.GetCauseEventId(), CauseType: v.GetCauseType()})
		}
		return nil
	})
	out.Position = pos
	return out, err
}
