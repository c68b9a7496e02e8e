package domain_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/notify/domain"
)

// The channel's final word on a sent notification is recorded once; one
// not sent yet, failed, or of another cause records nothing.
func TestDeliveryReportsAreRecordedOnce(t *testing.T) {
	id := domain.NotificationID("evt-1", alice.GetOrganisation(), alice.GetPersonId(), domain.TReferralReceived)
	decided := &notifyv1.NotificationDecided{NotificationId: id, Recipient: alice, Template: domain.TReferralReceived, CauseEventId: "evt-1"}
	sent := &notifyv1.NotificationSent{NotificationId: id, Channel: notifyv1.Channel_CHANNEL_GOVUK_NOTIFY, ChannelReference: "740e5834"}
	bounced := domain.DeliveryReport{NotificationID: id, Channel: notifyv1.Channel_CHANNEL_GOVUK_NOTIFY, ChannelStatus: "permanent-failure", Detail: "the address does not exist"}
	report := func(rs ...domain.DeliveryReport) func(domain.CauseState) ([]proto.Message, error) {
		return func(s domain.CauseState) ([]proto.Message, error) { return domain.DecideDeliveryReports(s, rs) }
	}
	want := &notifyv1.NotificationDeliveryReported{NotificationId: id, Channel: notifyv1.Channel_CHANNEL_GOVUK_NOTIFY, ChannelStatus: "permanent-failure", Detail: "the address does not exist"}
	when(given(domain.EvolveCause, decided, sent), report(bounced, bounced, domain.DeliveryReport{NotificationID: "n-other", Delivered: true})).then(t, want)
	when(given(domain.EvolveCause, decided, sent, want), report(bounced)).then(t)
	when(given(domain.EvolveCause, decided), report(bounced)).then(t)
	failed := &notifyv1.NotificationFailed{NotificationId: id, Channel: notifyv1.Channel_CHANNEL_GOVUK_NOTIFY, Error: "403"}
	when(given(domain.EvolveCause, decided, failed), report(bounced)).then(t)
	delivered := domain.DeliveryReport{NotificationID: id, Channel: notifyv1.Channel_CHANNEL_GOVUK_NOTIFY, Delivered: true, ChannelStatus: "delivered", Detail: "ignored"}
	when(given(domain.EvolveCause, decided, sent), report(delivered)).then(t,
		&notifyv1.NotificationDeliveryReported{NotificationId: id, Channel: notifyv1.Channel_CHANNEL_GOVUK_NOTIFY, Delivered: true, ChannelStatus: "delivered"})
}
