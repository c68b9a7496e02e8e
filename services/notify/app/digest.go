package app

import (
	"context"
	"strconv"
	"time"

	"google.golang.org/protobuf/proto"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/calendar"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/notify/channel"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// DigestHour is the hour (UTC) from which a day's digests go out.
const DigestHour = 7

type heldFor struct {
	recipient *notifyv1.Recipient
	ids       []string
	// quiet: the person's quiet hours hold now; their digest waits for a
	// later sweep that day.
	quiet bool
}

// SendDigests sends each person holding notifications one message saying
// how many there are and linking to their notifications page, at most once
// a day, and not in their quiet hours (a later sweep that day sends it) (the day's digest is a stream that records it once). Replicas may
// both run it: the second finds the day's digest recorded, though a
// message handed over by both at the same moment may go twice.
func (s *Service) SendDigests(ctx context.Context) error {
	if err := s.caughtUp(ctx); err != nil {
		return err
	}
	now := s.now()
	date := calendar.DateOf(now).Format(time.DateOnly)
	s.model.mu.RLock()
	var people []heldFor
	index := map[string]int{}
	for _, n := range s.model.notes {
		if n.status != notifyv1.DeliveryStatus_DELIVERY_STATUS_HELD_FOR_DIGEST {
			continue
		}
		d := n.decided()
		r := d.GetRecipient()
		k := personKey(r.GetOrganisation(), r.GetPersonId())
		i, ok := index[k]
		if !ok {
			i = len(people)
			index[k] = i
			quiet := !domain.QuietUntil(s.model.prefs[k].GetQuietHours(), now).IsZero()
			people = append(people, heldFor{recipient: r, quiet: quiet})
		}
		people[i].ids = append(people[i].ids, d.GetNotificationId())
	}
	s.model.mu.RUnlock()
	t, _ := domain.TemplateByID(domain.TDailyDigest)
	for _, p := range people {
		if p.quiet {
			continue
		}
		sid := stream(DigestAggregate, domain.DigestStreamID(p.recipient.GetOrganisation(), p.recipient.GetPersonId(), date))
		loaded, err := s.digests.Load(ctx, sid)
		if err != nil {
			return err
		}
		if loaded.State.Sent {
			continue
		}
		vals := map[string]string{"count": strconv.Itoa(len(p.ids)), "date": date, "link": s.portalURL + "/notifications"}
		subject, body, err := t.Render(vals)
		if err != nil {
			return err
		}
		id := domain.NotificationID("digest-"+date, p.recipient.GetOrganisation(), p.recipient.GetPersonId(), t.ID)
		res, sendErr := s.channel.Send(ctx, channel.Message{NotificationID: id, To: p.recipient.GetEmail(), Name: p.recipient.GetName(), Template: t.ID,
			Subject: subject, Body: body, Personalisation: vals})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		meta := eventstore.Metadata{Actor: system, CorrelationID: "digest-" + date, OccurredAt: s.now()}
		if _, err := handle(ctx, s.digests, sid, meta, func(st domain.DigestState) ([]proto.Message, error) {
			return domain.DecideDigest(st, domain.DigestDay{Recipient: p.recipient, Date: date, NotificationIDs: p.ids, Channel: s.channel.Kind(), Reference: res.Reference, Link: vals["link"], Err: sendErr})
		}); err != nil {
			return err
		}
	}
	return nil
}
