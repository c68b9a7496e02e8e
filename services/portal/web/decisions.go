package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/eventstore"
	"github.com/carecoop/carecoop/services/portal/view"
)

// decisionRoutes are the decision logs pages: the list of logs a lead may
// open, and one page per log (a framework's, a DPS's, a provider's record,
// its risk levels, a setting's, the risk policy's), each filterable by
// decision and date and downloadable as CSV (?format=csv). An auditor reads
// the same pages, read only, for any consortium (platform_decisions.go).
func (s *Server) decisionRoutes() {
	s.page("GET /decisions", platDecisionReaders, s.decisionLogs)
	s.page("GET /decisions/frameworks/{id}", platDecisionReaders, s.frameworkLog)
	s.page("GET /decisions/dps/{id}", platDecisionReaders, s.dpsLog)
	s.page("GET /decisions/providers/{id}", platDecisionReaders, s.providerLog)
	s.page("GET /decisions/providers/{id}/risk", platDecisionReaders, s.riskLog)
	s.page("GET /decisions/settings/{urn}", platDecisionReaders, s.settingLog)
	s.page("GET /decisions/risk-policy", platDecisionReaders, s.riskPolicyLog)
	s.a13cLogRoutes() // referrals, contracts, block contracts
}

// decisionsPerPage is how many decisions a page of a log shows (the CSV
// holds every decision the filter keeps).
const decisionsPerPage = 50

// logZone is where the platform's users are: dates filter in UK time.
var logZone = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// logged is one decision of any service's log.
type logged struct {
	at                                             time.Time
	who, role, org, decision, summary, reason      string
	lot, provider                                  string
	eventID, correlationID, causationID, requestID string
}

// decisionLog is one log as fetched: what it is of, and its decisions,
// oldest first.
type decisionLog struct {
	kind, title string
	// file names the CSV download.
	file      string
	decisions []logged
}

func logTime(ts *timestamppb.Timestamp) time.Time { return ts.AsTime() }

// decisionLogs lists the logs the lead may open: the consortium's
// frameworks and DPSs, its risk policy, and each provider it works with
// (its record, its risk levels, its settings).
func (s *Server) decisionLogs(q *rq) error {
	if platAuditing(q) {
		return s.platAuditorLogs(q)
	}
	idx, err := s.consortiumLogs(q, q.sess.Principal.OrgID())
	if err != nil {
		return err
	}
	q.page.Title = "Decision logs"
	return q.render(view.DecisionLogs(q.page, idx))
}

