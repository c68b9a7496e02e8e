package web

import (
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// platAuditorLogs is an auditor's list of decision logs: a consortium to
// choose; once chosen, its logs as its lead sees them (risk policy and risk
// levels are per consortium) and those of its referrals, contracts and
// block contracts (a13c_logs.go); before, every consortium's frameworks and
// DPSs and every provider's own record.
func (s *Server) platAuditorLogs(q *rq) error {
	consortia, err := s.platConsortia(q, false)
	if err != nil {
		return err
	}
	a := view.PlatformAuditorLogs{Consortia: consortia, Consortium: platLogConsortium(q)}
	q.page.Title = "Decision logs"
	if a.Consortium != "" {
		if !slices.ContainsFunc(consortia, func(c view.PlatformConsortium) bool { return c.Slug == a.Consortium }) {
			return status.Error(codes.NotFound, "no such consortium")
		}
		a.Index, err = s.consortiumLogs(q, a.Consortium)
		if err != nil {
			return err
		}
		a.Index.Auditor, a.Index.Query = true, "?consortium="+a.Consortium
		if a.Deals, err = s.a13cDealLogs(q, a.Consortium); err != nil {
			return err
		}
		q.page.Title = "Decision logs of consortium " + a.Consortium
		return q.render(view.PlatformAuditorLogsPage(q.page, a))
	}
	fws, err := s.framework.ListFrameworks(q.ctx, &frameworkv1.ListFrameworksRequest{MinPosition: q.at()})
	if err != nil {
		return err
	}
	for _, fw := range fws.GetFrameworks() {
		a.Frameworks = append(a.Frameworks, view.LogLink{Title: fw.GetTitle(), Href: "/decisions/frameworks/" + fw.GetFrameworkId(),
			Status: view.Words(fw.GetStatus()), Consortium: fw.GetConsortium()})
	}
	dpss, err := s.purchasing.ListDps(q.ctx, &purchasingv1.ListDpsRequest{MinPosition: q.at()})
	if err != nil {
		return err
	}
	for _, d := range dpss.GetDps() {
		a.DPS = append(a.DPS, view.LogLink{Title: d.GetTitle(), Href: "/decisions/dps/" + d.GetDpsId(), Status: view.Words(d.GetStatus()), Consortium: d.GetConsortium()})
	}
	providers, err := s.platProviders(q)
	if err != nil {
		return err
	}
	for _, p := range providers {
		a.Providers = append(a.Providers, view.LogLink{Title: platProviderName(p), Href: "/decisions/providers/" + p.GetProviderId()})
	}
	return q.render(view.PlatformAuditorLogsPage(q.page, a))
}
