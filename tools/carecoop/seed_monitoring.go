package main

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"google.golang.org/grpc"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/calendar"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// The monitoring demo, on the placement contracts monitoring made from the
// purchasing demo's awards and on placements councils made before the
// platform went live, which they record (RecordPlacement) so that the same
// homes are monitored for all their children: the lead agrees the early-warning policy
// (overdue returns counting once the history is filed), providers file a monthly return per placed setting since the placement
// started (one month left missing), a council visits, Ofsted judges one
// home Inadequate (its provider goes red, is suspended and its placing
// council alerted), another provider warns of a financial concern (amber),
// and councils record outcomes. Dates are relative to today in England.

// Who does what, by the council whose past placement is at the setting.
const (
	inadequateCouncil = "353" // Ofsted judges the home Inadequate: red
	warningCouncil    = "357" // the provider warns of a financial concern: amber
	missingCouncil    = "354" // the provider misses one monthly return
	visitCouncil      = "358" // the commissioner's quality visit
	reviewCouncil     = "352" // the one outcome review so far
)

// contractsWait bounds the wait for monitoring's own reactions: contracts
// from awards, risk levels from evidence.
const contractsWait = 30 * time.Second

type seedAddrs struct{ framework, purchasing, demand, monitoring string }

type monitoringSeeder struct {
	key   ed25519.PrivateKey
	addrs seedAddrs
	conns map[string]*grpc.ClientConn
}

// conn is a connection to addr as role of org.
func (s *monitoringSeeder) conn(addr, org, role string) (*grpc.ClientConn, error) {
	k := addr + "|" + org + "|" + role
	if c, ok := s.conns[k]; ok {
		return c, nil
	}
	tok, err := auth.IssueToken(s.key, auth.Principal{Subject: role + "@" + org, Organisation: org, Roles: []string{role}}, time.Hour)
	if err != nil {
		return nil, err
	}
	c, err := grpcserver.NewClient(addr, tok)
	if err != nil {
		return nil, err
	}
	s.conns[k] = c
	return c, nil
}

func (s *monitoringSeeder) as(org, role string) (monitoringv1.MonitoringServiceClient, error) {
	c, err := s.conn(s.addrs.monitoring, org, role)
	if err != nil {
		return nil, err
	}
	return monitoringv1.NewMonitoringServiceClient(c), nil
}

func (s *monitoringSeeder) close() {
	for _, c := range s.conns {
		_ = c.Close()
	}
}

// placedSetting is a setting with demo placements, as its returns need it.
type placedSetting struct {
	urn, provider, category string
	places                  uint32
	start                   time.Time // the earliest placement's start
	contracts               []*monitoringv1.Contract
}

// seedRiskPolicyIfDefault has the lead agree the consortium's first
// early-warning policy unless it has one, and returns the default policy it
// started from (nil: monitoring is seeded already). The first policy leaves
// overdue returns out: the past placements become contracts before their
// months' returns are back-filled, and counting those months as overdue
// would turn every placed provider red, and suspend it, for a moment.
// minPosition: the store's position after the framework seed.
func seedRiskPolicyIfDefault(ctx context.Context, addr string, key ed25519.PrivateKey, minPosition uint64) (*monitoringv1.RiskPolicy, error) {
	s := &monitoringSeeder{key: key, addrs: seedAddrs{monitoring: addr}, conns: map[string]*grpc.ClientConn{}}
	defer s.close()
	lead, err := s.as(auth.ConsortiumOrg(demoConsortium), auth.ConsortiumLead)
	if err != nil {
		return nil, err
	}
	policy, err := lead.GetRiskPolicy(ctx, &monitoringv1.GetRiskPolicyRequest{Consortium: demoConsortium, MinPosition: minPosition})
	if err != nil {
		return nil, err
	}
	if !policy.GetIsDefault() {
		return nil, nil
	}
	var first []*monitoringv1.IndicatorRule
	for _, r := range policy.GetIndicators() {
		if r.GetIndicator() != monitoringv1.Indicator_INDICATOR_MISSING_RETURNS {
			first = append(first, r)
		}
	}
	if _, err := lead.SetRiskPolicy(ctx, &monitoringv1.SetRiskPolicyRequest{RequestId: "seed-nw-risk-policy-1", Indicators: first,
		SuspendOnRed: true, ReturnDueWorkingDays: policy.GetReturnDueWorkingDays(),
		Reason: "Agreed by the commissioning board for go-live: the starting thresholds, red suspending new referrals; overdue returns count once providers have filed those of placements made before the platform"}); err != nil {
		return nil, fmt.Errorf("risk policy: %w", err)
	}
	return policy, nil
}