// consortiumLogs are the logs of one consortium: what its lead may open,
// and what an auditor reads of it.
func (s *Server) consortiumLogs(q *rq, slug string) (view.LogIndex, error) {
	var idx view.LogIndex
	fws, err := s.framework.ListFrameworks(q.ctx, &frameworkv1.ListFrameworksRequest{Consortium: slug, MinPosition: q.at()})
	if err != nil {
		return idx, err
	}
	for _, fw := range fws.GetFrameworks() {
		idx.Frameworks = append(idx.Frameworks, view.LogLink{Title: fw.GetTitle(), Href: "/decisions/frameworks/" + fw.GetFrameworkId(), Status: view.Words(fw.GetStatus())})
	}
	dpss, err := s.purchasing.ListDps(q.ctx, &purchasingv1.ListDpsRequest{Consortium: slug, MinPosition: q.at()})
	if err != nil {
		return idx, err
	}
	for _, d := range dpss.GetDps() {
		idx.DPS = append(idx.DPS, view.LogLink{Title: d.GetTitle(), Href: "/decisions/dps/" + d.GetDpsId(), Status: view.Words(d.GetStatus())})
	}
	risks, err := s.monitoring.ListRiskLevels(q.ctx, &monitoringv1.ListRiskLevelsRequest{Consortium: slug, MinPosition: q.at()})
	switch {
	case status.Code(err) == codes.NotFound:
		// Monitoring does not know the consortium yet.
	case err != nil:
		return idx, err
	default:
		idx.Monitoring = true
		contracts, err := s.monitoring.ListContracts(q.ctx, &monitoringv1.ListContractsRequest{Consortium: slug})
		if err != nil {
			return idx, err
		}
		settings := map[string]map[string]bool{}
		note := func(provider, urn string) {
			if urn == "" {
				return
			}
			if settings[provider] == nil {
				settings[provider] = map[string]bool{}
			}
			settings[provider][urn] = true
		}
		for _, c := range contracts.GetContracts() {
			note(c.GetProviderId(), c.GetSettingUrn())
		}
		for _, r := range risks.GetProviders() {
			for _, st := range r.GetSettings() {
				note(r.GetProviderId(), st.GetUrn())
			}
			pl := view.ProviderLogs{ID: r.GetProviderId(), Name: r.GetProviderName(), Level: r.GetLevel()}
			for urn := range settings[r.GetProviderId()] {
				pl.Settings = append(pl.Settings, urn)
			}
			sort.Strings(pl.Settings)
			idx.Providers = append(idx.Providers, pl)
		}
		sort.Slice(idx.Providers, func(i, j int) bool {
			a, b := idx.Providers[i], idx.Providers[j]
			return strings.ToLower(providerSortName(a)) < strings.ToLower(providerSortName(b))
		})
	}
	return idx, nil
}

func providerSortName(p view.ProviderLogs) string {
	if p.Name != "" {
		return p.Name
	}
	return p.ID
}

func (s *Server) frameworkLog(q *rq) error {
	id := q.r.PathValue("id")
	return s.showLog(q, func() (decisionLog, error) {
		res, err := s.framework.GetDecisionLog(q.ctx, &frameworkv1.GetDecisionLogRequest{FrameworkId: id, MinPosition: q.at()})
		if err != nil {
			return decisionLog{}, err
		}
		fw, err := s.framework.GetFramework(q.ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id})
		if err != nil {
			return decisionLog{}, err
		}
		log := decisionLog{kind: "Framework", title: fw.GetTitle(), file: id}
		for _, d := range res.GetDecisions() {
			log.decisions = append(log.decisions, logged{at: logTime(d.GetOccurredAt()), who: d.GetActor().GetSubject(), role: d.GetActor().GetRole(),
				org: d.GetActor().GetOrganisation(), decision: d.GetDecision(), summary: d.GetSummary(), reason: d.GetReason(),
				lot: d.GetLotId(), provider: d.GetProviderId(), eventID: d.GetEventId(), correlationID: d.GetCorrelationId(),
				causationID: d.GetCausationId(), requestID: d.GetRequestId()})
		}
		return log, nil
	})
}

func (s *Server) dpsLog(q *rq) error {
	id := q.r.PathValue("id")
	return s.showLog(q, func() (decisionLog, error) {
		if !strings.HasPrefix(id, "dps-") {
			return decisionLog{}, status.Error(codes.NotFound, "not a DPS")
		}
		res, err := s.purchasing.GetDecisionLog(q.ctx, &purchasingv1.GetDecisionLogRequest{Id: id, MinPosition: q.at()})
		if err != nil {
			return decisionLog{}, err
		}
		dps, err := s.purchasing.GetDps(q.ctx, &purchasingv1.GetDpsRequest{DpsId: id})
		if err != nil {
			return decisionLog{}, err
		}
		log := decisionLog{kind: "Dynamic purchasing system", title: dps.GetTerms().GetTitle(), file: id}
		for _, d := range res.GetDecisions() {
			log.decisions = append(log.decisions, logged{at: logTime(d.GetOccurredAt()), who: d.GetActor().GetSubject(), role: d.GetActor().GetRole(),
				org: d.GetActor().GetOrganisation(), decision: d.GetDecision(), summary: d.GetSummary(), reason: d.GetReason(),
				provider: d.GetProviderId(), eventID: d.GetEventId(), correlationID: d.GetCorrelationId(), causationID: d.GetCausationId()})
		}
		return log, nil
	})
}

