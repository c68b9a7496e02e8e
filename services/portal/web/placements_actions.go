package web

import (
	"net/http"
	"strconv"
	"time"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// plcRules are the monitoring rules a commissioner's form can still break
// (another tab, another person), in the commissioner's words: the
// service's own descriptions name ids and codes.
var plcRules = map[string]string{
	"monitoring.start_outcome_already_recorded": "The outcomes at the start are already recorded: record a review instead.",
	"monitoring.review_before_start_outcome":    "Record the outcomes at the start first: a review is measured against them.",
	"monitoring.outcome_before_placement_start": "The outcomes must be measured on or after the day the placement started.",
	"monitoring.contract_ended":                 "This placement has already ended.",
	"monitoring.date_in_future":                 "The date must be today or in the past.",
	"monitoring.end_before_start":               "The placement cannot end before it started.",
	"monitoring.unknown_reason_code":            "Select why the placement ended.",
	"monitoring.follow_up_before_visit":         "The action must be due after the visit.",
	"monitoring.council_has_no_placement_there": "Your council has no child placed at this home, so it cannot record a visit.",
}

// What a commissioner records about a placement: outcomes at the start and
// at reviews, a quality visit to the home, and the placement's end. Each
// form checks what the portal can (dates, a choice made) before the call;
// the service checks everything again.

// plcToday is today's date in England, as the services date things.
func (s *Server) plcToday() string { return s.cfg.Now().In(ukTime).Format(time.DateOnly) }

// plcDate reads a date field: its value, or the error to show (named by
// what, e.g. "the date of the visit").
func (s *Server) plcDate(r *http.Request, id, what string, notBefore string, errs *problems) string {
	parts := dateParts(r, id)
	if parts[0] == "" && parts[1] == "" && parts[2] == "" {
		errs.add(id+"-day", "Enter "+what)
		return ""
	}
	d, ok := parseDate(parts)
	switch {
	case !ok:
		errs.add(id+"-day", capitalise(what)+" must be a real date, for example 27 11 2026")
	case d > s.plcToday():
		errs.add(id+"-day", capitalise(what)+" must be today or in the past")
	case notBefore != "" && d < notBefore:
		errs.add(id+"-day", capitalise(what)+" must be on or after "+view.Date(notBefore)+", when the placement started")
	}
	return d
}

// plcDateField is a date field filled with what was sent (or nothing).
func plcDateField(r *http.Request, id, label, hint string, errs []view.FieldError) view.DateField {
	f := view.DateField{ID: id, Label: label, Hint: hint, Errors: errs}
	if r.Method == http.MethodPost {
		p := dateParts(r, id)
		f.Day, f.Month, f.Year = p[0], p[1], p[2]
	}
	return f
}

// plcPoint is the outcome point a path names.
func plcPoint(q *rq) (monitoringv1.OutcomePoint, bool) {
	switch q.r.PathValue("point") {
	case "start":
		return monitoringv1.OutcomePoint_OUTCOME_POINT_START, true
	case "review":
		return monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW, true
	}
	return 0, false
}

// plcPlaced is the placement the path names and its home's name, for a
// form about it: only its council's commissioner.
func (s *Server) plcPlaced(q *rq) (*monitoringv1.Contract, string, error) {
	c, err := s.plcContract(q)
	if err != nil {
		return nil, "", err
	}
	if !plcPlaces(q, c) {
		return nil, "", plcNotFound
	}
	names := plcNames{s: s, q: q}
	return c, names.home(c.GetProviderId(), c.GetSettingUrn()), nil
}

// plcActive is plcPlaced for a form that changes the placement: only
// while it is live.
func (s *Server) plcActive(q *rq) (*monitoringv1.Contract, string, error) {
	c, home, err := s.plcPlaced(q)
	if err == nil && c.GetStatus() != monitoringv1.ContractStatus_CONTRACT_STATUS_LIVE {
		return nil, "", plcNotFound
	}
	return c, home, err
}

func (s *Server) plcOutcomeForm(q *rq, c *monitoringv1.Contract, home string, point monitoringv1.OutcomePoint, errs []view.FieldError, requestID string) error {
	f := view.PlcOutcomeForm{Contract: c, Home: home, Point: q.r.PathValue("point"), RequestID: requestID,
		Date: plcDateField(q.r, "recorded_on", "When were they measured?", "For example, 27 11 2026", errs)}
	for _, m := range view.PlcMeasures {
		f.Scores = append(f.Scores, view.Field{ID: m.ID, Label: m.Name, Hint: m.Hint, Value: q.r.PostFormValue(m.ID), Errors: errs, Options: view.PlcScoreOptions})
	}
	q.page.Title = view.PlcOutcomeHeading(point)
	return q.render(view.PlcOutcome(q.page, f))
}

// plcOutcomePage asks for the outcome scores at the start or a review.
func (s *Server) plcOutcomePage(q *rq) error {
	point, ok := plcPoint(q)
	if !ok {
		return plcNotFound
	}
	c, home, err := s.plcActive(q)
	if err != nil {
		return err
	}
	return s.plcOutcomeForm(q, c, home, point, nil, newRequestID())
}

// plcRecordOutcome records the scores.
func (s *Server) plcRecordOutcome(q *rq) error {
	point, ok := plcPoint(q)
	if !ok {
		return plcNotFound
	}
	c, home, err := s.plcActive(q)
	if err != nil {
		return err
	}
	again := func(errs []view.FieldError) error {
		return s.plcOutcomeForm(q, c, home, point, errs, formRequestID(q.r))
	}
	var errs problems
	date := s.plcDate(q.r, "recorded_on", "the date they were measured", c.GetStartDate(), &errs)
	scores := map[string]uint32{}
	for _, m := range view.PlcMeasures {
		n, ok := parseWhole(q.r.PostFormValue(m.ID), 1, 5)
		if !ok {
			errs.add(m.ID, "Select a score from 1 to 5 for "+m.Short)
		}
		scores[m.ID] = uint32(n)
	}
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	banner := "The outcomes at the start of the placement are recorded"
	if point == monitoringv1.OutcomePoint_OUTCOME_POINT_REVIEW {
		banner = "The outcomes at the review are recorded"
	}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.monitoring.RecordOutcome(q.ctx, &monitoringv1.RecordOutcomeRequest{RequestId: requestID, ContractId: c.GetContractId(), Point: point, RecordedOn: date,
			Scores: &monitoringv1.OutcomeScores{Stability: scores["scores-stability"], Education: scores["scores-education"],
				Health: scores["scores-health"], Wellbeing: scores["scores-wellbeing"], ChildsView: scores["scores-childs_view"]}})
		return res.GetPosition(), sayRule(err, inTable(plcRules))
	}, "/placements/"+c.GetContractId(), banner, again)
}

