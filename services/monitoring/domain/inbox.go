package domain

import (
	"maps"
	"strings"

	"google.golang.org/protobuf/proto"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/kit/eventstore"
)

// InboxID names an organisation's inbox stream ("council:352" → "council_352").
func InboxID(organisation string) string {
	kind, id, _ := strings.Cut(organisation, ":")
	return eventstore.ComposeID(kind, id)
}

// InboxState is the alerts an organisation has acknowledged.
type InboxState struct {
	Acknowledged map[string]bool
}

// EvolveInbox applies one event (FoldInbox of one).
func EvolveInbox(s InboxState, e proto.Message) InboxState {
	return FoldInbox(s, []proto.Message{e})
}

// FoldInbox applies events in order. It never changes the state it is
// given: it copies the acknowledgements once and adds to the copy, so a
// state may be shared and an inbox of many alerts loads in linear time.
func FoldInbox(s InboxState, events []proto.Message) InboxState {
	s.Acknowledged = maps.Clone(s.Acknowledged)
	for _, e := range events {
		if a, ok := e.(*monitoringv1.AlertAcknowledged); ok {
			if s.Acknowledged == nil {
				s.Acknowledged = map[string]bool{}
			}
			s.Acknowledged[a.GetAlertId()] = true
		}
	}
	return s
}

// AcknowledgeAlert marks an alert of the actor's inbox as dealt with.
type AcknowledgeAlert struct {
	Actor   Actor
	AlertID string
	// InInbox: the alert is one the actor's organisation was sent.
	InInbox bool
	Note    string
}

// DecideAcknowledge decides AcknowledgeAlert: once is enough, so a second
// acknowledgement changes nothing.
func DecideAcknowledge(s InboxState, c AcknowledgeAlert) ([]proto.Message, error) {
	if !c.InInbox {
		return nil, domainerr.Missing("alert", "there is no alert %s in your inbox", c.AlertID)
	}
	if s.Acknowledged[c.AlertID] {
		return nil, nil
	}
	return []proto.Message{&monitoringv1.AlertAcknowledged{AlertId: c.AlertID, Organisation: c.Actor.Organisation, Note: c.Note}}, nil
}
