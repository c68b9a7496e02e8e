package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// retPeriod is a monitoring period in an address: a month YYYY-MM.
var retPeriod = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

func retUnknown(err error) bool { return status.Code(err) == codes.NotFound }

func retNotFound() error { return status.Error(codes.NotFound, "no such page") }

// retReturnPage reads what the return form shows besides its figures: the
// return already filed for the month (a correction replaces it), the
// setting's name and who sees it. A setting the person's provider does not
// hold is NOT_FOUND from the service.
func (s *Server) retReturnPage(q *rq) (view.ReturnsForm, *monitoringv1.MonitoringReturn, error) {
	urn, period := q.r.PathValue("urn"), q.r.PathValue("period")
	if !retPeriod.MatchString(period) {
		return view.ReturnsForm{}, nil, retNotFound()
	}
	rets, err := s.monitoring.ListMonitoringReturns(q.ctx, &monitoringv1.ListMonitoringReturnsRequest{Urn: urn, FromPeriod: period, ToPeriod: period, MinPosition: q.at()})
	if err != nil {
		return view.ReturnsForm{}, nil, err
	}
	settings, err := s.retSettings(q)
	if err != nil {
		return view.ReturnsForm{}, nil, err
	}
	f := view.ReturnsForm{URN: urn, Name: settings.nameOf(urn), Period: period, Values: map[string]string{}}
	if f.Councils, f.Consortia, err = s.retAudience(q, urn); err != nil {
		return view.ReturnsForm{}, nil, err
	}
	// A new return starts from the places the register holds: the
	// provider says them once (a form sent back replaces every value).
	for _, st := range settings.list {
		if st.GetUrn() == urn {
			f.Values["figures-registered_places"] = strconv.Itoa(int(st.GetRegisteredPlaces()))
		}
	}
	var filed *monitoringv1.MonitoringReturn
	for _, r := range rets.GetReturns() {
		if r.GetPeriod() == period {
			filed = r
			f.Correction, f.Revision, f.Filed = true, r.GetRevision(), view.When(r.GetSubmittedAt())
		}
	}
	return f, filed, nil
}

func (s *Server) retReturnForm(q *rq) error {
	f, filed, err := s.retReturnPage(q)
	if err != nil {
		return err
	}
	f.RequestID = newRequestID()
	if filed != nil {
		retFill(&f, filed.GetFigures())
	}
	q.page.Title = "Return for " + view.RetMonth(f.Period)
	return q.render(view.ReturnsFormPage(q.page, f))
}

// retFill puts a filed return's figures in the form, to be corrected.
func retFill(f *view.ReturnsForm, fig *monitoringv1.ReturnFigures) {
	whole := func(n uint32) string { return strconv.FormatUint(uint64(n), 10) }
	v := f.Values
	v["figures-registered_places"] = whole(fig.GetRegisteredPlaces())
	v["figures-occupied_places"] = view.Number(fig.GetOccupiedPlaces())
	v["figures-staff_in_post"] = whole(fig.GetStaffInPost())
	v["figures-staff_leavers"] = whole(fig.GetStaffLeavers())
	v["figures-agency_shift_percent"] = view.Number(fig.GetAgencyShiftPercent())
	v["figures-missing_episodes"] = whole(fig.GetMissingEpisodes())
	v["figures-children_repeatedly_missing"] = whole(fig.GetChildrenRepeatedlyMissing())
	v["figures-restraints"] = whole(fig.GetRestraints())
	v["figures-education_attendance_percent"] = view.Number(fig.GetEducationAttendancePercent())
	v["figures-complaints"] = whole(fig.GetComplaints())
	v["figures-complaints_upheld"] = whole(fig.GetComplaintsUpheld())
	v["figures-feedback_responses"] = whole(fig.GetFeedbackResponses())
	if fig.GetFeedbackResponses() > 0 {
		v["figures-feedback_score"] = view.Number(fig.GetFeedbackScore())
	}
	for _, i := range fig.GetIncidents() {
		v[view.RetIncidentFieldID(i.GetType())] = whole(i.GetCount())
	}
	f.Themes = fig.GetFeedbackThemes()
}