// The end of a placement: the date and the SSDA903 reason, checked on a
// page of its own before it is recorded (it cannot be undone).

func (s *Server) plcEndForm(q *rq, c *monitoringv1.Contract, home string, errs []view.FieldError, requestID string) error {
	f := view.PlcEndForm{Contract: c, Home: home, RequestID: requestID,
		Date:   plcDateField(q.r, "end_date", "When did the placement end?", "For example, 27 11 2026", errs),
		Reason: view.Field{ID: "reason_code", Label: "Why did it end?", Hint: "The reason the episode ceased, as in your SSDA903 return.", Value: q.r.PostFormValue("reason_code"), Errors: errs, Options: view.PlcEndReasons()},
		Note: view.Field{ID: "reason", Label: "Anything else the record should say (optional)", Hint: "Do not name the child or include anything that could identify them.",
			Value: plcTrim(q.r, "reason"), Errors: errs},
	}
	q.page.Title = "End the placement"
	return q.render(view.PlcEnd(q.page, f))
}

// plcEndPage asks when and why the placement ended.
func (s *Server) plcEndPage(q *rq) error {
	c, home, err := s.plcActive(q)
	if err != nil {
		return err
	}
	return s.plcEndForm(q, c, home, nil, newRequestID())
}

// plcEndAnswers reads and checks the end form.
func (s *Server) plcEndAnswers(q *rq, c *monitoringv1.Contract) (date, code string, errs problems) {
	date = s.plcDate(q.r, "end_date", "the date the placement ended", c.GetStartDate(), &errs)
	code = q.r.PostFormValue("reason_code")
	if view.PlcEndReason(code) == "" {
		errs.add("reason_code", "Select why the placement ended")
	}
	return date, code, errs
}

// plcEndCheck shows the answers to confirm (or the form again, to change
// them or with its errors).
func (s *Server) plcEndCheck(q *rq) error {
	c, home, err := s.plcActive(q)
	if err != nil {
		return err
	}
	again := func(errs []view.FieldError) error { return s.plcEndForm(q, c, home, errs, formRequestID(q.r)) }
	if q.r.PostFormValue("change") != "" {
		return again(nil)
	}
	date, code, errs := s.plcEndAnswers(q, c)
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	q.page.Title = "Check and end the placement"
	return q.render(view.PlcEndCheck(q.page, view.PlcEndAnswers{Contract: c, Home: home, Date: date, Code: code, Note: plcTrim(q.r, "reason"),
		Parts: dateParts(q.r, "end_date"), RequestID: formRequestID(q.r)}))
}

