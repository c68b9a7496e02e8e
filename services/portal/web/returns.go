package web

import (
	"sort"
	"time"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/view"
)

// providerMonitoringRoutes are a provider's contract monitoring pages: its
// risk level, what is missing, each setting's monthly returns (filed and
// corrected), incidents, and the financial warning. Responders file
// returns and notify incidents as admins do (the monitoring service allows
// both); only an admin warns of financial difficulty.
func (s *Server) providerMonitoringRoutes() {
	s.page("GET /returns", providerStaff, s.retOverview)
	s.page("GET /returns/settings/{urn}", providerStaff, s.retSetting)
	s.page("GET /returns/settings/{urn}/returns/{period}", providerStaff, s.retReturnForm)
	s.page("POST /returns/settings/{urn}/returns/{period}", providerStaff, s.retSubmitReturn)
	s.page("GET /returns/settings/{urn}/incidents/new", providerStaff, s.retIncidentForm)
	s.page("POST /returns/settings/{urn}/incidents/new", providerStaff, s.retNotifyIncident)
	s.page("GET /returns/financial-warning", providerAdmin, s.retWarningForm)
	s.page("POST /returns/financial-warning", providerAdmin, s.retRaiseWarning)
	s.page("POST /returns/financial-warning/withdraw", providerAdmin, s.retWithdrawWarning)
}

// retMonths is how far back the pages look: the service's default too.
const retMonths = 12

// retOverview is the provider's monitoring page.
func (s *Server) retOverview(q *rq) error {
	me := q.sess.Principal.OrgID()
	o := view.ReturnsOverview{Provider: me, Admin: q.sess.Principal.HasAnyRole(auth.ProviderAdmin)}
	settings, err := s.retSettings(q)
	if err != nil {
		return err
	}
	if settings.name != "" {
		o.Provider = settings.name
	}
	risks, err := s.monitoring.ListRiskLevels(q.ctx, &monitoringv1.ListRiskLevelsRequest{MinPosition: q.at()})
	if err != nil {
		return err
	}
	levels := map[string]monitoringv1.RiskLevel{}
	for _, r := range risks.GetProviders() {
		o.Risks = append(o.Risks, retRisk(r.GetConsortium(), r.GetLevel(), r.GetReasons(), r.GetSuspended(), view.When(r.GetChangedAt()), settings.nameOf))
		for _, st := range r.GetSettings() {
			levels[st.GetUrn()] = max(levels[st.GetUrn()], st.GetLevel())
		}
	}
	comp, err := s.monitoring.ListReturnCompliance(q.ctx, &monitoringv1.ListReturnComplianceRequest{ProviderId: me, Months: retMonths, MinPosition: q.at()})
	if err != nil && !retUnknown(err) {
		return err
	}
	missing := map[string]int{}
	for _, m := range comp.GetMissing() {
		o.Missing = append(o.Missing, view.ReturnsDue{URN: m.GetUrn(), Name: settings.nameOf(m.GetUrn()), Period: m.GetPeriod(), DueOn: m.GetDueOn(), WorkingDays: m.GetWorkingDaysOverdue()})
		missing[m.GetUrn()]++
	}
	for _, l := range comp.GetLate() {
		o.Late = append(o.Late, view.ReturnsDue{URN: l.GetUrn(), Name: settings.nameOf(l.GetUrn()), Period: l.GetPeriod(), DueOn: l.GetDueOn(), SubmittedOn: l.GetSubmittedOn()})
	}
	o.Expected, o.FiledOnTime = comp.GetExpected(), comp.GetFiledOnTime()
	for _, st := range settings.list {
		o.Settings = append(o.Settings, view.ReturnsSettingRow{URN: st.GetUrn(), Name: st.GetName(), Level: levels[st.GetUrn()], Missing: missing[st.GetUrn()]})
	}
	burden, err := s.monitoring.GetMonitoringBurden(q.ctx, &monitoringv1.GetMonitoringBurdenRequest{ProviderId: me, MinPosition: q.at()})
	if err != nil && !retUnknown(err) {
		return err
	}
	for _, b := range burden.GetProviders() {
		if b.GetProviderId() == me {
			o.Burden = b
		}
	}
	if o.Warning, _, err = s.retWarning(q); err != nil {
		return err
	}
	q.page.Title = "Monitoring"
	return q.render(view.Returns(q.page, o))
}

// retRisk is a level with its reasons in words.
// A provider's reasons name the setting each concerns; a setting's own
// page does not repeat it.
func retRisk(consortium string, level monitoringv1.RiskLevel, reasons []*monitoringv1.RiskReason, suspended bool, since string, nameOf func(string) string) view.ReturnsRisk {
	r := view.ReturnsRisk{Consortium: consortium, Level: level, Suspended: suspended, Since: since}
	for _, why := range reasons {
		setting := ""
		if why.GetSettingUrn() != "" && nameOf != nil {
			setting = nameOf(why.GetSettingUrn())
		}
		r.Reasons = append(r.Reasons, view.RetReason(why, setting))
	}
	return r
}

// retProviderSettings are the provider's settings on the register.
type retProviderSettings struct {
	name string
	list []*purchasingv1.Setting
}

func (p retProviderSettings) nameOf(urn string) string {
	for _, st := range p.list {
		if st.GetUrn() == urn {
			return st.GetName()
		}
	}
	return urn
}

