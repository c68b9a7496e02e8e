package web

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// consortiumRoutes are the lead's consortium settings pages.
func (s *Server) consortiumRoutes() {
	s.page("GET /consortium", leadOnly, s.consortiumSettings)
	s.page("GET /consortium/disclosure-policy", leadOnly, s.disclosurePolicyForm)
	s.page("POST /consortium/disclosure-policy", leadOnly, s.setDisclosurePolicy)
	s.page("GET /consortium/risk-policy", leadOnly, s.riskPolicyForm)
	s.page("POST /consortium/risk-policy", leadOnly, s.setRiskPolicy)
}

// consortiumSettings shows the member councils (from the consortium's
// frameworks and DPSs), the disclosure policy and the risk policy.
func (s *Server) consortiumSettings(q *rq) error {
	slug := q.sess.Principal.OrgID()
	councils, err := s.memberCouncils(q)
	if err != nil {
		return err
	}
	disclosure, err := s.demand.GetDisclosurePolicy(q.ctx, &demandv1.GetDisclosurePolicyRequest{MinPosition: q.at()})
	if err != nil {
		return err
	}
	page := view.ConsortiumSettings{Slug: slug, Councils: councils, Disclosure: disclosure}
	risk, err := s.monitoring.GetRiskPolicy(q.ctx, &monitoringv1.GetRiskPolicyRequest{Consortium: slug, MinPosition: q.at()})
	switch {
	case status.Code(err) == codes.NotFound:
		// Monitoring does not know the consortium yet: no policy to show.
	case err != nil:
		return err
	default:
		page.Risk = risk
		if !risk.GetIsDefault() {
			log, err := s.monitoring.GetDecisionLog(q.ctx, &monitoringv1.GetDecisionLogRequest{Aggregate: "policy", Id: slug, MinPosition: q.at()})
			if err != nil {
				return err
			}
			if ds := log.GetDecisions(); len(ds) > 0 {
				last := ds[len(ds)-1]
				page.RiskChanged = view.When(last.GetOccurredAt()) + " by " + last.GetActor().GetSubject()
			}
		}
	}
	q.page.Title = "Consortium settings"
	return q.render(view.Consortium(q.page, page))
}