// monitoringLog is one of monitoring's logs.
func (s *Server) monitoringLog(q *rq, aggregate, id string, log decisionLog) (decisionLog, error) {
	res, err := s.monitoring.GetDecisionLog(q.ctx, &monitoringv1.GetDecisionLogRequest{Aggregate: aggregate, Id: id, MinPosition: q.at()})
	if err != nil {
		return decisionLog{}, err
	}
	for _, d := range res.GetDecisions() {
		log.decisions = append(log.decisions, logged{at: logTime(d.GetOccurredAt()), who: d.GetActor().GetSubject(), role: d.GetActor().GetRole(),
			org: d.GetActor().GetOrganisation(), decision: d.GetDecision(), summary: d.GetSummary(), eventID: d.GetEventId(),
			correlationID: d.GetCorrelationId(), causationID: d.GetCausationId(), requestID: d.GetRequestId()})
	}
	return log, nil
}

// providerName is a provider's name as monitoring knows it, or its id.
func (s *Server) providerName(q *rq, id string) (string, error) {
	slug := platLogConsortium(q)
	if slug == "" {
		// An auditor who came from the list of every provider.
		pv, err := s.purchasing.GetProvider(q.ctx, &purchasingv1.GetProviderRequest{ProviderId: id})
		if err != nil {
			return "", err
		}
		return platNameOr(pv.GetProfile().GetLegalName(), id), nil
	}
	res, err := s.monitoring.ListRiskLevels(q.ctx, &monitoringv1.ListRiskLevelsRequest{Consortium: slug, ProviderId: id})
	if err != nil {
		return "", err
	}
	for _, p := range res.GetProviders() {
		if p.GetProviderName() != "" {
			return p.GetProviderName(), nil
		}
	}
	return id, nil
}

func (s *Server) providerLog(q *rq) error {
	id := q.r.PathValue("id")
	return s.showLog(q, func() (decisionLog, error) {
		log, err := s.monitoringLog(q, "provider", id, decisionLog{kind: "Provider record", file: "provider-" + id})
		if err != nil {
			return log, err
		}
		log.title, err = s.providerName(q, id)
		return log, err
	})
}

func (s *Server) riskLog(q *rq) error {
	id := q.r.PathValue("id")
	if platLogConsortium(q) == "" {
		return status.Error(codes.NotFound, "risk levels are a consortium's")
	}
	return s.showLog(q, func() (decisionLog, error) {
		log, err := s.monitoringLog(q, "risk", eventstore.ComposeID(platLogConsortium(q), id), decisionLog{kind: "Risk levels", file: "risk-" + id})
		if err != nil {
			return log, err
		}
		log.title, err = s.providerName(q, id)
		return log, err
	})
}

func (s *Server) settingLog(q *rq) error {
	urn := q.r.PathValue("urn")
	return s.showLog(q, func() (decisionLog, error) {
		return s.monitoringLog(q, "setting", urn, decisionLog{kind: "Setting", title: "Setting " + urn, file: "setting-" + urn})
	})
}

func (s *Server) riskPolicyLog(q *rq) error {
	slug := platLogConsortium(q)
	if slug == "" {
		return status.Error(codes.NotFound, "a risk policy is a consortium's")
	}
	return s.showLog(q, func() (decisionLog, error) {
		return s.monitoringLog(q, "policy", slug, decisionLog{kind: "Risk policy", title: "Risk policy of consortium " + slug, file: "risk-policy-" + slug})
	})
}

// logFilter is what a log is filtered by: a decision, and dates from and
// to (inclusive, UK time).
type logFilter struct {
	decision           string
	from, to           time.Time // zero: open
	fromField, toField view.DateField
}

