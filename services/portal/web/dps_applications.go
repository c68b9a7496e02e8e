package web

import (
	"cmp"
	"slices"
	"strings"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// dpsApplications is the applications queue of a DPS: those waiting, overdue
// first and then by working days left, and those decided, latest first.
func (s *Server) dpsApplications(q *rq) error {
	d, err := s.dpsOf(q)
	if err != nil {
		return err
	}
	res, err := s.purchasing.ListApplications(q.ctx, &purchasingv1.ListApplicationsRequest{DpsId: d.GetDpsId(), MinPosition: q.at()})
	if err != nil {
		return err
	}
	var waiting, decided []*purchasingv1.Application
	for _, a := range res.GetApplications() {
		if a.GetStatus() == purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_APPLIED {
			waiting = append(waiting, a)
		} else {
			decided = append(decided, a)
		}
	}
	slices.SortStableFunc(waiting, func(a, b *purchasingv1.Application) int {
		return cmp.Or(cmp.Compare(a.GetWorkingDaysLeft(), b.GetWorkingDaysLeft()), cmp.Compare(a.GetReceivedOn(), b.GetReceivedOn()))
	})
	slices.Reverse(decided)
	slices.SortStableFunc(decided, func(a, b *purchasingv1.Application) int { return cmp.Compare(b.GetDecidedOn(), a.GetDecidedOn()) })
	q.page.Title = "Applications – " + d.GetTerms().GetTitle()
	return q.render(view.DpsApplications(q.page, d, waiting, decided))
}

// dpsApplication is one provider's application: what it answered, its
// accreditations and settings, and a decision form per category waiting.
func (s *Server) dpsApplication(q *rq) error {
	return s.renderApplication(q, "", view.DpsDecision{})
}

// renderApplication renders the application page; after a refused
// decision, category's form shows what was sent (and q.page.Errors).
func (s *Server) renderApplication(q *rq, category string, sent view.DpsDecision) error {
	d, err := s.dpsOf(q)
	if err != nil {
		return err
	}
	providerID := q.r.PathValue("provider")
	res, err := s.purchasing.ListApplications(q.ctx, &purchasingv1.ListApplicationsRequest{DpsId: d.GetDpsId(), MinPosition: q.at()})
	if err != nil {
		return err
	}
	// The latest application in each category (a provider rejected in a
	// category may apply to it again), in the order first received.
	var apps []*purchasingv1.Application
	var latest *purchasingv1.Application
	for _, a := range res.GetApplications() {
		if a.GetProviderId() != providerID {
			continue
		}
		latest = a
		if i := slices.IndexFunc(apps, func(x *purchasingv1.Application) bool { return x.GetCategoryId() == a.GetCategoryId() }); i >= 0 {
			apps[i] = a
		} else {
			apps = append(apps, a)
		}
	}
	if latest == nil {
		return dpsNoPage
	}
	pv, err := s.purchasing.GetProvider(q.ctx, &purchasingv1.GetProviderRequest{ProviderId: providerID, MinPosition: q.at()})
	if err != nil {
		return err
	}
	v := view.DpsApplicationView{Dps: d, Provider: pv, Apps: apps, Answers: latest.GetAnswers(), AnsweredOn: latest.GetReceivedOn(),
		CanDecide: runsDps(q, d), Forms: map[string]view.DpsDecision{}, Errors: q.page.Errors}
	for _, a := range apps {
		v.Forms[a.GetCategoryId()] = view.DpsDecision{RequestID: newRequestID()}
	}
	if category != "" {
		v.Forms[category] = sent
	}
	q.page.Title = dpsNameOr(pv.GetProfile().GetTradingName(), pv.GetProfile().GetLegalName()) + "’s application"
	return q.render(view.DpsApplication(q.page, v))
}

func dpsNameOr(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

// decideApplication admits or rejects a provider in one category, with
// the lead's reason.
func (s *Server) decideApplication(q *rq) error {
	id, providerID, category := q.r.PathValue("id"), q.r.PathValue("provider"), q.r.PathValue("category")
	decision := strings.TrimSpace(q.r.PostFormValue("decision-" + category))
	reason := strings.TrimSpace(q.r.PostFormValue("reason-" + category))
	sent := view.DpsDecision{RequestID: formRequestID(q.r), Decision: decision, Reason: reason}
	again := func(errs []view.FieldError) error {
		// The service names the request's field ("reason"); on this page
		// each category's form has its own. A broken rule is shown at the
		// decision it refused.
		for i, e := range errs {
			switch e.Field {
			case "reason":
				errs[i].Field = "reason-" + category
			case "":
				errs[i].Field = "decision-" + category
			}
		}
		q.page.Errors = errs
		return s.renderApplication(q, category, sent)
	}
	var errs []view.FieldError
	if decision != "admit" && decision != "reject" {
		errs = append(errs, view.FieldError{Field: "decision-" + category, Message: "Select whether to admit or reject the provider"})
	}
	if reason == "" {
		errs = append(errs, view.FieldError{Field: "reason-" + category, Message: "Enter the reason for your decision"})
	}
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	d, err := s.dpsOf(q)
	if err != nil {
		return err
	}
	name := category
	for _, c := range d.GetTerms().GetCategories() {
		if c.GetId() == category {
			name = c.GetName()
		}
	}
	banner := "Admitted to " + name + ": the decision is recorded with your reason"
	if decision == "reject" {
		banner = "Rejected for " + name + ": the decision is recorded with your reason"
	}
	return q.command(func(requestID string) (uint64, error) {
		req := &purchasingv1.DecideApplicationRequest{RequestId: requestID, DpsId: id, ProviderId: providerID, CategoryId: category, Reason: reason}
		var res *purchasingv1.CommandResponse
		var err error
		if decision == "admit" {
			res, err = s.purchasing.AdmitProvider(q.ctx, req)
		} else {
			res, err = s.purchasing.RejectApplication(q.ctx, req)
		}
		return res.GetPosition(), dpsRuleWords(err)
	}, "/dps/"+id+"/applications/"+providerID, banner, again)
}
