// Package outbox is the channel of `carecoop dev`: it sends nothing. Every
// message it accepts is recorded by the service as sent on the outbox
// channel, and the service's ListOutbox (dev only) shows them, rendered, at
// the portal's /dev/outbox.
package outbox

import (
	"context"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
	"github.com/carecoop/carecoop/services/notify/channel"
)

// Channel accepts every message.
type Channel struct {
	// Handed, if set, is called with each message (benchmarks time it).
	Handed func(channel.Message)
}

// Kind is CHANNEL_OUTBOX.
func (Channel) Kind() notifyv1.Channel { return notifyv1.Channel_CHANNEL_OUTBOX }

// Send accepts m.
func (c Channel) Send(_ context.Context, m channel.Message) (channel.Result, error) {
	if c.Handed != nil {
		c.Handed(m)
	}
	return channel.Result{Reference: "outbox:" + m.NotificationID, Attempts: 1}, nil
}
