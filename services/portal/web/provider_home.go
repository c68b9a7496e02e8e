package web

import (
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/view"
)

// A provider's own pages: it registers once (organisation, settings,
// accreditations), sees every DPS and framework it is on and joins DPSs
// (memberships), and states its free places (vacancies). Every call is made
// as the signed-in person, for their own provider: the service answers
// NOT_FOUND for another provider's things, and so do these pages.

func (s *Server) registerRoutes() {
	s.page("GET /organisation", providerAdmin, s.provOrganisation)
	s.provRegisterRoutes()
	s.provProfileRoutes()
	s.provMembershipRoutes()
	s.provVacancyRoutes()
}

// provSoon is how far ahead an accreditation's expiry is flagged.
const provSoon = 60 * 24 * time.Hour

// provID is the signed-in person's provider.
func provID(q *rq) string { return q.sess.Principal.OrgID() }

// provOwn is the person's own provider as the service holds it; nil while
// it has not registered (the service knows no such provider yet).
func (s *Server) provOwn(q *rq) (*purchasingv1.ProviderView, error) {
	pv, err := s.purchasing.GetProvider(q.ctx, &purchasingv1.GetProviderRequest{ProviderId: provID(q), MinPosition: q.at()})
	if status.Code(err) == codes.NotFound {
		return nil, nil
	}
	return pv, err
}

// provToday is today's date in England, as the services count dates.
func (s *Server) provToday() time.Time {
	n := s.cfg.Now().In(ukTime)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

// provAccreditationAlerts are the accreditations expired or expiring
// within 60 days, soonest first as the service lists them by kind.
func (s *Server) provAccreditationAlerts(pv *purchasingv1.ProviderView) []view.ProvAlert {
	today := s.provToday()
	var out []view.ProvAlert
	for _, a := range pv.GetAccreditations() {
		exp, err := time.Parse(time.DateOnly, a.GetAccreditation().GetExpiresOn())
		if err != nil {
			continue
		}
		switch {
		case a.GetExpired():
			out = append(out, view.ProvAlert{Accreditation: a.GetAccreditation(), Expired: true})
		case exp.Sub(today) <= provSoon:
			out = append(out, view.ProvAlert{Accreditation: a.GetAccreditation(), DaysLeft: int(exp.Sub(today).Hours() / 24)})
		}
	}
	return out
}

// providerHome is the provider's start page: what needs it now, and its
// areas. A provider not yet registered is led to registration.
func (s *Server) providerHome(q *rq) error {
	pv, err := s.provOwn(q)
	if err != nil {
		return err
	}
	admin := q.sess.Principal.HasAnyRole(auth.ProviderAdmin)
	if pv == nil {
		q.page.Title = "Register your organisation"
		return q.render(view.ProvStart(q.page, admin))
	}
	h := view.ProvHomeView{Provider: pv, Admin: admin}
	refs, err := s.refListAll(q, &purchasingv1.ListReferralsRequest{Status: purchasingv1.ReferralStatus_REFERRAL_STATUS_OPEN})
	if err != nil {
		return err
	}
	for _, r := range refs {
		// Waiting for this provider's answer: neither offered nor declined.
		if len(r.GetOffers()) == 0 && len(r.GetDeclines()) == 0 {
			h.ReferralsWaiting++
		}
	}
	for _, st := range pv.GetSettings() {
		if !st.GetRemoved() {
			h.Settings++
			if st.GetFreePlaces() > 0 {
				h.SettingsWithVacancies++
			}
		}
	}
	if admin {
		h.Alerts = s.provAccreditationAlerts(pv)
		m, err := s.provMemberships(q)
		if err != nil {
			return err
		}
		for _, d := range m.Dps {
			for _, a := range d.Apps {
				if a.GetStatus() == purchasingv1.MembershipStatus_MEMBERSHIP_STATUS_APPLIED {
					h.ApplicationsWaiting++
				}
			}
		}
		h.OpenToApply = len(m.Open)
		if h.TendersOpen, err = s.a13pTendersOpen(q); err != nil {
			return err
		}
	}
	// Monitoring knows a provider once a council places with it: until
	// then nothing is due.
	comp, err := s.monitoring.ListReturnCompliance(q.ctx, &monitoringv1.ListReturnComplianceRequest{ProviderId: provID(q), Months: retMonths, MinPosition: q.at()})
	if err != nil && !retUnknown(err) {
		return err
	}
	h.ReturnsMissing = len(comp.GetMissing())
	q.page.Title = "Home"
	return q.render(view.ProvHome(q.page, h))
}

// a13pTendersOpen counts the frameworks open for bids on which the provider
// has not bid yet: each is a tender waiting on its admin.
func (s *Server) a13pTendersOpen(q *rq) (int, error) {
	fws, err := s.framework.ListFrameworks(q.ctx, &frameworkv1.ListFrameworksRequest{MinPosition: q.at()})
	if err != nil {
		return 0, err
	}
	bids, err := s.framework.ListBids(q.ctx, &frameworkv1.ListBidsRequest{})
	if err != nil {
		return 0, err
	}
	bid := map[string]bool{}
	for _, b := range bids.GetBids() {
		bid[b.GetFrameworkId()] = true
	}
	n := 0
	for _, fw := range fws.GetFrameworks() {
		if fw.GetStatus() == frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS && !bid[fw.GetFrameworkId()] {
			n++
		}
	}
	return n, nil
}
