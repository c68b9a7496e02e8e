package web

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/view"
)

func (s *Server) routes() {
	s.mux.HandleFunc("GET /sign-in", s.signIn)
	if len(s.cfg.DevPeople) > 0 {
		s.mux.HandleFunc("POST /dev/sign-in", s.devSignIn)
	}
	s.mux.HandleFunc("POST /sign-out", s.signOut)
	s.mux.HandleFunc("/", s.notFound)
	s.page("GET /{$}", nil, s.home)
	s.frameworkRoutes()
	s.dpsRoutes()
	s.consortiumRoutes()
	s.decisionRoutes()
	// Councils and providers: each area's pages are in its own files.
	s.referralRoutes()           // commissioner: place a child, referrals, offers (referrals*.go)
	s.placementRoutes()          // commissioner: placements, contracts, outcomes (placements*.go)
	s.alertRoutes()              // commissioner: early warnings (alerts*.go)
	s.needsRoutes()              // analyst: needs returns from SSDA903 (needs*.go)
	s.demandRoutes()             // councils: demand dashboards (demand*.go)
	s.registerRoutes()           // provider: register once, memberships, vacancies (provider_*.go)
	s.providerWorkRoutes()       // provider: referrals inbox, tenders (inbox*.go, tenders*.go)
	s.providerMonitoringRoutes() // provider: monthly returns, incidents, risk (returns*.go)
	s.platformRoutes()           // auditor and platform admin (platform*.go)
	s.notificationRoutes()       // everyone: notifications, what to receive, contacts (notifications*.go)
	s.ocdsRoutes()               // the public: open contracting data (ocds*.go)
	s.blkRoutes()                // leads, councils, providers: block contracts (blk*.go)
	s.agrRoutes()                // councils, providers, leads: placement agreements and payments (agr*.go, pay*.go)
}

// home is the person's start page: for a consortium lead, every decision
// that waits on them.
func (s *Server) home(q *rq) error {
	q.page.Title = "Home"
	p := q.sess.Principal
	switch {
	case p.HasAnyRole(auth.CouncilCommissioner, auth.CouncilViewer):
		return s.commissionerHome(q)
	case p.HasAnyRole(auth.CouncilAnalyst):
		return s.analystHome(q)
	case p.HasAnyRole(auth.ProviderAdmin, auth.ProviderResponder):
		return s.providerHome(q)
	case p.HasAnyRole(auth.Auditor, auth.PlatformAdmin):
		return s.platformHome(q)
	case !p.HasAnyRole(auth.ConsortiumLead):
		return q.render(view.Welcome(q.page))
	}
	waiting, err := s.decisionsWaiting(q)
	if err != nil {
		return err
	}
	return q.render(view.LeadHome(q.page, q.sess.Principal.OrgID(), waiting))
}

