package domain

import (
	"google.golang.org/protobuf/proto"

	notifyv1 "github.com/carecoop/carecoop/proto/gen/carecoop/notify/v1"
)

// DigestState is one person's digest of one day.
type DigestState struct {
	Sent bool
}

// EvolveDigest applies one event; the state holds no reference to it.
func EvolveDigest(s DigestState, e proto.Message) DigestState {
	if _, ok := e.(*notifyv1.DigestSent); ok {
		s.Sent = true
	}
	return s
}

// DigestDay is a person's held notifications sent as one message on a day.
type DigestDay struct {
	Recipient       *notifyv1.Recipient
	Date            string
	NotificationIDs []string
	Channel         notifyv1.Channel
	Reference       string
	Link            string
	Err             error
}

// DecideDigest records a day's digest once: a person gets one a day.
func DecideDigest(s DigestState, c DigestDay) ([]proto.Message, error) {
	if s.Sent || len(c.NotificationIDs) == 0 {
		return nil, nil
	}
	e := &notifyv1.DigestSent{Recipient: c.Recipient, Date: c.Date, NotificationIds: c.NotificationIDs, Channel: c.Channel, ChannelReference: c.Reference, Link: c.Link}
	if c.Err != nil {
		e.Error = c.Err.Error()
	}
	return []proto.Message{e}, nil
}

// DigestStreamID names a person's digest of a day.
func DigestStreamID(org, personID, date string) string {
	return PersonStreamID(org, personID+"-"+date)
}
