package web

import (
	"net/http"
	"sort"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/portal/view"
)

// placementRoutes are a council's placements: each one's contract with the
// home, its returns, quality evidence, risk and outcomes. The viewer reads
// them; only the commissioner records outcomes, visits and endings (the
// service decides that again).
func (s *Server) placementRoutes() {
	s.page("GET /placements", councilReaders, s.plcList)
	s.page("GET /placements/{id}", councilReaders, s.plcShow)
	s.page("GET /placements/{id}/outcomes/{point}", commissioner, s.plcOutcomePage)
	s.page("POST /placements/{id}/outcomes/{point}", commissioner, s.plcRecordOutcome)
	s.page("GET /placements/{id}/end", commissioner, s.plcEndPage)
	s.page("POST /placements/{id}/end", commissioner, s.plcEndCheck)
	s.page("POST /placements/{id}/end/confirm", commissioner, s.plcEnd)
	s.page("GET /placements/{id}/ended", commissioner, s.plcEnded)
	s.page("GET /placements/{id}/visit", commissioner, s.plcVisitPage)
	s.page("POST /placements/{id}/visit", commissioner, s.plcRecordVisit)
}

// plcList lists the council's placements, newest first: the placements it
// awarded through the platform (with their time to placement) and those it
// put under monitoring itself, each with its contract's status and the
// home's risk level.
func (s *Server) plcList(q *rq) error {
	pls, err := s.purchasing.ListPlacements(q.ctx, &purchasingv1.ListPlacementsRequest{MinPosition: q.at()})
	if err != nil {
		return err
	}
	cs, err := s.monitoring.ListContracts(q.ctx, &monitoringv1.ListContractsRequest{MinPosition: q.at()})
	if err != nil {
		return err
	}
	own := q.sess.Principal.OrgID()
	contracts := map[string]*monitoringv1.Contract{}
	for _, c := range cs.GetContracts() {
		if c.GetKind() == monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT && c.GetCouncil() == own {
			contracts[c.GetContractId()] = c
		}
	}
	risks, err := s.plcRisks(q, contracts)
	if err != nil {
		return err
	}
	names := plcNames{s: s, q: q}
	var rows []view.PlcRow
	seen := map[string]bool{}
	for _, p := range pls.GetPlacements() {
		seen[p.GetPlacementId()] = true
		c := contracts[p.GetPlacementId()]
		row := view.PlcRow{ID: p.GetPlacementId(), Provider: p.GetProviderName(), URN: p.GetSettingUrn(), Home: names.home(p.GetProviderId(), p.GetSettingUrn()),
			Start: p.GetStartDate(), WeeklyPence: p.GetWeeklyPricePence(), TimeToPlacement: view.PlcDuration(p.GetSecondsToPlacement())}
		if c != nil {
			row.Contract, row.Risk = c, risks.level(c)
		}
		rows = append(rows, row)
	}
	for id, c := range contracts {
		if seen[id] {
			continue
		}
		rows = append(rows, view.PlcRow{ID: id, Provider: c.GetProviderName(), URN: c.GetSettingUrn(), Home: names.home(c.GetProviderId(), c.GetSettingUrn()),
			Start: c.GetStartDate(), WeeklyPence: c.GetWeeklyPricePence(), Contract: c, Risk: risks.level(c)})
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Start != rows[j].Start {
			return rows[i].Start > rows[j].Start
		}
		return rows[i].ID < rows[j].ID
	})
	q.page.Title = "Placements"
	return q.render(view.PlcList(q.page, rows))
}

// plcRiskIndex is the recorded risk levels of the providers of a council's
// placements, by consortium and provider.
type plcRiskIndex map[[2]string]*monitoringv1.ProviderRisk

// plcRisks reads the risk levels under each consortium the contracts come
// under (a council may belong to more than one).
func (s *Server) plcRisks(q *rq, contracts map[string]*monitoringv1.Contract) (plcRiskIndex, error) {
	out := plcRiskIndex{}
	done := map[string]bool{}
	for _, c := range contracts {
		slug := c.GetConsortium()
		if done[slug] {
			continue
		}
		done[slug] = true
		res, err := s.monitoring.ListRiskLevels(q.ctx, &monitoringv1.ListRiskLevelsRequest{Consortium: slug, MinPosition: q.at()})
		if err != nil {
			return nil, err
		}
		for _, p := range res.GetProviders() {
			out[[2]string{slug, p.GetProviderId()}] = p
		}
	}
	return out, nil
}

// level is a contract's home's risk: the worse of the home's own and its
// provider's (a provider's financial warning concerns every home).
func (x plcRiskIndex) level(c *monitoringv1.Contract) monitoringv1.RiskLevel {
	p := x[[2]string{c.GetConsortium(), c.GetProviderId()}]
	if p == nil {
		return monitoringv1.RiskLevel_RISK_LEVEL_GREEN
	}
	level := monitoringv1.RiskLevel_RISK_LEVEL_GREEN
	for _, st := range p.GetSettings() {
		if st.GetUrn() == c.GetSettingUrn() {
			level = max(level, st.GetLevel())
		}
	}
	for _, r := range p.GetReasons() {
		// Provider-wide reasons (no setting named) count for every home.
		if r.GetSettingUrn() == "" || r.GetSettingUrn() == c.GetSettingUrn() {
			level = max(level, r.GetLevel())
		}
	}
	return level
}

