package web

import (
	"regexp"
	"sort"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/view"
)

// The platform's own people: the auditor reads every decision log (the
// lead's pages, read only, for any consortium: platform_decisions.go); the
// platform admin sees the services' health (platform_health.go) and keeps
// the organisations and the Ofsted feed (platform_organisations.go).

var (
	// platDecisionReaders may open the decision logs: a lead its own
	// consortium's, an auditor every consortium's.
	platDecisionReaders = []string{auth.ConsortiumLead, auth.Auditor}
	platAdmin           = []string{auth.PlatformAdmin}
	// platSlug is a consortium's slug as the services take it.
	platSlug = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
)

func (s *Server) platformRoutes() {
	s.page("GET /platform/health", platAdmin, s.platHealth)
	s.page("GET /platform/organisations", platAdmin, s.platOrganisations)
	s.page("GET /platform/organisations/providers/{id}", platAdmin, s.platProvider)
	s.page("GET /platform/organisations/providers/{id}/settings/{urn}/ofsted", platAdmin, s.platOfstedForm)
	s.page("POST /platform/organisations/providers/{id}/settings/{urn}/ofsted", platAdmin, s.platRecordOfsted)
	s.a13cDetailsRoutes() // a provider's details, changed on its behalf
}

// platformHome: an auditor's is what they can read; a platform admin's the
// services' health and the organisations at a glance.
func (s *Server) platformHome(q *rq) error {
	if q.sess.Principal.HasAnyRole(auth.PlatformAdmin) {
		services := s.platServices(q)
		orgs, err := s.platOrgs(q, false)
		if err != nil {
			return err
		}
		q.page.Title = "The platform"
		return q.render(view.PlatformAdminHome(q.page, services, orgs))
	}
	consortia, err := s.platConsortia(q, false)
	if err != nil {
		return err
	}
	q.page.Title = "What you can read"
	return q.render(view.PlatformAuditorHome(q.page, consortia))
}

// platAuditing reports an auditor (who reads any consortium's logs, read
// only) rather than a lead (who reads its own).
func platAuditing(q *rq) bool {
	p := q.sess.Principal
	return p.HasAnyRole(auth.Auditor) && !p.HasAnyRole(auth.ConsortiumLead)
}

// platLogConsortium is the consortium whose logs a page reads: a lead's
// own; the one an auditor chose (?consortium=), or "" if none.
func platLogConsortium(q *rq) string {
	if !platAuditing(q) {
		return q.sess.Principal.OrgID()
	}
	if slug := q.r.URL.Query().Get("consortium"); platSlug.MatchString(slug) {
		return slug
	}
	return ""
}

func platNameOr(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

// platConsortia are the consortia the services know, from the frameworks
// and DPSs the person may see, by slug; with councils, their member
// councils too (a DPS's are read from the DPS itself).
func (s *Server) platConsortia(q *rq, councils bool) ([]view.PlatformConsortium, error) {
	bySlug := map[string]*view.PlatformConsortium{}
	members := map[string]map[string]bool{}
	of := func(slug string) *view.PlatformConsortium {
		if bySlug[slug] == nil {
			bySlug[slug] = &view.PlatformConsortium{Slug: slug}
			members[slug] = map[string]bool{}
		}
		return bySlug[slug]
	}
	fws, err := s.framework.ListFrameworks(q.ctx, &frameworkv1.ListFrameworksRequest{MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	for _, fw := range fws.GetFrameworks() {
		of(fw.GetConsortium()).Frameworks++
		for _, la := range fw.GetMemberCouncils() {
			members[fw.GetConsortium()][la] = true
		}
	}
	dpss, err := s.purchasing.ListDps(q.ctx, &purchasingv1.ListDpsRequest{MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	for _, d := range dpss.GetDps() {
		of(d.GetConsortium()).DPS++
		if !councils {
			continue
		}
		dps, err := s.purchasing.GetDps(q.ctx, &purchasingv1.GetDpsRequest{DpsId: d.GetDpsId()})
		if err != nil {
			return nil, err
		}
		for _, la := range dps.GetTerms().GetMemberCouncils() {
			members[d.GetConsortium()][la] = true
		}
	}
	out := make([]view.PlatformConsortium, 0, len(bySlug))
	for slug, c := range bySlug {
		for la := range members[slug] {
			c.Councils = append(c.Councils, la)
		}
		sort.Slice(c.Councils, func(i, j int) bool { return view.CouncilName(c.Councils[i]) < view.CouncilName(c.Councils[j]) })
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Slug < out[j].Slug })
	return out, nil
}

// platProviders are every registered provider, by name.
func (s *Server) platProviders(q *rq) ([]*purchasingv1.ProviderSummary, error) {
	var out []*purchasingv1.ProviderSummary
	token := ""
	for {
		res, err := s.purchasing.ListProviders(q.ctx, &purchasingv1.ListProvidersRequest{PageSize: 1000, PageToken: token, MinPosition: q.at()})
		if err != nil {
			return nil, err
		}
		out = append(out, res.GetProviders()...)
		if token = res.GetNextPageToken(); token == "" {
			break
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return platProviderName(out[i]) < platProviderName(out[j]) })
	return out, nil
}

func platProviderName(p *purchasingv1.ProviderSummary) string {
	return platNameOr(p.GetLegalName(), p.GetProviderId())
}