// retFigures reads the return's figures as typed: every figure is asked
// for (0 when there were none), except the incidents by type and the
// feedback score, which may be left empty.
func retFigures(r *http.Request, f *view.ReturnsForm) (*monitoringv1.ReturnFigures, problems) {
	var errs problems
	fig := &monitoringv1.ReturnFigures{}
	read := map[string]float64{}
	for _, sec := range view.ReturnsSections {
		for _, d := range sec.Figures {
			id := "figures-" + d.Name
			typed := strings.TrimSpace(r.PostFormValue(id))
			f.Values[id] = typed
			if typed == "" && d.Name == "feedback_score" {
				continue
			}
			what := strings.ToLower(d.Label[:1]) + d.Label[1:]
			if typed == "" {
				errs.add(id, "Enter the "+retNoun(what)+", or 0 if there were none")
				continue
			}
			v, ok := retNumber(typed, d.Decimal, d.Max)
			if !ok {
				if d.Decimal {
					errs.add(id, "Enter the "+retNoun(what)+" as a number from 0 to "+view.Number(d.Max)+", like "+retExample(d))
				} else {
					errs.add(id, "Enter the "+retNoun(what)+" as a whole number from 0 to "+view.Number(d.Max))
				}
				continue
			}
			read[d.Name] = v
		}
	}
	fig.RegisteredPlaces = uint32(read["registered_places"])
	fig.OccupiedPlaces = read["occupied_places"]
	fig.StaffInPost = uint32(read["staff_in_post"])
	fig.StaffLeavers = uint32(read["staff_leavers"])
	fig.AgencyShiftPercent = read["agency_shift_percent"]
	fig.MissingEpisodes = uint32(read["missing_episodes"])
	fig.ChildrenRepeatedlyMissing = uint32(read["children_repeatedly_missing"])
	fig.Restraints = uint32(read["restraints"])
	fig.EducationAttendancePercent = read["education_attendance_percent"]
	fig.Complaints = uint32(read["complaints"])
	fig.ComplaintsUpheld = uint32(read["complaints_upheld"])
	fig.FeedbackResponses = uint32(read["feedback_responses"])
	fig.FeedbackScore = read["feedback_score"]
	for _, t := range view.RetIncidentTypes() {
		id := view.RetIncidentFieldID(t)
		typed := strings.TrimSpace(r.PostFormValue(id))
		f.Values[id] = typed
		if typed == "" || typed == "0" {
			continue
		}
		n, ok := parseWhole(typed, 0, 10000)
		if !ok {
			errs.add(id, "Enter the number of incidents of "+strings.ToLower(view.Words(t))+" as a whole number, or leave it empty")
			continue
		}
		if n > 0 {
			fig.Incidents = append(fig.Incidents, &monitoringv1.IncidentCount{Type: t, Count: uint32(n)})
		}
	}
	f.Themes = r.PostForm["figures-feedback_themes"]
	fig.FeedbackThemes = f.Themes
	return fig, errs
}

// retNoun turns a figure's label into what the error asks for: "staff in
// post at the end of the month" → "number of staff in post at the end of
// the month".
func retNoun(label string) string {
	switch {
	case strings.Contains(label, "percentage"), strings.Contains(label, "average"):
		return label
	}
	return "number of " + label
}

func retExample(d view.ReturnsFigure) string {
	if d.Max <= 5 {
		return "4.2"
	}
	return "92.5"
}

// retNumber reads a figure: a whole number, or one with a fraction when
// decimal, from 0 to max.
func retNumber(typed string, decimal bool, max float64) (float64, bool) {
	typed = strings.TrimSuffix(strings.ReplaceAll(typed, ",", ""), "%")
	if !decimal {
		n, ok := parseWhole(typed, 0, int(max))
		return float64(n), ok
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(typed), 64)
	if err != nil || v < 0 || v > max {
		return 0, false
	}
	return v, true
}

// retSubmitReturn files the month's return, or corrects the one filed.
func (s *Server) retSubmitReturn(q *rq) error {
	f, _, err := s.retReturnPage(q)
	if err != nil {
		return err
	}
	if err := q.r.ParseForm(); err != nil {
		return status.Error(codes.InvalidArgument, "the form could not be read")
	}
	f.RequestID = formRequestID(q.r)
	// The form says whether it corrects: a return filed by someone else
	// since the form was shown is not replaced unawares.
	f.Correction = q.r.PostFormValue("correction") == "yes"
	q.page.Title = "Return for " + view.RetMonth(f.Period)
	again := func(errs []view.FieldError) error {
		f.Errors = retExplain(errs, f.Period)
		q.page.Errors = f.Errors
		return q.render(view.ReturnsFormPage(q.page, f))
	}
	fig, errs := retFigures(q.r, &f)
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	banner := "Return for " + view.RetMonth(f.Period) + " filed"
	if f.Correction {
		banner = "Return for " + view.RetMonth(f.Period) + " corrected"
	}
	return q.command(func(id string) (uint64, error) {
		res, err := s.monitoring.SubmitMonitoringReturn(q.ctx, &monitoringv1.SubmitMonitoringReturnRequest{RequestId: id, Urn: f.URN, Period: f.Period,
			Figures: fig, Correction: f.Correction})
		return res.GetPosition(), err
	}, "/returns/settings/"+f.URN, banner, again)
}