// plcNames finds a home's name in its provider's profile, once per
// provider; a home whose provider cannot be read is shown by its URN.
type plcNames struct {
	s     *Server
	q     *rq
	cache map[string]*purchasingv1.ProviderView
}

func (n *plcNames) home(provider, urn string) string {
	if n.cache == nil {
		n.cache = map[string]*purchasingv1.ProviderView{}
	}
	pv, ok := n.cache[provider]
	if !ok {
		pv, _ = n.s.purchasing.GetProvider(n.q.ctx, &purchasingv1.GetProviderRequest{ProviderId: provider})
		n.cache[provider] = pv
	}
	for _, st := range pv.GetSettings() {
		if st.GetSetting().GetUrn() == urn {
			return st.GetSetting().GetName()
		}
	}
	return ""
}

// plcNotFound answers an address the person has no page at (a placement
// not theirs to change, an outcome point that does not exist).
var plcNotFound = status.Error(codes.NotFound, "no such page")

// plcContract is the placement the path names, as the person may read it:
// a contract the service does not show them, or one that is not a
// placement, is not found.
func (s *Server) plcContract(q *rq) (*monitoringv1.Contract, error) {
	c, err := s.monitoring.GetContract(q.ctx, &monitoringv1.GetContractRequest{ContractId: q.r.PathValue("id"), MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	if c.GetKind() != monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT {
		return nil, status.Error(codes.NotFound, "not a placement")
	}
	return c, nil
}

// plcPlaces: the signed-in person is a commissioner of the placing council,
// so the page offers them its actions.
func plcPlaces(q *rq, c *monitoringv1.Contract) bool {
	return q.sess.Principal.HasAnyRole(auth.CouncilCommissioner) && q.sess.Principal.OrgID() == c.GetCouncil()
}

// plcShow is one placement: the contract with the home, the time it took,
// the home's returns, quality evidence and risk with its reasons, and the
// child's outcomes.
func (s *Server) plcShow(q *rq) error {
	c, err := s.plcContract(q)
	if err != nil {
		return err
	}
	at := q.at()
	v := view.PlcView{Contract: c, Acts: plcPlaces(q, c) && c.GetStatus() == monitoringv1.ContractStatus_CONTRACT_STATUS_LIVE, Visits: plcPlaces(q, c)}
	names := plcNames{s: s, q: q}
	v.Home = names.home(c.GetProviderId(), c.GetSettingUrn())
	if c.GetSource() == "award" {
		pls, err := s.purchasing.ListPlacements(q.ctx, &purchasingv1.ListPlacementsRequest{MinPosition: at})
		if err != nil {
			return err
		}
		for _, p := range pls.GetPlacements() {
			if p.GetPlacementId() == c.GetContractId() {
				v.Placement = p
			}
		}
	}
	rets, err := s.monitoring.ListMonitoringReturns(q.ctx, &monitoringv1.ListMonitoringReturnsRequest{Urn: c.GetSettingUrn(), MinPosition: at})
	if err != nil {
		return err
	}
	v.Returns = rets.GetReturns()
	sort.SliceStable(v.Returns, func(i, j int) bool { return v.Returns[i].GetPeriod() > v.Returns[j].GetPeriod() })
	comp, err := s.monitoring.ListReturnCompliance(q.ctx, &monitoringv1.ListReturnComplianceRequest{Consortium: c.GetConsortium(), MinPosition: at})
	if err != nil {
		return err
	}
	for _, d := range comp.GetMissing() {
		if d.GetUrn() == c.GetSettingUrn() {
			v.Missing = append(v.Missing, d)
		}
	}
	if v.Evidence, err = s.monitoring.GetQualityEvidence(q.ctx, &monitoringv1.GetQualityEvidenceRequest{Urn: c.GetSettingUrn(), MinPosition: at}); err != nil {
		return err
	}
	risks, err := s.monitoring.ListRiskLevels(q.ctx, &monitoringv1.ListRiskLevelsRequest{Consortium: c.GetConsortium(), ProviderId: c.GetProviderId(), MinPosition: at})
	if err != nil {
		return err
	}
	idx := plcRiskIndex{}
	for _, p := range risks.GetProviders() {
		idx[[2]string{p.GetConsortium(), p.GetProviderId()}] = p
		v.Risk = p
	}
	v.Level = idx.level(c)
	for _, o := range c.GetOutcomes() {
		if o.GetPoint() == monitoringv1.OutcomePoint_OUTCOME_POINT_START {
			v.HasStart = true
		}
	}
	q.page.Title = plcTitle(v.Home, c)
	return q.render(view.PlcPage(q.page, v))
}

// plcTitle names a placement by its home: "Heaton Norris House, Pennine
// Pathways Ltd".
func plcTitle(home string, c *monitoringv1.Contract) string {
	name := c.GetProviderName()
	if name == "" {
		name = c.GetProviderId()
	}
	if home == "" {
		return "Placement at " + c.GetSettingUrn() + ", " + name
	}
	return "Placement at " + home + ", " + name
}

// plcTrim is a posted text field without surrounding space.
func plcTrim(r *http.Request, name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
