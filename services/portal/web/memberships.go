package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// Memberships: every DPS the provider has applied to or is on, per category
// with where it stands, the DPSs still open to it, and the framework lots it
// was admitted to (read-only: frameworks are bid for under Frameworks).

func (s *Server) provMembershipRoutes() {
	s.page("GET /memberships", providerAdmin, s.provMembershipsPage)
	s.page("GET /memberships/dps/{id}/apply", providerAdmin, s.provApplyPage)
	s.page("POST /memberships/dps/{id}/apply", providerAdmin, s.provApply)
}

// provMemberships gathers the provider's DPS applications (the latest per
// category), the open DPSs it may still apply to, and its framework lots.
func (s *Server) provMemberships(q *rq) (view.ProvMemberships, error) {
	var out view.ProvMemberships
	own := provID(q)
	list, err := s.purchasing.ListDps(q.ctx, &purchasingv1.ListDpsRequest{MinPosition: q.at()})
	if err != nil {
		return out, err
	}
	today := s.provToday().Format(time.DateOnly)
	for _, sum := range list.GetDps() {
		if sum.GetStatus() == purchasingv1.DpsStatus_DPS_STATUS_DRAFT {
			continue
		}
		apps, err := s.purchasing.ListApplications(q.ctx, &purchasingv1.ListApplicationsRequest{DpsId: sum.GetDpsId()})
		if err != nil {
			return out, err
		}
		mine := provLatest(apps.GetApplications(), own)
		open := sum.GetStatus() == purchasingv1.DpsStatus_DPS_STATUS_OPEN
		if len(mine) == 0 && !open {
			continue
		}
		d, err := s.purchasing.GetDps(q.ctx, &purchasingv1.GetDpsRequest{DpsId: sum.GetDpsId()})
		if err != nil {
			return out, err
		}
		if len(mine) > 0 {
			out.Dps = append(out.Dps, view.ProvDps{Dps: d, Apps: mine})
		}
		if open && d.GetTerms().GetEndsOn() >= today && len(provApplicable(d, mine)) > 0 {
			out.Open = append(out.Open, d)
		}
	}
	fws, err := s.framework.ListFrameworks(q.ctx, &frameworkv1.ListFrameworksRequest{})
	if err != nil {
		return out, err
	}
	for _, fw := range fws.GetFrameworks() {
		for _, l := range fw.GetLots() {
			for _, lp := range l.GetProviders() {
				if lp.GetProviderId() == own {
					out.Lots = append(out.Lots, view.ProvLot{Framework: fw, Lot: l, Me: lp})
				}
			}
		}
	}
	return out, nil
}

// provLatest are a provider's applications, the latest in each category
// (applications come in the order received; a category applied to again
// after a rejection replaces the earlier one).
func provLatest(apps []*purchasingv1.Application, provider string) []*purchasingv1.Application {
	var out []*purchasingv1.Application
	for _, a := range apps {
		if a.GetProviderId() != provider {
			continue
		}
		if i := slices.IndexFunc(out, func(x *purchasingv1.Application) bool { return x.GetCategoryId() == a.GetCategoryId() }); i >= 0 {
			out[i] = a
		} else {
			out = append(out, a)
		}
	}
	return out
}

// provApplicable are the categories of d the provider may apply to now:
// those it is not waiting on, admitted to or suspended from.
func provApplicable(d *purchasingv1.DpsView, mine []*purchasingv1.Application) []*purchasingv1.Category {
	var out []*purchasingv1.Category
	for _, c := range d.GetTerms().GetCategories() {
		blocked := slices.ContainsFunc(mine, func(a *purchasingv1.Application) bool {
			switch a.GetStatus() {
			case purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_APPLIED, purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_ADMITTED,
				purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_SUSPENDED:
				return a.GetCategoryId() == c.GetId()
			}
			return false
		})
		if !blocked {
			out = append(out, c)
		}
	}
	return out
}

// memberships is the one place showing every consortium and DPS the
// provider is on.
func (s *Server) provMembershipsPage(q *rq) error {
	pv, err := s.provOwn(q)
	if err != nil {
		return err
	}
	if pv == nil {
		return q.done("/", 0, "")
	}
	m, err := s.provMemberships(q)
	if err != nil {
		return err
	}
	m.Provider = pv
	q.page.Title = "Memberships"
	return q.render(view.ProvMembershipsPage(q.page, m))
}

