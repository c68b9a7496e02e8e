package domain

import (
	"fmt"
	"maps"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
)

// CauseState is what one event of another context caused: the
// notifications decided (once) and how each was delivered.
type CauseState struct {
	// Decided is every notification, in the order decided.
	Decided []*notifyv1.NotificationDecided
	// Outcome is each delivered (or failed) notification's status.
	Outcome map[string]notifyv1.DeliveryStatus
	// Digested are held notifications sent with a digest.
	Digested map[string]bool
	// Reported are sent notifications whose channel gave its final word
	// (delivered or not).
	Reported map[string]bool
}

// EvolveCause applies one event (FoldCause of one).
func EvolveCause(s CauseState, e proto.Message) CauseState { return FoldCause(s, []proto.Message{e}) }

// FoldCause applies events in order without changing the state it is
// given (it copies once).
func FoldCause(s CauseState, events []proto.Message) CauseState {
	s.Decided = append([]*notifyv1.NotificationDecided(nil), s.Decided...)
	s.Outcome = maps.Clone(s.Outcome)
	if s.Outcome == nil {
		s.Outcome = map[string]notifyv1.DeliveryStatus{}
	}
	s.Reported = maps.Clone(s.Reported)
	if s.Reported == nil {
		s.Reported = map[string]bool{}
	}
	for _, e := range events {
		switch e := e.(type) {
		case *notifyv1.NotificationDecided:
			s.Decided = append(s.Decided, e)
		case *notifyv1.NotificationSent:
			s.Outcome[e.GetNotificationId()] = notifyv1.DeliveryStatus_DELIVERY_STATUS_SENT
		case *notifyv1.NotificationFailed:
			s.Outcome[e.GetNotificationId()] = notifyv1.DeliveryStatus_DELIVERY_STATUS_FAILED
		case *notifyv1.NotificationDeliveryReported:
			s.Reported[e.GetNotificationId()] = true
		}
	}
	return s
}

// Pending are the notifications decided, not held for a digest nor for
// quiet hours that end after now, and not yet delivered or failed: what is
// still to hand to the channel (after a crash between hand-over and record,
// a first attempt, or quiet hours ended).
func (s CauseState) Pending(now time.Time) []*notifyv1.NotificationDecided {
	var out []*notifyv1.NotificationDecided
	for _, d := range s.Decided {
		if d.GetHeldUntil() != nil && d.GetHeldUntil().AsTime().After(now) {
			continue
		}
		if _, done := s.Outcome[d.GetNotificationId()]; !done && !d.GetHeldForDigest() {
			out = append(out, d)
		}
	}
	return out
}

// Planned is one notification a trigger wants sent.
type Planned struct {
	Recipient       *notifyv1.Recipient
	Template        string
	Personalisation map[string]string
	Link            string
	HeldForDigest   bool
	// HeldUntil: the end of the person's quiet hours (zero: send at once).
	HeldUntil time.Time
}

// DecideNotifications records the notifications an event causes, once: a
// cause already decided decides nothing again (a redelivered event sends
// nothing twice). Each must name a known template and fill every
// placeholder with a permitted key.
type DecideNotificationsCmd struct {
	CauseEventID string
	CauseType    string
	Planned      []Planned
}

// DecideNotifications decides DecideNotificationsCmd.
func DecideNotifications(s CauseState, c DecideNotificationsCmd) ([]proto.Message, error) {
	if len(s.Decided) > 0 {
		return nil, nil
	}
	var out []proto.Message
	seen := map[string]bool{}
	for _, p := range c.Planned {
		t, ok := TemplateByID(p.Template)
		if !ok {
			return nil, fmt.Errorf("notify: unknown template %q", p.Template)
		}
		if _, _, err := t.Render(withLink(p.Personalisation, p.Link)); err != nil {
			return nil, err
		}
		id := NotificationID(c.CauseEventID, p.Recipient.GetOrganisation(), p.Recipient.GetPersonId(), p.Template)
		if seen[id] { // one message per person per template per cause
			continue
		}
		seen[id] = true
		d := &notifyv1.NotificationDecided{
			NotificationId: id, Recipient: p.Recipient, Template: p.Template, Personalisation: p.Personalisation, Link: p.Link,
			Urgent: t.Urgent, CauseEventId: c.CauseEventID, CauseType: c.CauseType, HeldForDigest: p.HeldForDigest && !t.Urgent,
		}
		if !t.Urgent && !d.HeldForDigest && !p.HeldUntil.IsZero() { // referrals and alerts never wait
			d.HeldUntil = timestamppb.New(p.HeldUntil)
		}
		out = append(out, d)
	}
	return out, nil
}

func withLink(p map[string]string, link string) map[string]string {
	out := maps.Clone(p)
	if out == nil {
		out = map[string]string{}
	}
	out["link"] = link
	return out
}

// Personalisation is a decided notification's personalisation with its link.
func Personalisation(d *notifyv1.NotificationDecided) map[string]string {
	return withLink(d.GetPersonalisation(), d.GetLink())
}

// Delivery is what a channel said of one notification.
type Delivery struct {
	NotificationID string
	Channel        notifyv1.Channel
	Reference      string
	Attempts       uint32
	// Err is why it failed; nil when the channel accepted it.
	Err error
}

// DecideDeliveries records outcomes of notifications still pending; an
// outcome already recorded (another replica, an earlier attempt) is not
// recorded again.
func DecideDeliveries(s CauseState, ds []Delivery) ([]proto.Message, error) {
	decided := map[string]bool{}
	for _, d := range s.Decided {
		decided[d.GetNotificationId()] = true
	}
	var out []proto.Message
	for _, d := range ds {
		if _, done := s.Outcome[d.NotificationID]; done || !decided[d.NotificationID] {
			continue
		}
		if d.Err != nil {
			out = append(out, &notifyv1.NotificationFailed{NotificationId: d.NotificationID, Channel: d.Channel, Error: d.Err.Error(), Attempts: d.Attempts})
		} else {
			out = append(out, &notifyv1.NotificationSent{NotificationId: d.NotificationID, Channel: d.Channel, ChannelReference: d.Reference, Attempts: d.Attempts})
		}
	}
	return out, nil
}

// DeliveryReport is a channel's final word on a notification it accepted.
type DeliveryReport struct {
	NotificationID string
	Channel        notifyv1.Channel
	Delivered      bool
	// ChannelStatus is the channel's own word ("delivered",
	// "permanent-failure"); Detail says in plain words why it was not.
	ChannelStatus, Detail string
}

// DecideDeliveryReports records each sent notification's final delivery
// status once: one not sent (or not of this cause), or already reported
// (an earlier sweep, another replica), records nothing.
func DecideDeliveryReports(s CauseState, rs []DeliveryReport) ([]proto.Message, error) {
	var out []proto.Message
	seen := map[string]bool{}
	for _, r := range rs {
		if s.Outcome[r.NotificationID] != notifyv1.DeliveryStatus_DELIVERY_STATUS_SENT || s.Reported[r.NotificationID] || seen[r.NotificationID] {
			continue
		}
		seen[r.NotificationID] = true
		e := &notifyv1.NotificationDeliveryReported{NotificationId: r.NotificationID, Channel: r.Channel, Delivered: r.Delivered, ChannelStatus: r.ChannelStatus}
		if !r.Delivered {
			e.Detail = r.Detail
		}
		out = append(out, e)
	}
	return out, nil
}