// retExplain puts the service's refusals of a return in the form's words,
// each linked to the figure it is about: figures that do not add up, a
// month not yet over, a return filed by someone else meanwhile.
func retExplain(errs []view.FieldError, period string) []view.FieldError {
	out := make([]view.FieldError, len(errs))
	for i, e := range errs {
		m := strings.ToLower(e.Message)
		switch {
		case strings.Contains(m, "already filed"):
			e.Message = "A return for " + view.RetMonth(period) + " was filed while you were filling this in: go back to the setting and correct it instead"
		case strings.Contains(m, "no return for") && strings.Contains(m, "to correct"):
			e.Message = "There is no return for " + view.RetMonth(period) + " to correct: go back to the setting and file it"
		case strings.Contains(m, "once the month has ended"):
			e.Message = "You can file the return for " + view.RetMonth(period) + " once the month has ended"
		case strings.HasPrefix(m, "occupied places"):
			e.Field, e.Message = "figures-occupied_places", "Places occupied on average cannot be more than the registered places"
		case strings.HasPrefix(m, "complaints upheld"):
			e.Field, e.Message = "figures-complaints_upheld", "Complaints upheld cannot be more than the complaints received"
		case strings.Contains(m, "missing three times or more"):
			e.Field = "figures-children_repeatedly_missing"
		case strings.Contains(m, "feedback score needs"):
			e.Field, e.Message = "figures-feedback_score", "Leave the average score empty when no child gave feedback"
		case strings.Contains(m, "mean score is between"):
			e.Field, e.Message = "figures-feedback_score", "Enter the children's average score, from 1 to 5"
		}
		out[i] = e
	}
	return out
}

// retIncidentForm asks what happened, when, and what was done.
func (s *Server) retIncidentForm(q *rq) error {
	f, err := s.retIncidentPage(q)
	if err != nil {
		return err
	}
	f.RequestID = newRequestID()
	return q.render(view.RetIncidentFormPage(q.page, f))
}

func (s *Server) retIncidentPage(q *rq) (view.RetIncidentForm, error) {
	urn := q.r.PathValue("urn")
	// Whether the setting is the person's provider's is the service's to
	// say: its evidence is NOT_FOUND to anyone else.
	if _, err := s.monitoring.GetQualityEvidence(q.ctx, &monitoringv1.GetQualityEvidenceRequest{Urn: urn, MinPosition: q.at()}); err != nil {
		return view.RetIncidentForm{}, err
	}
	settings, err := s.retSettings(q)
	if err != nil {
		return view.RetIncidentForm{}, err
	}
	q.page.Title = "Notify an incident"
	return view.RetIncidentForm{URN: urn, Name: settings.nameOf(urn), Date: view.DateField{ID: "occurred_on", Label: "When did it happen?", Hint: "For example, 27 11 2026"}}, nil
}

func (s *Server) retNotifyIncident(q *rq) error {
	f, err := s.retIncidentPage(q)
	if err != nil {
		return err
	}
	if err := q.r.ParseForm(); err != nil {
		return status.Error(codes.InvalidArgument, "the form could not be read")
	}
	f.RequestID = formRequestID(q.r)
	f.Type, f.Summary = q.r.PostFormValue("type"), strings.TrimSpace(q.r.PostFormValue("summary"))
	parts := dateParts(q.r, "occurred_on")
	f.Date.Day, f.Date.Month, f.Date.Year = parts[0], parts[1], parts[2]
	again := func(errs []view.FieldError) error {
		f.Errors, f.Date.Errors = errs, errs
		return q.render(view.RetIncidentFormPage(q.page, f))
	}
	var errs problems
	t, _ := strconv.Atoi(f.Type)
	if _, ok := monitoringv1.IncidentType_name[int32(t)]; !ok || t == 0 {
		errs.add("type", "Select what happened")
	}
	date, ok := parseDate(parts)
	if !ok {
		errs.add("occurred_on-day", "Enter the date it happened as a real date, like 27 11 2026")
	}
	if len(f.Summary) < 3 {
		errs.add("summary", "Say what happened and what you did")
	}
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	return q.command(func(id string) (uint64, error) {
		res, err := s.monitoring.NotifyIncident(q.ctx, &monitoringv1.NotifyIncidentRequest{RequestId: id, Urn: f.URN, Type: monitoringv1.IncidentType(t),
			OccurredOn: date, Summary: f.Summary})
		return res.GetPosition(), err
	}, "/returns/settings/"+f.URN, "Incident notified", again)
}

