package web

import (
	"strconv"
	"strings"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/view"
)

// dpsRoutes are the lead's dynamic purchasing pages.
func (s *Server) dpsRoutes() {
	s.page("GET /dps", leadOnly, s.listDps)
	s.dpsNewRoutes()
	s.page("GET /dps/{id}", leadOnly, s.showDps)
	s.page("POST /dps/{id}/open", leadOnly, s.openDps)
	s.page("GET /dps/{id}/close", leadOnly, s.closeDpsPage)
	s.page("POST /dps/{id}/close", leadOnly, s.closeDps)
	s.page("GET /dps/{id}/applications", leadOnly, s.dpsApplications)
	// A provider's admin reads its own application (the service shows a
	// provider nothing of another's); only the lead decides.
	s.page("GET /dps/{id}/applications/{provider}", []string{auth.ConsortiumLead, auth.ProviderAdmin}, s.dpsApplication)
	s.page("POST /dps/{id}/applications/{provider}/{category}", leadOnly, s.decideApplication)
}

// listDps lists the lead's consortium's DPSs with the applications waiting
// on each.
func (s *Server) listDps(q *rq) error {
	res, err := s.purchasing.ListDps(q.ctx, &purchasingv1.ListDpsRequest{Consortium: q.sess.Principal.OrgID(), MinPosition: q.at()})
	if err != nil {
		return err
	}
	rows := make([]view.DpsRow, 0, len(res.GetDps()))
	for _, d := range res.GetDps() {
		apps, err := s.purchasing.ListApplications(q.ctx, &purchasingv1.ListApplicationsRequest{DpsId: d.GetDpsId(), MinPosition: res.GetPosition()})
		if err != nil {
			return err
		}
		row := view.DpsRow{Dps: d}
		row.Waiting, row.Overdue = dpsCountWaiting(apps.GetApplications())
		rows = append(rows, row)
	}
	q.page.Title = "Dynamic purchasing systems"
	return q.render(view.DpsList(q.page, rows))
}

func dpsCountWaiting(apps []*purchasingv1.Application) (waiting, overdue int) {
	for _, a := range apps {
		if a.GetStatus() == purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_APPLIED {
			waiting++
			if a.GetOverdue() {
				overdue++
			}
		}
	}
	return waiting, overdue
}

// dpsOf reads the DPS the path names, at the page's position.
func (s *Server) dpsOf(q *rq) (*purchasingv1.DpsView, error) {
	return s.purchasing.GetDps(q.ctx, &purchasingv1.GetDpsRequest{DpsId: q.r.PathValue("id"), MinPosition: q.at()})
}

// runsDps: the signed-in lead's consortium runs the DPS (only it may act
// on it; the service decides that again).
func runsDps(q *rq, d *purchasingv1.DpsView) bool {
	return q.sess.Principal.HasAnyRole(auth.ConsortiumLead) && q.sess.Principal.OrgID() == d.GetConsortium()
}

// showDps is one DPS with what its lead may do next.
func (s *Server) showDps(q *rq) error {
	d, err := s.dpsOf(q)
	if err != nil {
		return err
	}
	return s.renderDps(q, d)
}

func (s *Server) renderDps(q *rq, d *purchasingv1.DpsView) error {
	var waiting, overdue int
	if runsDps(q, d) {
		apps, err := s.purchasing.ListApplications(q.ctx, &purchasingv1.ListApplicationsRequest{DpsId: d.GetDpsId(), MinPosition: q.at()})
		if err != nil {
			return err
		}
		waiting, overdue = dpsCountWaiting(apps.GetApplications())
	}
	q.page.Title = d.GetTerms().GetTitle()
	return q.render(view.DpsPage(q.page, d, runsDps(q, d), waiting, overdue, newRequestID()))
}

// openDps opens a draft DPS to applications and referrals.
func (s *Server) openDps(q *rq) error {
	id := q.r.PathValue("id")
	version, _ := strconv.ParseUint(q.r.PostFormValue("expected_version"), 10, 64)
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.OpenDps(q.ctx, &purchasingv1.OpenDpsRequest{RequestId: requestID, DpsId: id, ExpectedVersion: version})
		return res.GetPosition(), dpsRuleWords(err)
	}, "/dps/"+id, "The DPS is open: providers can apply to it and member councils can refer children through it", func([]view.FieldError) error {
		d, err := s.dpsOf(q)
		if err != nil {
			return err
		}
		return s.renderDps(q, d)
	})
}

func dpsReasonField(value string, errs []view.FieldError) view.Field {
	return view.Field{ID: "reason", Label: "Why are you closing the DPS?", Hint: "It is recorded in the decision log with your name.", Value: value, Errors: errs}
}

// closeDpsPage asks why the lead closes the DPS.
func (s *Server) closeDpsPage(q *rq) error {
	d, err := s.dpsOf(q)
	if err != nil {
		return err
	}
	q.page.Title = "Close the DPS"
	return q.render(view.DpsClose(q.page, d, dpsReasonField("", nil), newRequestID()))
}

// closeDps closes an open DPS for good, with the lead's reason.
func (s *Server) closeDps(q *rq) error {
	id := q.r.PathValue("id")
	reason := strings.TrimSpace(q.r.PostFormValue("reason"))
	again := func(errs []view.FieldError) error {
		d, err := s.dpsOf(q)
		if err != nil {
			return err
		}
		q.page.Title = "Close the DPS"
		return q.render(view.DpsClose(q.page, d, dpsReasonField(reason, errs), formRequestID(q.r)))
	}
	if reason == "" {
		return q.refuse(again, view.FieldError{Field: "reason", Message: "Enter why you are closing the DPS"})
	}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.CloseDps(q.ctx, &purchasingv1.CloseDpsRequest{RequestId: requestID, DpsId: id, Reason: reason})
		return res.GetPosition(), dpsRuleWords(err)
	}, "/dps/"+id, "The DPS is closed", again)
}

// dpsRules are the DPS rules a lead's command can break, in the words the
// lead reads. The service's own description names ids and codes, so these
// replace it; a rule not listed keeps the service's words.
var dpsRules = map[string]string{
	"purchasing.accreditation_expired":       "The provider cannot be admitted while one of its accreditations has expired (see Accreditations): it must record a current one first. You can reject the application instead.",
	"purchasing.no_pending_application":      "This application has already been decided.",
	"purchasing.dps_open_only_draft":         "Only a draft DPS can be opened, and this one is already open or closed.",
	"purchasing.dps_not_open":                "Only an open DPS can be closed, and this one is not open.",
	"purchasing.dps_ends_in_future":          "The end date must be after today.",
	"purchasing.category_ids_unique":         "Each category can be chosen once.",
	"purchasing.criterion_ids_unique":        "Each selection criterion can be asked once.",
	"purchasing.member_councils_unique":      "Each member council can be listed once.",
	"purchasing.dps_already_exists":          "This DPS has already been created.",
	"purchasing.provider_not_registered":     "The provider has not registered on the platform.",
	"purchasing.unknown_category":            "The DPS has no such category.",
	"purchasing.selection_criteria_answered": "Every selection criterion needs an answer.",
}

// dpsRuleWords rewrites a broken DPS rule's description in the lead's
// words (see dpsRules); any other error is returned as it is.
func dpsRuleWords(err error) error { return sayRule(err, inTable(dpsRules)) }
