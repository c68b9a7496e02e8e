package domain_test

import (
	"testing"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/domainerr"
	"github.com/carecoop/carecoop/services/monitoring/domain"
)

func givenInbox(events ...*monitoringv1.AlertAcknowledged) domain.InboxState {
	var s domain.InboxState
	for _, e := range events {
		s = domain.EvolveInbox(s, e)
	}
	return s
}

func TestAcknowledgeAlert(t *testing.T) {
	ack := domain.AcknowledgeAlert{Actor: commissioner, AlertID: "alert-1", InInbox: true, Note: "Social worker visited; safety plan reviewed"}
	got, err := domain.DecideAcknowledge(givenInbox(), ack)
	want := &monitoringv1.AlertAcknowledged{AlertId: "alert-1", Organisation: "council:352", Note: ack.Note}
	if err != nil || len(got) != 1 || show(got[0]) != show(want) {
		t.Fatalf("acknowledge = %v, %v; want %v", shows(got), err, show(want))
	}
	// Twice: nothing more.
	if got, err := domain.DecideAcknowledge(givenInbox(want), ack); err != nil || len(got) != 0 {
		t.Fatalf("acknowledged again = %v, %v; want nothing", shows(got), err)
	}
}

func TestAcknowledgeAlertNotInInbox(t *testing.T) {
	_, err := domain.DecideAcknowledge(givenInbox(), domain.AcknowledgeAlert{Actor: commissioner2, AlertID: "alert-1"})
	if e, ok := domainerr.As(err); !ok || e.Kind != domainerr.NotFound {
		t.Fatalf("another council's alert: %v, want not found", err)
	}
}
