package app

import (
	"context"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/notify/channel"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// reportWindow is how long after sending a channel is asked what became of
// a message: GOV.UK Notify keeps a notification's status for 7 days.
const reportWindow = 7 * 24 * time.Hour

// CheckDeliveries asks a channel that can say (GOV.UK Notify) what became
// of each message it accepted in the last week and has not given its final
// word on, and records each final word once (NotificationDeliveryReported,
// one commit per cause): a message that never reached the inbox joins the
// platform admin's failures. The sweep calls it; a channel that cannot
// say is not asked, and a question the channel does not answer is asked
// again at the next sweep.
func (s *Service) CheckDeliveries(ctx context.Context) error {
	reader, ok := s.channel.(channel.StatusReader)
	if !ok {
		return nil
	}
	now, kind := s.now(), s.channel.Kind()
	type ask struct{ id, cause, ref string }
	var asks []ask
	s.model.mu.RLock()
	for id, n := range s.model.notes {
		if n.status == notifyv1.DeliveryStatus_DELIVERY_STATUS_SENT && n.channel == kind && n.reference != "" && now.Sub(n.sentAt) < reportWindow {
			asks = append(asks, ask{id: id, cause: n.decided().GetCauseEventId(), ref: n.reference})
		}
	}
	s.model.mu.RUnlock()
	slices.SortFunc(asks, func(a, b ask) int { return strings.Compare(a.cause+"|"+a.id, b.cause+"|"+b.id) })

	reports := make([]channel.Report, len(asks))
	s.each(len(asks), func(i int) {
		r, err := reader.DeliveryStatus(ctx, asks[i].ref)
		if err != nil {
			s.log.Warn("notify: asking the channel what became of a message", zap.String("notification", asks[i].id), zap.Error(err))
			return
		}
		reports[i] = r
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var causes []string
	byCause := map[string][]domain.DeliveryReport{}
	for i, a := range asks {
		r := reports[i]
		if !r.Final {
			continue
		}
		if byCause[a.cause] == nil {
			causes = append(causes, a.cause)
		}
		byCause[a.cause] = append(byCause[a.cause], domain.DeliveryReport{NotificationID: a.id, Channel: kind, Delivered: r.Delivered, ChannelStatus: r.Status, Detail: r.Detail})
	}
	meta := eventstore.Metadata{Actor: system, CorrelationID: "delivery-status", OccurredAt: now}
	for _, cause := range causes {
		if _, err := handle(ctx, s.causes, stream(CauseAggregate, eventstore.ComposeID(cause)), meta, func(st domain.CauseState) ([]proto.Message, error) {
			return domain.DecideDeliveryReports(st, byCause[cause])
		}); err != nil {
			return err
		}
	}
	return nil
}