// seedMonitoring seeds the monitoring demo after seedRiskPolicyIfDefault
// returned policy, and returns a one-line summary. minPosition is the
// store's position after the purchasing seed.
func seedMonitoring(ctx context.Context, addrs seedAddrs, key ed25519.PrivateKey, minPosition uint64, policy *monitoringv1.RiskPolicy) (string, error) {
	s := &monitoringSeeder{key: key, addrs: addrs, conns: map[string]*grpc.ClientConn{}}
	defer s.close()
	lead, err := s.as(auth.ConsortiumOrg(demoConsortium), auth.ConsortiumLead)
	if err != nil {
		return "", err
	}
	contracts, err := s.awaitContracts(ctx, lead, minPosition)
	if err != nil {
		return "", err
	}
	past, err := s.recordPastPlacements(ctx, contracts, calendar.DateOf(time.Now()))
	if err != nil {
		return "", err
	}
	contracts = append(contracts, past...)
	settings, err := s.placedSettings(ctx, contracts)
	if err != nil {
		return "", err
	}
	return s.seed(ctx, lead, settings, contracts, policy, calendar.DateOf(time.Now()))
}

// awaitContracts waits until monitoring has made a contract of each of the
// consortium's placements (its reaction to purchasing's awards is
// asynchronous) and returns those contracts.
func (s *monitoringSeeder) awaitContracts(ctx context.Context, lead monitoringv1.MonitoringServiceClient, minPosition uint64) ([]*monitoringv1.Contract, error) {
	c, err := s.conn(s.addrs.purchasing, auth.ConsortiumOrg(demoConsortium), auth.ConsortiumLead)
	if err != nil {
		return nil, err
	}
	placements, err := purchasingv1.NewPurchasingServiceClient(c).ListPlacements(ctx, &purchasingv1.ListPlacementsRequest{MinPosition: minPosition})
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, p := range placements.GetPlacements() {
		want[p.GetPlacementId()] = true
	}
	deadline := time.Now().Add(contractsWait)
	for {
		list, err := lead.ListContracts(ctx, &monitoringv1.ListContractsRequest{Consortium: demoConsortium})
		if err != nil {
			return nil, err
		}
		var out []*monitoringv1.Contract
		for _, ct := range list.GetContracts() {
			if want[ct.GetPlacementId()] && ct.GetKind() == monitoringv1.ContractKind_CONTRACT_KIND_PLACEMENT {
				out = append(out, ct)
			}
		}
		if len(out) == len(want) {
			slices.SortFunc(out, func(a, b *monitoringv1.Contract) int {
				return cmp.Compare(a.GetStartDate()+a.GetContractId(), b.GetStartDate()+b.GetContractId())
			})
			return out, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("monitoring made %d of the %d placement contracts in %s", len(out), len(want), contractsWait)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return nil, err
		}
	}
}

