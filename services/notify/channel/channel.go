// Package channel is what the notifications service hands a message to: a
// Channel sends one Message and says whether it was accepted. The
// implementations live in their own packages: govuknotify (GOV.UK Notify's
// REST API), smtpmail (an SMTP relay) and outbox (carecoop dev: nothing
// leaves the machine; the service keeps what would have been sent).
package channel

import (
	"context"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
)

// Message is one notification to one person, rendered.
type Message struct {
	// NotificationID is the platform's id: GOV.UK Notify's reference, the
	// SMTP message's X-Carecoop-Notification header.
	NotificationID string
	To             string
	Name           string
	// Template is the platform's template id (GOV.UK Notify maps it to one
	// of its own).
	Template string
	Subject  string
	Body     string
	// Personalisation is the template's values, the link among them.
	Personalisation map[string]string
}

// Result is what a channel said.
type Result struct {
	// Reference is the channel's own id of the message.
	Reference string
	// Attempts made (retries of rate limits and server errors included).
	Attempts uint32
}

// Report is a channel's word on a message it accepted: Final once it
// will not change, Delivered when it reached the inbox.
type Report struct {
	Final, Delivered bool
	// Status is the channel's own word ("sending", "delivered",
	// "permanent-failure"); Detail says in plain words why it was not
	// delivered.
	Status, Detail string
}

// StatusReader is a channel that can say later whether a message it
// accepted reached the person (GOV.UK Notify); reference is the Result's.
type StatusReader interface {
	DeliveryStatus(ctx context.Context, reference string) (Report, error)
}

// Channel sends messages. Send retries what is worth retrying itself and
// returns an error only once the message is refused or the retries are
// spent; the Result's Attempts is set either way.
type Channel interface {
	Kind() notifyv1.Channel
	Send(ctx context.Context, m Message) (Result, error)
}
