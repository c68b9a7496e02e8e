package app

import (
	"context"
	"sync"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/notify/channel"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// deliver hands a cause's pending notifications to the channel, several at
// once, and records every outcome in one commit. What was recorded as sent
// is never handed over again; a crash between the hand-over and the record
// hands those over once more when the event is redelivered (the channel's
// reference is the notification id, so the copies can be traced).
func (s *Service) deliver(ctx context.Context, sid eventstore.StreamID, meta eventstore.Metadata) error {
	loaded, err := s.causes.Load(ctx, sid)
	if err != nil {
		return err
	}
	pending := loaded.State.Pending(s.now())
	if len(pending) == 0 {
		return nil
	}
	out := make([]domain.Delivery, len(pending))
	s.each(len(pending), func(i int) { out[i] = s.send(ctx, pending[i]) })
	if ctx.Err() != nil {
		return ctx.Err() // stopping: not the channel's failure; redelivery sends the rest
	}
	meta.RequestID, meta.OccurredAt = "", s.now()
	_, err = handle(ctx, s.causes, sid, meta, func(st domain.CauseState) ([]proto.Message, error) {
		return domain.DecideDeliveries(st, out)
	})
	return err
}

func (s *Service) send(ctx context.Context, d *notifyv1.NotificationDecided) domain.Delivery {
	res := domain.Delivery{NotificationID: d.GetNotificationId(), Channel: s.channel.Kind()}
	t, ok := domain.TemplateByID(d.GetTemplate())
	if !ok {
		return res
	}
	p := domain.Personalisation(d)
	subject, body, err := t.Render(p)
	if err != nil {
		res.Err = err
		return res
	}
	r, err := s.channel.Send(ctx, channel.Message{NotificationID: d.GetNotificationId(), To: d.GetRecipient().GetEmail(), Name: d.GetRecipient().GetName(),
		Template: d.GetTemplate(), Subject: subject, Body: body, Personalisation: p})
	res.Reference, res.Attempts, res.Err = r.Reference, r.Attempts, err
	if err != nil {
		s.log.Warn("notify: delivery failed", zap.String("notification", d.GetNotificationId()), zap.String("template", d.GetTemplate()), zap.Error(err))
	}
	return res
}

// each calls fn(0) … fn(n-1), at most s.parallel at a time (a channel's
// round trips overlap; its rate limit is not run into), and returns when
// every call has.
func (s *Service) each(n int, fn func(i int)) {
	sem := make(chan struct{}, s.parallel)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			fn(i)
		}()
	}
	wg.Wait()
}