// recordPastPlacements has, at each awarded home, two other Greater
// Manchester councils record the children they placed there before the
// platform went live, 3 to 8 months ago and a month apart: the homes then
// have months of returns to monitor, most of them serving two councils.
func (s *monitoringSeeder) recordPastPlacements(ctx context.Context, awarded []*monitoringv1.Contract, today time.Time) ([]*monitoringv1.Contract, error) {
	var out []*monitoringv1.Contract
	for i, ct := range awarded {
		k := slices.Index(greaterManchester, ct.GetCouncil())
		for j := range 2 {
			council := greaterManchester[(k+1+j+len(greaterManchester))%len(greaterManchester)]
			c, err := s.as(auth.CouncilOrg(council), auth.CouncilCommissioner)
			if err != nil {
				return nil, err
			}
			start := today.AddDate(0, -8+i%6+j, 3*i)
			res, err := c.RecordPlacement(ctx, &monitoringv1.RecordPlacementRequest{RequestId: fmt.Sprintf("seed-past-placement-%02d-%d", i, j), Consortium: demoConsortium,
				SettingUrn: ct.GetSettingUrn(), StartDate: start.Format("2006-01-02"), ExpectedEndDate: start.AddDate(1, 0, 0).Format("2006-01-02"),
				WeeklyPricePence: ct.GetWeeklyPricePence() + 45000, CategoryId: ct.GetCategoryId()})
			if err != nil {
				return nil, fmt.Errorf("past placement at %s: %w", ct.GetSettingUrn(), err)
			}
			got, err := c.GetContract(ctx, &monitoringv1.GetContractRequest{ContractId: res.GetId(), MinPosition: res.GetPosition()})
			if err != nil {
				return nil, err
			}
			out = append(out, got)
		}
	}
	return out, nil
}

// placedSettings groups the contracts by setting, with the registered
// places the provider's register states.
func (s *monitoringSeeder) placedSettings(ctx context.Context, contracts []*monitoringv1.Contract) ([]*placedSetting, error) {
	byURN := map[string]*placedSetting{}
	var out []*placedSetting
	for _, ct := range contracts {
		start, err := time.Parse("2006-01-02", ct.GetStartDate())
		if err != nil {
			return nil, fmt.Errorf("contract %s starts on %q: %w", ct.GetContractId(), ct.GetStartDate(), err)
		}
		st := byURN[ct.GetSettingUrn()]
		if st == nil {
			st = &placedSetting{urn: ct.GetSettingUrn(), provider: ct.GetProviderId(), category: ct.GetCategoryId(), start: start}
			byURN[st.urn] = st
			out = append(out, st)
		}
		if start.Before(st.start) {
			st.start = start
		}
		st.contracts = append(st.contracts, ct)
	}
	for _, st := range out {
		c, err := s.conn(s.addrs.purchasing, auth.ProviderOrg(st.provider), auth.ProviderResponder)
		if err != nil {
			return nil, err
		}
		view, err := purchasingv1.NewPurchasingServiceClient(c).GetProvider(ctx, &purchasingv1.GetProviderRequest{ProviderId: st.provider})
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", st.provider, err)
		}
		for _, sv := range view.GetSettings() {
			if sv.GetSetting().GetUrn() == st.urn {
				st.places = sv.GetSetting().GetRegisteredPlaces()
			}
		}
		if st.places == 0 {
			return nil, fmt.Errorf("setting %s is not on %s's register", st.urn, st.provider)
		}
	}
	return out, nil
}

// placedBy is the setting of a council's awarded placement; failing that,
// the first setting not given another part in the demo.
func placedBy(settings []*placedSetting, council string, taken ...*placedSetting) *placedSetting {
	for _, st := range settings {
		for _, ct := range st.contracts {
			if ct.GetCouncil() == council && ct.GetSource() == "award" {
				return st
			}
		}
	}
	for _, st := range settings {
		if !slices.Contains(taken, st) {
			return st
		}
	}
	return settings[0]
}