// provApplyData is the DPS applied to and the categories still open
// to the provider; NOT_FOUND when it takes no application from it.
func (s *Server) provApplyData(q *rq) (*purchasingv1.DpsView, []*purchasingv1.Category, error) {
	d, err := s.purchasing.GetDps(q.ctx, &purchasingv1.GetDpsRequest{DpsId: q.r.PathValue("id"), MinPosition: q.at()})
	if err != nil {
		return nil, nil, err
	}
	if d.GetStatus() != purchasingv1.DpsStatus_DPS_STATUS_OPEN {
		return nil, nil, dpsNoPage
	}
	apps, err := s.purchasing.ListApplications(q.ctx, &purchasingv1.ListApplicationsRequest{DpsId: d.GetDpsId()})
	if err != nil {
		return nil, nil, err
	}
	return d, provApplicable(d, provLatest(apps.GetApplications(), provID(q))), nil
}

func (s *Server) provApplyPage(q *rq) error {
	d, cats, err := s.provApplyData(q)
	if err != nil {
		return err
	}
	q.page.Title = "Apply to " + d.GetTerms().GetTitle()
	return q.render(view.ProvApplyPage(q.page, view.ProvApplyForm{Dps: d, Categories: cats, RequestID: newRequestID()}))
}

// provApply sends the application: the categories chosen and an
// answer to each selection criterion.
func (s *Server) provApply(q *rq) error {
	d, cats, err := s.provApplyData(q)
	if err != nil {
		return err
	}
	if err := q.r.ParseForm(); err != nil {
		return err
	}
	f := view.ProvApplyForm{Dps: d, Categories: cats, RequestID: formRequestID(q.r), Chosen: q.r.PostForm["category_ids"], Answers: map[string]string{}}
	again := func(errs []view.FieldError) error {
		// The service names answers by their place in the request; the
		// form names them by question.
		for i, e := range errs {
			var n int
			if _, err := fmt.Sscanf(e.Field, "answers-%d", &n); err == nil && n >= 0 && n < len(d.GetTerms().GetSelectionCriteria()) {
				errs[i].Field = "answers-" + d.GetTerms().GetSelectionCriteria()[n].GetId()
			}
		}
		q.page.Errors = errs
		q.page.Title = "Apply to " + d.GetTerms().GetTitle()
		return q.render(view.ProvApplyPage(q.page, f))
	}
	var errs []view.FieldError
	// Any of the DPS's categories is sent, not only those still open to
	// the provider: a form sent twice is answered by the service as the
	// first time (its request id), and a category applied to meanwhile is
	// the service's rule to refuse, in words.
	var chosen []string
	for _, c := range d.GetTerms().GetCategories() {
		if slices.Contains(f.Chosen, c.GetId()) {
			chosen = append(chosen, c.GetId())
		}
	}
	if len(chosen) == 0 {
		errs = append(errs, view.FieldError{Field: "category_ids", Message: "Select at least one category to apply to"})
	}
	var answers []*purchasingv1.CriterionAnswer
	for i, c := range d.GetTerms().GetSelectionCriteria() {
		a := strings.TrimSpace(q.r.PostFormValue("answers-" + c.GetId()))
		f.Answers[c.GetId()] = a
		switch n := len([]rune(a)); {
		case n == 0:
			errs = append(errs, view.FieldError{Field: "answers-" + c.GetId(), Message: "Answer question " + strconv.Itoa(i+1)})
		case n > 4000:
			errs = append(errs, view.FieldError{Field: "answers-" + c.GetId(), Message: "The answer to question " + strconv.Itoa(i+1) + " must be 4,000 characters or fewer"})
		}
		answers = append(answers, &purchasingv1.CriterionAnswer{CriterionId: c.GetId(), Answer: a})
	}
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.ApplyToDps(q.ctx, &purchasingv1.ApplyToDpsRequest{RequestId: requestID, DpsId: d.GetDpsId(), ProviderId: provID(q),
			CategoryIds: chosen, Answers: answers})
		return res.GetPosition(), provRuleWords(err)
	}, "/memberships", "Your application to "+d.GetTerms().GetTitle()+" is sent: the consortium decides within 10 working days", again)
}