func (f logFilter) keeps(d logged) bool {
	if f.decision != "" && d.decision != f.decision {
		return false
	}
	day := d.at.In(logZone)
	if !f.from.IsZero() && day.Before(f.from) {
		return false
	}
	if !f.to.IsZero() && !day.Before(f.to.AddDate(0, 0, 1)) {
		return false
	}
	return true
}

func (f logFilter) active() bool { return f.decision != "" || !f.from.IsZero() || !f.to.IsZero() }

// parseFilter reads the filter form's fields; a date that is not real is
// an error for its field (and filters nothing).
func parseFilter(v url.Values) (logFilter, []view.FieldError) {
	f := logFilter{decision: v.Get("decision")}
	var errs []view.FieldError
	var err *view.FieldError
	f.fromField, f.from, err = dateOf(v, "from", "From", "The date from")
	if err != nil {
		errs = append(errs, *err)
	}
	f.toField, f.to, err = dateOf(v, "to", "To", "The date to")
	if err != nil {
		errs = append(errs, *err)
	}
	if !f.from.IsZero() && !f.to.IsZero() && f.to.Before(f.from) {
		errs = append(errs, view.FieldError{Field: "to-day", Message: "The date to must be the same as or after the date from"})
		f.to = time.Time{}
	}
	f.fromField.Errors, f.toField.Errors = errs, errs
	return f, errs
}

// dateOf reads the date input id (id-day, id-month, id-year): zero time if
// it is left empty, an error naming it if it is not a real date.
func dateOf(v url.Values, id, label, name string) (view.DateField, time.Time, *view.FieldError) {
	f := view.DateField{ID: id, Label: label, Hint: "For example, 3 12 2026",
		Day: strings.TrimSpace(v.Get(id + "-day")), Month: strings.TrimSpace(v.Get(id + "-month")), Year: strings.TrimSpace(v.Get(id + "-year"))}
	if f.Day == "" && f.Month == "" && f.Year == "" {
		return f, time.Time{}, nil
	}
	for _, part := range []struct{ value, name string }{{f.Day, "day"}, {f.Month, "month"}, {f.Year, "year"}} {
		if part.value == "" {
			return f, time.Time{}, &view.FieldError{Field: id + "-" + part.name, Message: name + " must include a " + part.name}
		}
	}
	d, derr := strconv.Atoi(f.Day)
	m, merr := strconv.Atoi(f.Month)
	y, yerr := strconv.Atoi(f.Year)
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, logZone)
	if derr != nil || merr != nil || yerr != nil || len(f.Year) != 4 || t.Day() != d || int(t.Month()) != m || t.Year() != y {
		return f, time.Time{}, &view.FieldError{Field: id + "-day", Message: name + " must be a real date"}
	}
	return f, t, nil
}