func (s *monitoringSeeder) seed(ctx context.Context, lead monitoringv1.MonitoringServiceClient, settings []*placedSetting, contracts []*monitoringv1.Contract,
	policy *monitoringv1.RiskPolicy, today time.Time) (string, error) {
	if len(settings) == 0 {
		return "monitoring demo: no placements to monitor", nil
	}
	inadequate := placedBy(settings, inadequateCouncil)
	warning := placedBy(settings, warningCouncil, inadequate)
	missing := placedBy(settings, missingCouncil, inadequate, warning)
	visited := placedBy(settings, visitCouncil, inadequate, warning, missing)
	day := func(t time.Time) string { return t.Format("2006-01-02") }

	// Monthly returns since each placement started, up to last month. They
	// are filed today, so every month whose due date has passed is filed
	// late: the history stands for returns sent before the platform. Newest
	// first, so that no window of the indicators ever holds only the month
	// with a leaver (which would read as a high turnover).
	lastMonth := monthOf(today).AddDate(0, -1, 0)
	missingMonth := lastMonth.AddDate(0, -1, 0) // long past its due date
	for _, st := range settings {
		responder, err := s.as(auth.ProviderOrg(st.provider), auth.ProviderResponder)
		if err != nil {
			return "", err
		}
		for m := lastMonth; !m.Before(monthOf(st.start)); m = m.AddDate(0, -1, 0) {
			if st == missing && m.Equal(missingMonth) {
				continue
			}
			period := m.Format("2006-01")
			if _, err := responder.SubmitMonitoringReturn(ctx, &monitoringv1.SubmitMonitoringReturnRequest{RequestId: "seed-mreturn-" + st.urn + "-" + period,
				Urn: st.urn, Period: period, Figures: demoFigures(st, m)}); err != nil {
				return "", fmt.Errorf("return of %s for %s: %w", st.urn, period, err)
			}
		}
	}

	visitOn := maxTime(visited.start, today.AddDate(0, 0, -12))
	commissioner, err := s.as(auth.CouncilOrg(visited.contracts[0].GetCouncil()), auth.CouncilCommissioner)
	if err != nil {
		return "", err
	}
	if _, err := commissioner.RecordQualityVisit(ctx, &monitoringv1.RecordQualityVisitRequest{RequestId: "seed-qa-visit-1", Urn: visited.urn,
		VisitedOn: day(visitOn), Rating: monitoringv1.VisitRating_VISIT_RATING_CONCERNS,
		Findings:   "Children said they feel safe and staff listen. Weekend shifts rely on agency staff and key-work sessions are written up late; the registered manager has a recruitment plan.",
		Actions:    []*monitoringv1.VisitAction{{Action: "Send the weekend staffing plan and a sample of key-work records to the commissioner", DueOn: day(visitOn.AddDate(0, 0, 28))}},
		FollowUpOn: day(visitOn.AddDate(0, 0, 42))}); err != nil {
		return "", fmt.Errorf("quality visit at %s: %w", visited.urn, err)
	}

	// Ofsted's judgement arrives through the platform's feed of published
	// judgements: no council or lead records one.
	feed, err := s.as(auth.OrgPlatform, auth.PlatformAdmin)
	if err != nil {
		return "", err
	}
	if _, err := feed.RecordOfstedJudgement(ctx, &monitoringv1.RecordOfstedJudgementRequest{RequestId: "seed-ofsted-" + inadequate.urn, Urn: inadequate.urn,
		Grade: purchasingv1.OfstedGrade_OFSTED_GRADE_INADEQUATE, InspectionDate: day(today.AddDate(0, 0, -9)), InspectionType: "full"}); err != nil {
		return "", fmt.Errorf("Ofsted judgement of %s: %w", inadequate.urn, err)
	}

	admin, err := s.as(auth.ProviderOrg(warning.provider), auth.ProviderAdmin)
	if err != nil {
		return "", err
	}
	if _, err := admin.RaiseFinancialWarning(ctx, &monitoringv1.RaiseFinancialWarningRequest{RequestId: "seed-financial-warning-1", Level: 1,
		Summary: "Occupancy has been below plan since the spring and a loan falls due next year; the board has agreed a recovery plan and will report monthly."}); err != nil {
		return "", fmt.Errorf("financial warning of %s: %w", warning.provider, err)
	}

	outcomes := 0
	var pos uint64
	for i, ct := range contracts {
		council, err := s.as(auth.CouncilOrg(ct.GetCouncil()), auth.CouncilCommissioner)
		if err != nil {
			return "", err
		}
		start := &monitoringv1.OutcomeScores{Stability: 2 + uint32(i%2), Education: 2 + uint32(i%3), Health: 3, Wellbeing: 2 + uint32((i+1)%2), ChildsView: 3}
		res, err := council.RecordOutcome(ctx, &monitoringv1.RecordOutcomeRequest{RequestId: "seed-outcome-start-" + ct.GetContractId(), ContractId: ct.GetContractId(),
			Point: monitoringv1.OutcomePoint_OUTCOME_POINT_START, RecordedOn: ct.GetStartDate(), Scores: start})
		if err != nil {
			return "", fmt.Errorf("start outcomes of %s: %w", ct.GetContractId(), err)
		}
		outcomes, pos = outcomes+1, res.GetPosition()
		if ct.GetCouncil() != reviewCouncil {
			continue
		}
		began, _ := time.Parse("2006-01-02", ct.GetStartDate())
		review := &monitoringv1.OutcomeScores{Stability: start.Stability + 1, Education: start.Education + 1, Health: start.Health, Wellbeing: start.Wellbeing + 1, ChildsView: 4}
		res, err = council.RecordOutcome(ctx, &monitoringv1.RecordOutcomeRequest{RequestId: "seed-outcome-review-" + ct.GetContractId(), ContractId: ct.GetContractId(),
			Point: monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW, RecordedOn: day(minTime(today, began.AddDate(0, 3, 0))), Scores: review})
		if err != nil {
			return "", fmt.Errorf("review outcomes of %s: %w", ct.GetContractId(), err)
		}
		outcomes, pos = outcomes+1, res.GetPosition()
	}

	// The history is filed: overdue returns count from now on.
	res, err := lead.SetRiskPolicy(ctx, &monitoringv1.SetRiskPolicyRequest{RequestId: "seed-nw-risk-policy-2", Indicators: policy.GetIndicators(),
		SuspendOnRed: true, ReturnDueWorkingDays: policy.GetReturnDueWorkingDays(),
		Reason: "Providers have filed the returns of placements made before the platform: overdue returns count from now on"})
	if err != nil {
		return "", fmt.Errorf("risk policy: %w", err)
	}
	pos = res.GetPosition()
	if err := s.awaitRisk(ctx, lead, pos, inadequate.provider, warning.provider, missing.provider); err != nil {
		return "", err
	}
	compliance, err := lead.ListReturnCompliance(ctx, &monitoringv1.ListReturnComplianceRequest{Consortium: demoConsortium, MinPosition: pos})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("monitoring demo: %d placements at %d settings, %d monthly returns (%d late, %d missing), 1 quality visit, "+
		"%s judged Inadequate (%s red), %s warned of a financial concern (amber), %d outcome records",
		len(contracts), len(settings), compliance.GetFiled(), len(compliance.GetLate()), len(compliance.GetMissing()),
		inadequate.urn, inadequate.provider, warning.provider, outcomes), nil
}