// decisionsWaiting gathers what waits on a lead, oldest or most urgent
// first within each kind: nothing should wait unseen.
func (s *Server) decisionsWaiting(q *rq) ([]view.Waiting, error) {
	slug := q.sess.Principal.OrgID()
	now := s.cfg.Now()
	var out []view.Waiting

	// DPS applications: working days left, overdue first.
	dpss, err := s.purchasing.ListDps(q.ctx, &purchasingv1.ListDpsRequest{Consortium: slug, MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	var apps []*purchasingv1.Application
	for _, d := range dpss.GetDps() {
		res, err := s.purchasing.ListApplications(q.ctx, &purchasingv1.ListApplicationsRequest{DpsId: d.GetDpsId()})
		if err != nil {
			return nil, err
		}
		for _, a := range res.GetApplications() {
			if a.GetStatus() == purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_APPLIED {
				apps = append(apps, a)
			}
		}
	}
	sort.SliceStable(apps, func(i, j int) bool { return apps[i].GetWorkingDaysLeft() < apps[j].GetWorkingDaysLeft() })
	for _, a := range apps {
		w := view.Waiting{Kind: "DPS application", What: a.GetProviderName() + " applied to " + a.GetCategoryId(),
			Since: view.Date(a.GetReceivedOn()), Owner: "You", Href: "/dps/" + a.GetDpsId() + "/applications"}
		switch left := a.GetWorkingDaysLeft(); {
		case a.GetOverdue():
			w.Due, w.Overdue = fmt.Sprintf("Overdue by %d working days", -left), true
		case left == 1:
			w.Due = "1 working day left"
		default:
			w.Due = fmt.Sprintf("%d working days left", left)
		}
		out = append(out, w)
	}

	// Frameworks: bids to score, uplifts to decide, terms ending.
	fws, err := s.framework.ListFrameworks(q.ctx, &frameworkv1.ListFrameworksRequest{Consortium: slug, MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	for _, fw := range fws.GetFrameworks() {
		href := "/frameworks/" + fw.GetFrameworkId()
		switch fw.GetStatus() {
		case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EVALUATING:
			bids, err := s.framework.ListBids(q.ctx, &frameworkv1.ListBidsRequest{FrameworkId: fw.GetFrameworkId()})
			if err != nil {
				return nil, err
			}
			unscored := 0
			for _, b := range bids.GetBids() {
				if !b.GetScored() {
					unscored++
				}
			}
			if unscored > 0 {
				out = append(out, view.Waiting{Kind: "Bids to score", What: fmt.Sprintf("%d of %d bids on %s", unscored, len(bids.GetBids()), fw.GetTitle()),
					Since: "Bidding closed " + view.When(fw.GetBidsCloseAt()), Owner: "You", Href: href + "/bids"})
			} else {
				out = append(out, view.Waiting{Kind: "Award", What: fw.GetTitle() + ": every bid is scored", Owner: "You", Href: href + "/award"})
			}
		case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_AWARDED:
			out = append(out, view.Waiting{Kind: "Activate", What: fw.GetTitle() + " is awarded, not yet active", Owner: "You", Href: href})
		case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE, frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXTENDED:
			if end, err := time.Parse(time.DateOnly, fw.GetCurrentEnd()); err == nil && end.Before(now.AddDate(0, 6, 0)) {
				out = append(out, view.Waiting{Kind: "Ending", What: fw.GetTitle() + " ends on " + view.Date(fw.GetCurrentEnd()),
					Due: fmt.Sprintf("%d days left", int(end.Sub(now).Hours()/24)), Owner: "You", Href: href})
			}
			ups, err := s.framework.ListPriceUplifts(q.ctx, &frameworkv1.ListPriceUpliftsRequest{FrameworkId: fw.GetFrameworkId()})
			if err != nil {
				return nil, err
			}
			for _, u := range ups.GetUplifts() {
				if u.GetStatus() == frameworkv1.UpliftStatus_UPLIFT_STATUS_PENDING {
					out = append(out, view.Waiting{Kind: "Price uplift", What: fmt.Sprintf("%s asks %s a week (now %s) on %s", u.GetProviderName(),
						view.Pounds(u.GetRequestedWeeklyPence()), view.Pounds(u.GetCurrentWeeklyPence()), fw.GetTitle()),
						Since: view.When(u.GetRequestedAt()), Owner: "You", Href: href + "/uplifts"})
				}
			}
		}
	}

	// Monitoring: providers the policy suspended, alerts not yet dealt with.
	risks, err := s.monitoring.ListRiskLevels(q.ctx, &monitoringv1.ListRiskLevelsRequest{Consortium: slug, AtLeast: monitoringv1.RiskLevel_RISK_LEVEL_RED, MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	for _, r := range risks.GetProviders() {
		if r.GetSuspended() {
			out = append(out, view.Waiting{Kind: "Suspended by monitoring", What: r.GetProviderName() + " is red and suspended",
				Since: view.When(r.GetChangedAt()), Owner: "You", Href: "/decisions/providers/" + r.GetProviderId() + "/risk"})
		}
	}
	alerts, err := s.monitoring.ListAlerts(q.ctx, &monitoringv1.ListAlertsRequest{Consortium: slug, UnacknowledgedOnly: true, Limit: 50})
	if err != nil {
		return nil, err
	}
	for _, a := range alerts.GetAlerts() {
		what := a.GetProviderName()
		if a.GetSettingUrn() != "" {
			what += " (" + a.GetSettingUrn() + ")"
		}
		out = append(out, view.Waiting{Kind: "Alert", What: what + ": " + view.Words(a.GetFrom()) + " to " + view.Words(a.GetTo()),
			Since: view.When(a.GetRaisedAt()), Owner: "You", Href: "/decisions/providers/" + a.GetProviderId() + "/risk"})
	}
	return out, nil
}

// notFound is the design system's page for an address the portal has no
// page at.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	_ = view.ErrorPage(view.Page{Title: "Page not found"}, "Page not found", []string{"If you typed the web address, check it is correct."}).Render(r.Context(), w)
}