// retWarning is the provider's financial warning as its record in
// monitoring holds it: raised (and when) or not, and the record's version.
func (s *Server) retWarning(q *rq) (view.ReturnsWarning, uint64, error) {
	log, err := s.monitoring.GetDecisionLog(q.ctx, &monitoringv1.GetDecisionLogRequest{Aggregate: "provider", Id: q.sess.Principal.OrgID(), MinPosition: q.at()})
	if retUnknown(err) {
		return view.ReturnsWarning{}, 0, nil
	}
	if err != nil {
		return view.ReturnsWarning{}, 0, err
	}
	var w view.ReturnsWarning
	var version uint64
	for _, d := range log.GetDecisions() {
		version = d.GetVersion()
		switch d.GetDecision() {
		case "FinancialWarningRaised":
			w = view.ReturnsWarning{Raised: true, Since: view.When(d.GetOccurredAt())}
		case "FinancialWarningWithdrawn":
			w = view.ReturnsWarning{}
		}
	}
	return w, version, nil
}

func (s *Server) retWarningForm(q *rq) error {
	w, version, err := s.retWarning(q)
	if err != nil {
		return err
	}
	q.page.Title = "Financial warning"
	return q.render(view.RetWarningFormPage(q.page, view.RetWarningForm{Warning: w, RequestID: newRequestID(), Version: strconv.FormatUint(version, 10)}))
}

// retWarningPost reads what both warning forms share: the warning as it
// stands and the version the form was shown at (ABORTED if it changed).
func (s *Server) retWarningPost(q *rq) (view.RetWarningForm, uint64, error) {
	w, _, err := s.retWarning(q)
	if err != nil {
		return view.RetWarningForm{}, 0, err
	}
	if err := q.r.ParseForm(); err != nil {
		return view.RetWarningForm{}, 0, status.Error(codes.InvalidArgument, "the form could not be read")
	}
	version, _ := strconv.ParseUint(q.r.PostFormValue("version"), 10, 64)
	q.page.Title = "Financial warning"
	return view.RetWarningForm{Warning: w, RequestID: strings.TrimSuffix(formRequestID(q.r), "-w"), Version: strconv.FormatUint(version, 10),
		Level: q.r.PostFormValue("level"), Summary: strings.TrimSpace(q.r.PostFormValue("summary")), Reason: strings.TrimSpace(q.r.PostFormValue("reason"))}, version, nil
}

func (s *Server) retRaiseWarning(q *rq) error {
	f, version, err := s.retWarningPost(q)
	if err != nil {
		return err
	}
	again := func(errs []view.FieldError) error {
		for i, e := range errs {
			if strings.Contains(e.Message, "already raised") {
				errs[i] = view.FieldError{Field: "level", Message: "You have already warned at this level: choose the other, or withdraw the warning"}
			}
		}
		f.Errors, q.page.Errors = errs, errs
		return q.render(view.RetWarningFormPage(q.page, f))
	}
	var errs problems
	if f.Level != "1" && f.Level != "2" {
		errs.add("level", "Select how serious the difficulty is")
	}
	if len(f.Summary) < 3 {
		errs.add("summary", "Say what the difficulty is")
	}
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	level, _ := strconv.Atoi(f.Level)
	return q.command(func(id string) (uint64, error) {
		res, err := s.monitoring.RaiseFinancialWarning(q.ctx, &monitoringv1.RaiseFinancialWarningRequest{RequestId: id, Level: uint32(level), Summary: f.Summary, ExpectedVersion: version})
		return res.GetPosition(), err
	}, "/returns", "Financial warning sent", again)
}

func (s *Server) retWithdrawWarning(q *rq) error {
	f, version, err := s.retWarningPost(q)
	if err != nil {
		return err
	}
	again := func(errs []view.FieldError) error {
		f.Errors = errs
		return q.render(view.RetWarningFormPage(q.page, f))
	}
	if len(f.Reason) < 3 {
		return q.refuse(again, []view.FieldError{{Field: "reason", Message: "Say why the difficulty is over"}}...)
	}
	return q.command(func(id string) (uint64, error) {
		res, err := s.monitoring.WithdrawFinancialWarning(q.ctx, &monitoringv1.WithdrawFinancialWarningRequest{RequestId: id, Reason: f.Reason, ExpectedVersion: version})
		return res.GetPosition(), err
	}, "/returns", "Financial warning withdrawn", again)
}
