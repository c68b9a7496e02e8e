package app

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// GetDecisionLog is the decision log of one cause: every notification it
// decided and what became of each, oldest first, with when, by whom and the
// causation (the event that caused them). The platform's people (admin,
// auditor) read all of it; anyone else only the entries about their own
// organisation's people, so no recipient of another organisation is shown.
// A cause with nothing the caller may see does not exist for them.
func (s *Service) GetDecisionLog(ctx context.Context, p auth.Principal, causeID string, minPosition uint64) (*notifyv1.GetDecisionLogResponse, error) {
	pos, err := s.read(ctx, minPosition, func(*ReadModel) error { return nil })
	if err != nil {
		return nil, err
	}
	missing := domainerr.Missing("cause_event_id", "there is no cause %s with notifications you may see", causeID)
	events, err := s.store.ReadStream(ctx, stream(CauseAggregate, eventstore.ComposeID(causeID)))
	if err != nil {
		return nil, err
	}
	all := p.OrgKind() == auth.OrgPlatform
	orgOf := map[string]string{} // notification id → its recipient's organisation
	out := &notifyv1.GetDecisionLogResponse{Position: pos}
	for _, e := range events {
		id, summary := logEntry(e.Event)
		if d, ok := e.Event.(*notifyv1.NotificationDecided); ok {
			orgOf[id] = d.GetRecipient().GetOrganisation()
		}
		if !all && orgOf[id] != p.Organisation {
			continue
		}
		out.Decisions = append(out.Decisions, &notifyv1.Decision{
			Position: e.Position, Version: e.Version, OccurredAt: timestamppb.New(e.OccurredAt),
			Actor:    &notifyv1.Actor{Subject: e.Actor.Subject, Organisation: e.Actor.Organisation, Role: e.Actor.Role},
			Decision: string(e.Event.ProtoReflect().Descriptor().Name()), Summary: summary, NotificationId: id,
			EventId: e.EventID, CorrelationId: e.CorrelationID, CausationId: e.CausationID,
		})
	}
	if len(out.Decisions) == 0 {
		return nil, missing
	}
	return out, nil
}

// channelName is a channel as people call it.
var channelName = map[notifyv1.Channel]string{
	notifyv1.Channel_CHANNEL_OUTBOX:       "the dev outbox",
	notifyv1.Channel_CHANNEL_GOVUK_NOTIFY: "GOV.UK Notify",
	notifyv1.Channel_CHANNEL_SMTP:         "SMTP",
}

// logEntry is the notification an event of a cause is about, and one line
// saying what was decided.
func logEntry(e any) (notificationID, summary string) {
	switch e := e.(type) {
	case *notifyv1.NotificationDecided:
		r := e.GetRecipient()
		s := fmt.Sprintf("%s decided for %s <%s> (%s)", e.GetTemplate(), r.GetName(), r.GetEmail(), r.GetOrganisation())
		switch {
		case e.GetHeldForDigest():
			s += ", held for the daily digest"
		case e.GetHeldUntil() != nil:
			s += ", held for quiet hours until " + e.GetHeldUntil().AsTime().UTC().Format(time.RFC3339)
		}
		return e.GetNotificationId(), s
	case *notifyv1.NotificationSent:
		return e.GetNotificationId(), fmt.Sprintf("sent through %s (reference %s), %d attempts", channelName[e.GetChannel()], e.GetChannelReference(), e.GetAttempts())
	case *notifyv1.NotificationFailed:
		return e.GetNotificationId(), fmt.Sprintf("failed through %s after %d attempts: %s", channelName[e.GetChannel()], e.GetAttempts(), e.GetError())
	case *notifyv1.NotificationDeliveryReported:
		if e.GetDelivered() {
			return e.GetNotificationId(), "delivered, says " + channelName[e.GetChannel()]
		}
		return e.GetNotificationId(), fmt.Sprintf("not delivered, says %s (%s): %s", channelName[e.GetChannel()], e.GetChannelStatus(), e.GetDetail())
	}
	return "", ""
}
