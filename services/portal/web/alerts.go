package web

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// alertRoutes are the commissioner's early warnings: every change of risk
// level at a home where the council has a child placed, as it happens, to
// acknowledge with what was done. The council's viewer reads them and
// acknowledges none.
func (s *Server) alertRoutes() {
	s.page("GET /alerts", councilReaders, s.alertInbox)
	s.page("GET /alerts/events", councilReaders, s.alertEvents)
	s.page("GET /alerts/{id}", councilReaders, s.alertShow)
	s.page("POST /alerts/{id}", commissioner, s.alertAcknowledge)
}

// a13cAlertActs: only a commissioner acknowledges an alert.
func a13cAlertActs(q *rq) bool { return q.sess.Principal.HasAnyRole(commissioner...) }

// alertLimit is how many alerts the inbox reads (the service's most).
const alertLimit = 1000

// alertList is the council's alerts, newest first, read at a position.
func (s *Server) alertList(ctx context.Context, minPosition uint64) ([]*monitoringv1.Alert, uint64, error) {
	res, err := s.monitoring.ListAlerts(ctx, &monitoringv1.ListAlertsRequest{Limit: alertLimit, MinPosition: minPosition})
	if err != nil {
		return nil, 0, err
	}
	alerts := slices.Clone(res.GetAlerts())
	slices.Reverse(alerts)
	return alerts, res.GetPosition(), nil
}

// alertInbox is the inbox. Its list is a live region: a new alert appears
// without a reload (with JavaScript); a reload shows it too.
func (s *Server) alertInbox(q *rq) error {
	alerts, pos, err := s.alertList(q.ctx, q.at())
	if err != nil {
		return err
	}
	q.page.Title = "Alerts"
	return q.render(view.AlertInbox(q.page, alerts, "/alerts/events?after="+strconv.FormatUint(pos, 10), a13cAlertActs(q)))
}

// alertEvents streams the inbox's list again each time an alert comes
// after the position the page was read at: monitoring's WatchAlerts says
// when, ListAlerts what the list now is (acknowledgements included).
func (s *Server) alertEvents(q *rq) error {
	after, _ := strconv.ParseUint(q.r.URL.Query().Get("after"), 10, 64)
	var watch monitoringv1.MonitoringService_WatchAlertsClient
	return q.live(func(ctx context.Context) (templ.Component, bool, error) {
		if watch == nil {
			// The stream lives as long as the request; a token is checked
			// when it starts.
			w, err := s.monitoring.WatchAlerts(ctx, &monitoringv1.WatchAlertsRequest{AfterPosition: after})
			if err != nil {
				return nil, false, err
			}
			watch = w
		}
		a, err := watch.Recv()
		if err != nil {
			return nil, false, err
		}
		alerts, _, err := s.alertList(ctx, a.GetPosition())
		if err != nil {
			return nil, false, err
		}
		return view.AlertList(alerts, a13cAlertActs(q)), false, nil
	})
}

// alertOf is the alert the path names, from the council's inbox.
func (s *Server) alertOf(q *rq) (*monitoringv1.Alert, error) {
	alerts, _, err := s.alertList(q.ctx, q.at())
	if err != nil {
		return nil, err
	}
	for _, a := range alerts {
		if a.GetAlertId() == q.r.PathValue("id") {
			return a, nil
		}
	}
	return nil, plcNotFound
}

func alertNoteField(value string, errs []view.FieldError) view.Field {
	return view.Field{ID: "note", Label: "What have you done about it?",
		Hint:  "For example, the child's social worker visited and the safety plan was reviewed. Do not name the child or include anything that could identify them.",
		Value: value, Errors: errs}
}

// alertShow is one alert, with the form that acknowledges it.
func (s *Server) alertShow(q *rq) error {
	a, err := s.alertOf(q)
	if err != nil {
		return err
	}
	q.page.Title = "Alert: " + view.AlertSubject(a)
	return q.render(view.AlertPage(q.page, a, alertNoteField("", nil), newRequestID(), a13cAlertActs(q)))
}

// alertAcknowledge records that the council has dealt with the alert, for
// everyone in it.
func (s *Server) alertAcknowledge(q *rq) error {
	a, err := s.alertOf(q)
	if err != nil {
		return err
	}
	note := strings.TrimSpace(q.r.PostFormValue("note"))
	again := func(errs []view.FieldError) error {
		q.page.Title = "Alert: " + view.AlertSubject(a)
		return q.render(view.AlertPage(q.page, a, alertNoteField(note, errs), formRequestID(q.r), true))
	}
	if note == "" {
		return q.refuse(again, view.FieldError{Field: "note", Message: "Enter what you have done about the alert"})
	}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.monitoring.AcknowledgeAlert(q.ctx, &monitoringv1.AcknowledgeAlertRequest{RequestId: requestID, AlertId: a.GetAlertId(), Note: note})
		return res.GetPosition(), err
	}, "/alerts", "The alert about "+view.AlertSubject(a)+" is acknowledged", again)
}