// awaitRisk waits until monitoring has assessed the red and the amber
// providers and the policy's suspension has reached the framework's lots,
// so that the stack is settled when it says it is ready.
func (s *monitoringSeeder) awaitRisk(ctx context.Context, lead monitoringv1.MonitoringServiceClient, pos uint64, red string, amber ...string) error {
	c, err := s.conn(s.addrs.framework, auth.ConsortiumOrg(demoConsortium), auth.ConsortiumLead)
	if err != nil {
		return err
	}
	fw := frameworkv1.NewFrameworkServiceClient(c)
	deadline := time.Now().Add(contractsWait)
	for {
		levels, err := lead.ListRiskLevels(ctx, &monitoringv1.ListRiskLevelsRequest{Consortium: demoConsortium, MinPosition: pos})
		if err != nil {
			return err
		}
		settled := false
		for _, p := range levels.GetProviders() {
			if p.GetProviderId() == red {
				settled = p.GetLevel() == monitoringv1.RiskLevel_RISK_LEVEL_RED && p.GetSuspended()
			}
		}
		for _, id := range amber {
			seen := false
			for _, p := range levels.GetProviders() {
				seen = seen || p.GetProviderId() == id && p.GetLevel() >= monitoringv1.RiskLevel_RISK_LEVEL_AMBER
			}
			settled = settled && seen
		}
		if settled {
			frameworks, err := fw.ListFrameworks(ctx, &frameworkv1.ListFrameworksRequest{Consortium: demoConsortium})
			if err != nil {
				return err
			}
			for _, f := range frameworks.GetFrameworks() {
				for _, l := range f.GetLots() {
					for _, p := range l.GetProviders() {
						if p.GetProviderId() == red && p.GetStatus() != frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_SUSPENDED {
							settled = false
						}
					}
				}
			}
			if settled {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("monitoring had not made %s red and suspended, and %v amber, within %s", red, amber, contractsWait)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// demoFigures invents a plausible month at a setting, the same every time
// for the same setting and month, and well inside the default policy's
// amber thresholds: the demo's colours come from the events above.
func demoFigures(st *placedSetting, m time.Time) *monitoringv1.ReturnFigures {
	h := fnv.New64a()
	_, _ = h.Write([]byte(st.urn + m.Format("2006-01")))
	rng := rand.New(rand.NewPCG(h.Sum64(), 7104))
	places := st.places
	placed := uint32(0)
	for _, ct := range st.contracts {
		if ct.GetStartDate() <= m.AddDate(0, 1, -1).Format("2006-01-02") {
			placed++
		}
	}
	placed = min(max(placed, 1), places)
	// Children placed on average over the month, in half places.
	occupied := float64(placed) + float64(rng.IntN(int(2*(places-placed))+1))/2
	f := &monitoringv1.ReturnFigures{
		RegisteredPlaces: places, OccupiedPlaces: occupied,
		AgencyShiftPercent:         math.Round((2+rng.Float64()*10)*10) / 10,
		EducationAttendancePercent: math.Round((91+rng.Float64()*7)*10) / 10,
		MissingEpisodes:            uint32(rng.IntN(3)),
	}
	switch st.category {
	case "fostering-standard", "fostering-enhanced":
		f.StaffInPost = places/3 + 4 // supervising social workers and support
		f.AgencyShiftPercent = math.Round(rng.Float64()*40) / 10
		f.MissingEpisodes = uint32(rng.IntN(2))
	case "supported-16-plus":
		f.StaffInPost = places + 3
	default:
		f.StaffInPost = 2*places + 6
		if places >= 2 && rng.IntN(4) == 0 {
			f.Restraints = 1
		}
	}
	// One police call-out now and then, never more than one a quarter.
	if places >= 2 && m.Month()%3 == 1 && rng.IntN(3) == 0 {
		f.Incidents = []*monitoringv1.IncidentCount{{Type: monitoringv1.IncidentType_INCIDENT_TYPE_POLICE_INVOLVEMENT, Count: 1}}
	}
	// One leaver in the first month of a history of 7 months or more, so
	// that the annualised turnover stays under the amber threshold.
	if m.Equal(monthOf(st.start)) && monthOf(st.start).AddDate(0, 7, 0).Before(time.Now()) {
		f.StaffLeavers = 1
	}
	if rng.IntN(5) == 0 {
		f.Complaints = 1
	}
	if n := rng.IntN(int(occupied) + 1); n > 0 {
		f.FeedbackResponses = uint32(n)
		f.FeedbackScore = math.Round((3.8+rng.Float64())*10) / 10
		themes := []string{"feel_safe", "staff_listen", "activities", "food", "contact_with_family", "education_support"}
		f.FeedbackThemes = []string{themes[rng.IntN(3)], themes[3+rng.IntN(3)]}
	}
	return f
}

func monthOf(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC) }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