// memberCouncils are the councils of the consortium's frameworks and
// DPSs, by LA code, each with the arrangements it belongs to.
func (s *Server) memberCouncils(q *rq) ([]view.MemberCouncil, error) {
	slug := q.sess.Principal.OrgID()
	byCode := map[string]*view.MemberCouncil{}
	add := func(code string, a view.Arrangement) {
		c := byCode[code]
		if c == nil {
			c = &view.MemberCouncil{Code: code, Name: view.CouncilName(code)}
			byCode[code] = c
		}
		c.Arrangements = append(c.Arrangements, a)
	}
	fws, err := s.framework.ListFrameworks(q.ctx, &frameworkv1.ListFrameworksRequest{Consortium: slug, MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	for _, fw := range fws.GetFrameworks() {
		for _, la := range fw.GetMemberCouncils() {
			add(la, view.Arrangement{Kind: "Framework", Title: fw.GetTitle(), Href: "/frameworks/" + fw.GetFrameworkId()})
		}
	}
	dpss, err := s.purchasing.ListDps(q.ctx, &purchasingv1.ListDpsRequest{Consortium: slug, MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	for _, d := range dpss.GetDps() {
		full, err := s.purchasing.GetDps(q.ctx, &purchasingv1.GetDpsRequest{DpsId: d.GetDpsId()})
		if err != nil {
			return nil, err
		}
		for _, la := range full.GetTerms().GetMemberCouncils() {
			add(la, view.Arrangement{Kind: "DPS", Title: full.GetTerms().GetTitle(), Href: "/dps/" + d.GetDpsId()})
		}
	}
	out := make([]view.MemberCouncil, 0, len(byCode))
	for _, c := range byCode {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}

// plainWords replaces the messages of the named fields with the form's own
// words (the service's are about the API, not the page).
func plainWords(errs []view.FieldError, words map[string]string) []view.FieldError {
	for i, e := range errs {
		if w, ok := words[e.Field]; ok {
			errs[i].Message = w
		}
	}
	return errs
}

var disclosureWords = map[string]string{
	"threshold":           "Enter a suppression threshold between 3 and 50",
	"min_price_providers": "Enter a number of providers between 3 and 50",
}

func (s *Server) disclosurePolicyForm(q *rq) error {
	d, err := s.demand.GetDisclosurePolicy(q.ctx, &demandv1.GetDisclosurePolicyRequest{MinPosition: q.at()})
	if err != nil {
		return err
	}
	q.page.Title = "Change the disclosure policy"
	return q.render(view.DisclosurePolicyForm(q.page, view.DisclosureForm{RequestID: newRequestID(), Version: strconv.FormatUint(d.GetVersion(), 10),
		Threshold: strconv.Itoa(int(d.GetThreshold())), MinPriceProviders: strconv.Itoa(int(d.GetMinPriceProviders()))}))
}

// setDisclosurePolicy changes the policy (SetDisclosurePolicy) expecting
// the version the form was shown with.
func (s *Server) setDisclosurePolicy(q *rq) error {
	f := view.DisclosureForm{RequestID: formRequestID(q.r), Version: q.r.PostFormValue("expected_version"),
		Threshold: strings.TrimSpace(q.r.PostFormValue("threshold")), MinPriceProviders: strings.TrimSpace(q.r.PostFormValue("min_price_providers")),
		Reason: strings.TrimSpace(q.r.PostFormValue("reason"))}
	q.page.Title = "Change the disclosure policy"
	again := func(errs []view.FieldError) error {
		f.Errors = errs
		q.page.Errors = errs
		return q.render(view.DisclosurePolicyForm(q.page, f))
	}
	var errs []view.FieldError
	threshold, err := strconv.ParseUint(f.Threshold, 10, 32)
	if err != nil {
		errs = append(errs, view.FieldError{Field: "threshold", Message: "Enter the suppression threshold as a whole number, like 5"})
	}
	minProviders, err := strconv.ParseUint(f.MinPriceProviders, 10, 32)
	if err != nil {
		errs = append(errs, view.FieldError{Field: "min_price_providers", Message: "Enter the number of providers as a whole number, like 3"})
	}
	if f.Reason == "" {
		errs = append(errs, view.FieldError{Field: "reason", Message: "Enter why you are changing the disclosure policy"})
	}
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	expected, _ := strconv.ParseUint(f.Version, 10, 64)
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.demand.SetDisclosurePolicy(q.ctx, &demandv1.SetDisclosurePolicyRequest{RequestId: requestID, Threshold: uint32(threshold),
			MinPriceProviders: uint32(minProviders), Reason: f.Reason, ExpectedVersion: expected})
		return res.GetPosition(), err
	}, "/consortium", "Disclosure policy saved", func(errs []view.FieldError) error { return again(plainWords(errs, disclosureWords)) })
}

func (s *Server) riskPolicyForm(q *rq) error {
	pol, err := s.monitoring.GetRiskPolicy(q.ctx, &monitoringv1.GetRiskPolicyRequest{Consortium: q.sess.Principal.OrgID(), MinPosition: q.at()})
	if err != nil {
		return err
	}
	f := view.RiskForm{RequestID: newRequestID(), SuspendOnRed: "no", DueDays: strconv.Itoa(int(pol.GetReturnDueWorkingDays()))}
	if pol.GetSuspendOnRed() {
		f.SuspendOnRed = "yes"
	}
	for _, r := range pol.GetIndicators() {
		f.Rows = append(f.Rows, view.RiskRow{Rule: r, Amber: view.Number(r.GetAmber()), Red: view.Number(r.GetRed())})
	}
	q.page.Title = "Change the risk policy"
	return q.render(view.RiskPolicyForm(q.page, f))
}

// indicatorEnum finds an indicator's enum name in a service's message.
var indicatorEnum = regexp.MustCompile(`INDICATOR_[A-Z_]+`)

// setRiskPolicy changes the thresholds of the policy's indicators (their
// windows stay as they are), suspend-on-red and the return deadline.
func (s *Server) setRiskPolicy(q *rq) error {
	pol, err := s.monitoring.GetRiskPolicy(q.ctx, &monitoringv1.GetRiskPolicyRequest{Consortium: q.sess.Principal.OrgID()})
	if err != nil {
		return err
	}
	if err := q.r.ParseForm(); err != nil {
		return status.Error(codes.InvalidArgument, "the form could not be read")
	}
	form := q.r.PostForm
	f := view.RiskForm{RequestID: formRequestID(q.r), SuspendOnRed: form.Get("suspend_on_red"),
		DueDays: strings.TrimSpace(form.Get("return_due_working_days")), Reason: strings.TrimSpace(form.Get("reason"))}
	q.page.Title = "Change the risk policy"
	again := func(errs []view.FieldError) error {
		for i, e := range errs {
			errs[i].Message = indicatorEnum.ReplaceAllStringFunc(e.Message, func(name string) string {
				return view.IndicatorName(monitoringv1.Indicator(monitoringv1.Indicator_value[name]))
			})
		}
		f.Errors = errs
		q.page.Errors = errs
		return q.render(view.RiskPolicyForm(q.page, f))
	}
	var errs []view.FieldError
	var rules []*monitoringv1.IndicatorRule
	for i, r := range pol.GetIndicators() {
		row := view.RiskRow{Rule: r}
		rule := &monitoringv1.IndicatorRule{Indicator: r.GetIndicator(), WindowMonths: r.GetWindowMonths()}
		name := view.IndicatorName(r.GetIndicator())
		for _, which := range []string{"amber", "red"} {
			id := view.FieldID("indicators[" + strconv.Itoa(i) + "]." + which)
			typed := strings.TrimSpace(form.Get(id))
			v, err := strconv.ParseFloat(typed, 64)
			if err != nil {
				errs = append(errs, view.FieldError{Field: id, Message: "Enter the " + which + " threshold of " + name + " as a number, like 2 or 3.5"})
			}
			if which == "amber" {
				row.Amber, rule.Amber = typed, v
			} else {
				row.Red, rule.Red = typed, v
			}
		}
		f.Rows = append(f.Rows, row)
		rules = append(rules, rule)
	}
	if f.SuspendOnRed != "yes" && f.SuspendOnRed != "no" {
		errs = append(errs, view.FieldError{Field: "suspend_on_red", Message: "Select whether to suspend a provider at red"})
	}
	due, err := strconv.ParseUint(f.DueDays, 10, 32)
	if err != nil {
		errs = append(errs, view.FieldError{Field: "return_due_working_days", Message: "Enter the working days as a whole number, like 10"})
	}
	if f.Reason == "" {
		errs = append(errs, view.FieldError{Field: "reason", Message: "Enter why you are changing the risk policy"})
	}
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.monitoring.SetRiskPolicy(q.ctx, &monitoringv1.SetRiskPolicyRequest{RequestId: requestID, Indicators: rules,
			SuspendOnRed: f.SuspendOnRed == "yes", ReturnDueWorkingDays: uint32(due), Reason: f.Reason})
		return res.GetPosition(), err
	}, "/consortium", "Risk policy saved", func(errs []view.FieldError) error {
		return again(plainWords(errs, map[string]string{"return_due_working_days": "Enter between 1 and 30 working days"}))
	})
}