// retSettings reads the person's provider from the register: its name and
// settings. A provider not yet registered has none.
func (s *Server) retSettings(q *rq) (retProviderSettings, error) {
	res, err := s.purchasing.GetProvider(q.ctx, &purchasingv1.GetProviderRequest{ProviderId: q.sess.Principal.OrgID()})
	if retUnknown(err) {
		return retProviderSettings{}, nil
	}
	if err != nil {
		return retProviderSettings{}, err
	}
	out := retProviderSettings{name: res.GetProfile().GetLegalName()}
	for _, st := range res.GetSettings() {
		out.list = append(out.list, st.GetSetting())
	}
	sort.Slice(out.list, func(i, j int) bool { return out.list[i].GetName() < out.list[j].GetName() })
	return out, nil
}

// retSetting is one setting's page: who sees its returns, the months of
// the last year with their returns, its incidents and its risk level.
func (s *Server) retSetting(q *rq) error {
	urn := q.r.PathValue("urn")
	me := q.sess.Principal.OrgID()
	now := s.cfg.Now()
	first, last := retMonthOf(now, -retMonths), retMonthOf(now, -1)
	// The service answers NOT_FOUND for a setting that is not the
	// person's provider's: the page is not found either.
	rets, err := s.monitoring.ListMonitoringReturns(q.ctx, &monitoringv1.ListMonitoringReturnsRequest{Urn: urn, FromPeriod: first, ToPeriod: last, MinPosition: q.at()})
	if err != nil {
		return err
	}
	settings, err := s.retSettings(q)
	if err != nil {
		return err
	}
	page := view.ReturnsSetting{URN: urn, Name: settings.nameOf(urn)}
	if page.Councils, page.Consortia, err = s.retAudience(q, urn); err != nil {
		return err
	}
	comp, err := s.monitoring.ListReturnCompliance(q.ctx, &monitoringv1.ListReturnComplianceRequest{ProviderId: me, Months: retMonths, MinPosition: q.at()})
	if err != nil && !retUnknown(err) {
		return err
	}
	months := map[string]*view.ReturnsMonth{}
	for _, r := range rets.GetReturns() {
		months[r.GetPeriod()] = &view.ReturnsMonth{Period: r.GetPeriod(), Filed: true, Late: r.GetLate(), Revision: r.GetRevision(), SubmittedAt: view.When(r.GetSubmittedAt()), DueOn: r.GetDueOn()}
	}
	for _, m := range comp.GetMissing() {
		if m.GetUrn() == urn && months[m.GetPeriod()] == nil {
			months[m.GetPeriod()] = &view.ReturnsMonth{Period: m.GetPeriod(), Missing: true, DueOn: m.GetDueOn()}
		}
	}
	// Last month is always listed: its return is the one to file next.
	if months[last] == nil {
		months[last] = &view.ReturnsMonth{Period: last}
	}
	for _, m := range months {
		page.Months = append(page.Months, *m)
	}
	sort.Slice(page.Months, func(i, j int) bool { return page.Months[i].Period > page.Months[j].Period })

	ev, err := s.monitoring.GetQualityEvidence(q.ctx, &monitoringv1.GetQualityEvidenceRequest{Urn: urn, MinPosition: q.at()})
	if err != nil {
		return err
	}
	page.Incidents = ev.GetIncidents()
	sort.SliceStable(page.Incidents, func(i, j int) bool { return page.Incidents[i].GetOccurredOn() > page.Incidents[j].GetOccurredOn() })

	risks, err := s.monitoring.ListRiskLevels(q.ctx, &monitoringv1.ListRiskLevelsRequest{MinPosition: q.at()})
	if err != nil {
		return err
	}
	for _, r := range risks.GetProviders() {
		for _, st := range r.GetSettings() {
			if st.GetUrn() == urn {
				page.Risks = append(page.Risks, retRisk(r.GetConsortium(), st.GetLevel(), st.GetReasons(), false, "", nil))
			}
		}
	}
	q.page.Title = page.Name
	return q.render(view.ReturnsSettingPage(q.page, page))
}

// retAudience is who sees a setting's returns: the councils that place
// (or placed) there, by name, and the consortia those placements come
// under, whose leads see them too.
func (s *Server) retAudience(q *rq, urn string) (councils, consortia []string, err error) {
	res, err := s.monitoring.ListContracts(q.ctx, &monitoringv1.ListContractsRequest{SettingUrn: urn, MinPosition: q.at()})
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, c := range res.GetContracts() {
		if c.GetKind() != monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT {
			continue
		}
		if la := c.GetCouncil(); la != "" && !seen["council:"+la] {
			seen["council:"+la] = true
			councils = append(councils, view.CouncilName(la))
		}
		if slug := c.GetConsortium(); slug != "" && !seen["consortium:"+slug] {
			seen["consortium:"+slug] = true
			consortia = append(consortia, slug)
		}
	}
	sort.Strings(councils)
	sort.Strings(consortia)
	return councils, consortia, nil
}

// retMonthOf is the month n months from now's, as a period (YYYY-MM), in
// UK time.
func retMonthOf(now time.Time, n int) string {
	t := now.In(ukTime)
	return time.Date(t.Year(), t.Month()+time.Month(n), 1, 0, 0, 0, 0, ukTime).Format("2006-01")
}