// plcEnd records the end, once confirmed. The placement may have ended
// already: a confirmation sent twice acts once (the service knows its
// request id), another is refused by the service in words.
func (s *Server) plcEnd(q *rq) error {
	c, home, err := s.plcPlaced(q)
	if err != nil {
		return err
	}
	again := func(errs []view.FieldError) error { return s.plcEndForm(q, c, home, errs, formRequestID(q.r)) }
	date, code, errs := s.plcEndAnswers(q, c)
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.monitoring.EndPlacement(q.ctx, &monitoringv1.EndPlacementRequest{RequestId: requestID, ContractId: c.GetContractId(), EndDate: date,
			ReasonCode: code, Reason: plcTrim(q.r, "reason")})
		return res.GetPosition(), sayRule(err, inTable(plcRules))
	}, "/placements/"+c.GetContractId()+"/ended", "", again)
}

// plcEnded confirms that the placement has ended.
func (s *Server) plcEnded(q *rq) error {
	c, err := s.plcContract(q)
	if err != nil {
		return err
	}
	if c.GetStatus() != monitoringv1.ContractStatus_CONTRACT_STATUS_ENDED {
		http.Redirect(q.w, q.r, "/placements/"+c.GetContractId(), http.StatusSeeOther)
		return nil
	}
	names := plcNames{s: s, q: q}
	q.page.Title = "Placement ended"
	return q.render(view.PlcEnded(q.page, c, names.home(c.GetProviderId(), c.GetSettingUrn())))
}

// A quality-assurance visit to the home by the placing council.

func (s *Server) plcVisitForm(q *rq, c *monitoringv1.Contract, home string, errs []view.FieldError, requestID string) error {
	f := view.PlcVisitForm{Contract: c, Home: home, RequestID: requestID,
		Date:     plcDateField(q.r, "visited_on", "When did you visit?", "For example, 27 11 2026", errs),
		Rating:   view.Field{ID: "rating", Label: "What did you find?", Value: q.r.PostFormValue("rating"), Errors: errs, Options: view.PlcVisitRatings},
		Findings: view.Field{ID: "findings", Label: "Your findings", Hint: "About the home, its care and its staff. Do not name a child or include anything that could identify one.", Value: plcTrim(q.r, "findings"), Errors: errs},
		Action:   view.Field{ID: "actions-0-action", Label: "Action the provider must take (optional)", Value: plcTrim(q.r, "actions-0-action"), Errors: errs},
		Due:      plcDateField(q.r, "actions-0-due_on", "When must the action be done?", "Needed if you set an action. For example, 31 1 2027", errs),
	}
	q.page.Title = "Record a quality visit"
	return q.render(view.PlcVisit(q.page, f))
}

// plcVisitPage asks about a quality-assurance visit to the home.
func (s *Server) plcVisitPage(q *rq) error {
	c, home, err := s.plcPlaced(q)
	if err != nil {
		return err
	}
	return s.plcVisitForm(q, c, home, nil, newRequestID())
}

// plcRecordVisit records the visit against the home: every council placing
// there and the consortium's lead see it, and it counts in the home's risk.
func (s *Server) plcRecordVisit(q *rq) error {
	c, home, err := s.plcPlaced(q)
	if err != nil {
		return err
	}
	again := func(errs []view.FieldError) error { return s.plcVisitForm(q, c, home, errs, formRequestID(q.r)) }
	var errs problems
	date := s.plcDate(q.r, "visited_on", "the date of the visit", "", &errs)
	rating, _ := strconv.Atoi(q.r.PostFormValue("rating"))
	if rating < 1 || rating > 3 {
		errs.add("rating", "Select what you found")
	}
	findings := plcTrim(q.r, "findings")
	if len(findings) < 3 {
		errs.add("findings", "Enter your findings")
	}
	var actions []*monitoringv1.VisitAction
	if action := plcTrim(q.r, "actions-0-action"); action != "" {
		due, ok := parseDate(dateParts(q.r, "actions-0-due_on"))
		if !ok {
			errs.add("actions-0-due_on-day", "Enter the date the action must be done by, as a real date")
		}
		actions = append(actions, &monitoringv1.VisitAction{Action: action, DueOn: due})
	}
	if len(errs) > 0 {
		return q.refuse(again, errs...)
	}
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.monitoring.RecordQualityVisit(q.ctx, &monitoringv1.RecordQualityVisitRequest{RequestId: requestID, Urn: c.GetSettingUrn(), VisitedOn: date,
			Rating: monitoringv1.VisitRating(rating), Findings: findings, Actions: actions})
		return res.GetPosition(), sayRule(err, inTable(plcRules))
	}, "/placements/"+c.GetContractId(), "Your quality visit is recorded", again)
}