// showLog shows a log (or its CSV): fetched, filtered, paged. A log the
// lead may not read (another consortium's framework: the service refuses
// it though the framework is published) is not found, as any other
// consortium's record is, and so is an id a service would not take; the
// page itself is refused (403) only to a person who is not a lead.
func (s *Server) showLog(q *rq, fetch func() (decisionLog, error)) error {
	log, err := fetch()
	switch status.Code(err) {
	case codes.InvalidArgument, codes.PermissionDenied:
		err = status.Error(codes.NotFound, "no such log")
	}
	if err != nil {
		return err
	}
	query := q.r.URL.Query()
	filter, errs := parseFilter(query)
	var kept []logged
	for _, d := range log.decisions {
		if filter.keeps(d) {
			kept = append(kept, d)
		}
	}
	if query.Get("format") == "csv" && len(errs) == 0 {
		return writeDecisionsCSV(q.w, log, kept)
	}

	v := view.DecisionLogView{Kind: log.kind, Title: log.title, Path: q.r.URL.Path, Decision: filter.decision,
		From: filter.fromField, To: filter.toField, Filtered: filter.active(), Total: len(log.decisions), Matching: len(kept)}
	seen := map[string]bool{}
	for _, d := range log.decisions {
		if !seen[d.decision] {
			seen[d.decision] = true
			v.Decisions = append(v.Decisions, view.Option{Value: d.decision, Text: view.DecisionWords(d.decision)})
		}
	}
	sort.Slice(v.Decisions, func(i, j int) bool { return v.Decisions[i].Text < v.Decisions[j].Text })

	// Links keep the filter; paging drops the position a command left.
	link := func(set map[string]string) string {
		l := url.Values{}
		for k, vals := range query {
			if k != "page" && k != "format" && k != "at" {
				l[k] = vals
			}
		}
		for k, val := range set {
			l.Set(k, val)
		}
		if len(l) == 0 {
			return q.r.URL.Path
		}
		return q.r.URL.Path + "?" + l.Encode()
	}
	v.CSV = link(map[string]string{"format": "csv"})

	pages := max(1, (len(kept)+decisionsPerPage-1)/decisionsPerPage)
	page, _ := strconv.Atoi(query.Get("page"))
	page = min(max(page, 1), pages)
	first := (page - 1) * decisionsPerPage
	for _, d := range kept[first:min(first+decisionsPerPage, len(kept))] {
		v.Rows = append(v.Rows, view.DecisionRow{When: view.When(timestamppb.New(d.at)), Who: d.who, Role: view.RoleWords(d.role),
			Organisation: view.OrganisationWords(d.org), Decision: view.DecisionWords(d.decision), Summary: d.summary, Reason: d.reason})
	}
	v.First = first + 1
	pageLink := func(n int) string { return link(map[string]string{"page": strconv.Itoa(n)}) }
	if pages > 1 {
		if page > 1 {
			v.Prev = pageLink(page - 1)
		}
		if page < pages {
			v.Next = pageLink(page + 1)
		}
		for n := 1; n <= pages; n++ {
			switch {
			case n == 1 || n == pages || (n >= page-1 && n <= page+1):
				v.Pages = append(v.Pages, view.PageLink{Number: n, Href: pageLink(n), Current: n == page})
			case len(v.Pages) > 0 && !v.Pages[len(v.Pages)-1].Gap:
				v.Pages = append(v.Pages, view.PageLink{Gap: true})
			}
		}
	}
	v.Back = "/decisions"
	if platAuditing(q) {
		v.ReadOnly = true
		if slug := platLogConsortium(q); slug != "" {
			v.Back += "?consortium=" + slug
			v.Keep = []view.Option{{Value: slug, Text: "consortium"}}
		}
	}
	q.page.Title = log.kind + ": " + log.title
	q.page.Errors = errs
	return q.render(view.DecisionLog(q.page, v))
}

// csvColumns head the CSV: one row per decision.
var csvColumns = []string{"When", "Who", "Role", "Organisation", "Decision", "Summary", "Reason", "Lot", "Provider",
	"Event ID", "Correlation ID", "Causation ID", "Request ID"}

// writeDecisionsCSV writes the decisions as a CSV download.
func writeDecisionsCSV(w http.ResponseWriter, log decisionLog, ds []logged) error {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="decision-log-`+csvFileName(log.file)+`.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	if err := cw.Write(csvColumns); err != nil {
		return err
	}
	for _, d := range ds {
		row := []string{d.at.In(logZone).Format(time.RFC3339), d.who, d.role, d.org, view.DecisionWords(d.decision), d.summary, d.reason,
			d.lot, d.provider, d.eventID, d.correlationID, d.causationID, d.requestID}
		for i := 1; i < len(row); i++ {
			row[i] = csvInert(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvInert keeps a spreadsheet from reading a cell as a formula (a reason or
// summary is free text that a provider may have written).
func csvInert(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// csvFileName keeps a file name to letters, digits, dots and dashes.
func csvFileName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '-'
	}, s)
}
