package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/kit/ssda903"
	"github.com/carecoop/carecoop/services/portal/view"
)

// A council analyst's needs returns. The SSDA903 extract is counted in the
// analyst's browser by the kit's own reader compiled to WebAssembly
// (assets/static/needs.wasm, driven by needs.js): the portal receives only
// the counts, as carecoop import-903 sends only the counts, and submits them
// to demand as the analyst. Commissioners and viewers may read the list.

// needsSource marks returns counted in the browser (import-903's are
// "ssda903-import").
const needsSource = "ssda903-browser"

// needsMaxCounts bounds the counts a browser may post: 20,000 cells (the
// service's limit) of JSON are well under it.
const needsMaxCounts = 8 << 20

func (s *Server) needsRoutes() {
	s.page("GET /needs", councilStaff, s.needsList)
	s.page("GET /needs/new", analyst, s.needsNew)
	s.page("POST /needs/new", analyst, s.needsSubmit)
	s.page("GET /needs/{date}/{submission}/withdraw", analyst, s.needsWithdrawPage)
	s.page("POST /needs/{date}/{submission}/withdraw", analyst, s.needsWithdraw)
}

// needsReturns are the person's council's submissions (of one date, or all
// if date is ""), newest date first, read at the page's position.
func (s *Server) needsReturns(q *rq, date string) ([]*demandv1.NeedsReturnSubmission, error) {
	res, err := s.demand.ListNeedsReturns(q.ctx, &demandv1.ListNeedsReturnsRequest{AsAt: date, MinPosition: q.at()})
	if err != nil {
		return nil, err
	}
	return res.GetReturns(), nil
}

// needsRow is a submission in words; the withdrawal link only for an
// analyst, and only while it is not withdrawn.
func (s *Server) needsRow(q *rq, r *demandv1.NeedsReturnSubmission) view.NeedsRow {
	row := view.NeedsRow{AsAt: view.Date(r.GetAsAt()), Submission: int(r.GetSubmission()), SentAt: view.When(r.GetSubmittedAt()),
		SentBy: needsWho(q, r.GetSubmittedBy()), Children: int(r.GetChildren()), How: needsHow(r.GetSource())}
	switch {
	case r.GetWithdrawn():
		row.Status = "Withdrawn"
		row.Withdrawal = "Withdrawn " + view.When(r.GetWithdrawnAt()) + " by " + needsWho(q, r.GetWithdrawnBy())
		if reason := r.GetWithdrawalReason(); reason != "" {
			row.Withdrawal += ": " + reason
		}
	case r.GetCurrent():
		row.Status = "In use"
	default:
		row.Status = "Replaced"
	}
	if !r.GetWithdrawn() && q.sess.Principal.HasAnyRole(analyst...) {
		row.WithdrawHref = fmt.Sprintf("/needs/%s/%d/withdraw", r.GetAsAt(), r.GetSubmission())
	}
	return row
}

// needsWho names who sent or withdrew a return: "you" for the person
// reading.
func needsWho(q *rq, subject string) string {
	if subject == q.sess.Principal.Subject {
		return "you"
	}
	return subject
}

// needsHow says how a return was made.
func needsHow(source string) string {
	switch source {
	case needsSource:
		return "counted in the browser"
	case "ssda903-import":
		return "counted with carecoop import-903"
	case "api", "":
		return "sent through the API"
	}
	return "sent by " + source
}

// needsDueDate is the SSDA903 year's date to count on: the latest 31 March
// on or before today.
func (s *Server) needsDueDate() time.Time {
	now := s.cfg.Now().In(dpsLondon)
	d := time.Date(now.Year(), time.March, 31, 0, 0, 0, 0, time.UTC)
	if now.Month() < time.April {
		d = d.AddDate(-1, 0, 0)
	}
	return d
}

// needsDue is whether the year's return is in.
func (s *Server) needsDue(returns []*demandv1.NeedsReturnSubmission) view.NeedsDue {
	date := s.needsDueDate().Format(time.DateOnly)
	due := view.NeedsDue{Date: view.Date(date)}
	for _, r := range returns {
		if r.GetAsAt() == date && r.GetCurrent() {
			due.In, due.Children = true, int(r.GetChildren())
		}
	}
	return due
}

func (s *Server) needsList(q *rq) error {
	returns, err := s.needsReturns(q, "")
	if err != nil {
		return err
	}
	v := view.NeedsListView{Council: view.CouncilName(q.sess.Principal.OrgID()), Due: s.needsDue(returns), CanSubmit: q.sess.Principal.HasAnyRole(analyst...)}
	for _, r := range returns {
		v.Rows = append(v.Rows, s.needsRow(q, r))
	}
	q.page.Title = "Needs data"
	return q.render(view.NeedsList(q.page, v))
}

// analystHome is a council analyst's start page: whether the year's
// return is in, the latest submissions, the way to demand.
func (s *Server) analystHome(q *rq) error {
	returns, err := s.needsReturns(q, "")
	if err != nil {
		return err
	}
	v := view.NeedsHomeView{Council: view.CouncilName(q.sess.Principal.OrgID()), Due: s.needsDue(returns)}
	for i, r := range returns {
		if i == 5 {
			break
		}
		v.Latest = append(v.Latest, s.needsRow(q, r))
	}
	return q.render(view.NeedsHome(q.page, v))
}

func (s *Server) needsNewView(q *rq) view.NeedsNewView {
	la := q.sess.Principal.OrgID()
	due := s.needsDueDate()
	return view.NeedsNewView{LA: la, Council: view.CouncilName(la), RequestID: newRequestID(),
		AsAt:    view.DateField{ID: "needs-as-at", Day: strconv.Itoa(due.Day()), Month: strconv.Itoa(int(due.Month())), Year: strconv.Itoa(due.Year())},
		Command: fmt.Sprintf("carecoop import-903 --episodes episodes.csv --header header.csv \\\n    --la %s --as-at %s", la, due.Format(time.DateOnly))}
}

func (s *Server) needsNew(q *rq) error {
	q.page.Title = "Send a needs return"
	return q.render(view.NeedsNew(q.page, s.needsNewView(q)))
}

// needsSubmit sends the counts the browser posted, as the analyst. The
// form carries nothing else: the counts are read strictly as a kit Return
// (counts only), so a post holding anything more is refused.
func (s *Server) needsSubmit(q *rq) error {
	q.r.Body = http.MaxBytesReader(q.w, q.r.Body, needsMaxCounts)
	la := q.sess.Principal.OrgID()
	again := func([]view.FieldError) error {
		q.page.Title = "Send a needs return"
		return q.render(view.NeedsNew(q.page, s.needsNewView(q)))
	}
	ret, problem := needsCounts(q.r.PostFormValue("counts"), la)
	if problem != "" {
		return q.refuse(again, view.FieldError{Field: "needs-episodes", Message: problem})
	}
	req := needsRequest(ret)
	return q.command(func(id string) (uint64, error) {
		req.RequestId = needsRequestID(id, q.r.PostFormValue("counts"))
		res, err := s.demand.SubmitNeedsReturn(q.ctx, req)
		return res.GetPosition(), err
	}, "/needs", fmt.Sprintf("Needs return as at %s sent: %s counted", view.Date(ret.AsAt), needsChildren(ret.Children)), again)
}

// needsRequestID is the form's request id joined to a digest of the counts:
// a double submit of the same counts acts once, but other counts sent from
// the same page (other files chosen after going back to it) are a new
// submission, not a retry of the first.
func needsRequestID(formID, counts string) string {
	sum := sha256.Sum256([]byte(counts))
	if len(formID) > 47 {
		formID = formID[:47]
	}
	return formID + "-" + hex.EncodeToString(sum[:8])
}

func needsChildren(n int) string {
	if n == 1 {
		return "1 child"
	}
	return strconv.Itoa(n) + " children"
}

// needsCounts reads the posted counts: a kit Return for the person's
// council, with nothing else in it. problem says what is wrong in words.
func needsCounts(posted, la string) (ret *ssda903.Return, problem string) {
	if strings.TrimSpace(posted) == "" {
		return nil, "Choose the episodes and header files and count them before you send the counts"
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(posted)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ret); err != nil || ret == nil || dec.More() {
		return nil, "The counts could not be read: choose the files and count them again"
	}
	if ret.LA != la {
		return nil, "These counts are for another council: choose your own council's files and count them again"
	}
	if _, err := time.Parse(time.DateOnly, ret.AsAt); err != nil {
		return nil, "The counts have no date: choose the files and count them again"
	}
	return ret, ""
}

// needsRequest is the return as demand takes it: counts only, naming the
// council, as import-903 sends it.
func needsRequest(r *ssda903.Return) *demandv1.SubmitNeedsReturnRequest {
	req := &demandv1.SubmitNeedsReturnRequest{Council: r.LA, AsAt: r.AsAt, Source: needsSource}
	for _, c := range r.Cells {
		req.Cells = append(req.Cells, &demandv1.NeedsCell{PlacementGroup: c.PlacementGroup, AgeBand: c.AgeBand, Need: c.Need,
			LegalStatus: c.LegalStatus, Area: c.Area, DistanceBand: c.DistanceBand, Count: needsU32(c.Count)})
	}
	t := r.Transitions
	req.Transitions = &demandv1.Transitions{From: t.From, To: t.To, Entries: needsU32s(t.Entries), Exits: needsU32s(t.Exits), Stayed: needsU32s(t.Stayed)}
	for _, m := range t.Moves {
		req.Transitions.Moves = append(req.Transitions.Moves, &demandv1.Move{From: m.From, To: m.To, Count: needsU32(m.Count)})
	}
	return req
}

// needsU32 is a count as the API takes it; a negative count (only a
// tampered post has one) becomes 0, which the service refuses.
func needsU32(n int) uint32 {
	if n < 0 || n > 1<<31 {
		return 0
	}
	return uint32(n)
}

func needsU32s(m map[string]int) map[string]uint32 {
	out := make(map[string]uint32, len(m))
	for k, v := range m {
		out[k] = needsU32(v)
	}
	return out
}

// needsSubmission is the council's submission the withdrawal path names,
// with the other submissions for its date, or NOT_FOUND. A withdrawn one is
// found only for a post (a double submit of the withdrawal acts once).
func (s *Server) needsSubmission(q *rq, withdrawn bool) (*demandv1.NeedsReturnSubmission, []*demandv1.NeedsReturnSubmission, error) {
	date := q.r.PathValue("date")
	n, err := strconv.ParseUint(q.r.PathValue("submission"), 10, 32)
	if _, derr := time.Parse(time.DateOnly, date); derr != nil || err != nil {
		return nil, nil, status.Error(codes.NotFound, "no such needs return")
	}
	returns, err := s.needsReturns(q, date)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range returns {
		if r.GetSubmission() == uint32(n) && r.GetCouncil() == q.sess.Principal.OrgID() && (withdrawn || !r.GetWithdrawn()) {
			return r, returns, nil
		}
	}
	return nil, nil, status.Error(codes.NotFound, "no such needs return")
}

// needsWithdrawView is the confirmation page; it says what the demand
// figures use once the submission is withdrawn: the latest other one not
// withdrawn (returns are newest first), or none.
func (s *Server) needsWithdrawView(q *rq, r *demandv1.NeedsReturnSubmission, returns []*demandv1.NeedsReturnSubmission, reason string) view.NeedsWithdrawView {
	fallback := "A later submission is in use, so the demand figures do not change."
	if r.GetCurrent() {
		fallback = "The demand figures will then have no counts of your council's children on " + view.Date(r.GetAsAt()) + "."
		for _, o := range returns {
			if o.GetSubmission() < r.GetSubmission() && !o.GetWithdrawn() {
				fallback = fmt.Sprintf("The demand figures will then use submission %d, sent %s.", o.GetSubmission(), view.When(o.GetSubmittedAt()))
				break
			}
		}
	}
	return view.NeedsWithdrawView{Row: s.needsRow(q, r), Action: fmt.Sprintf("/needs/%s/%d/withdraw", r.GetAsAt(), r.GetSubmission()),
		RequestID: newRequestID(), Fallback: fallback,
		Reason: view.Field{ID: "reason", Label: "Why are you withdrawing it?", Hint: "For the record, for example: sent with last year's extract", Value: reason, Errors: q.page.Errors}}
}

func (s *Server) needsWithdrawPage(q *rq) error {
	r, returns, err := s.needsSubmission(q, false)
	if err != nil {
		return err
	}
	q.page.Title = "Withdraw the return as at " + view.Date(r.GetAsAt())
	return q.render(view.NeedsWithdraw(q.page, s.needsWithdrawView(q, r, returns, "")))
}

func (s *Server) needsWithdraw(q *rq) error {
	r, returns, err := s.needsSubmission(q, true)
	if err != nil {
		return err
	}
	reason := strings.TrimSpace(q.r.PostFormValue("reason"))
	q.page.Title = "Withdraw the return as at " + view.Date(r.GetAsAt())
	again := func([]view.FieldError) error {
		v := s.needsWithdrawView(q, r, returns, reason)
		v.RequestID = formRequestID(q.r)
		return q.render(view.NeedsWithdraw(q.page, v))
	}
	if len([]rune(reason)) < 3 {
		return q.refuse(again, view.FieldError{Field: "reason", Message: "Say why you are withdrawing the return"})
	}
	return q.command(func(id string) (uint64, error) {
		res, err := s.demand.WithdrawNeedsReturn(q.ctx, &demandv1.WithdrawNeedsReturnRequest{RequestId: id, Council: r.GetCouncil(), AsAt: r.GetAsAt(),
			Submission: r.GetSubmission(), Reason: reason})
		return res.GetPosition(), err
	}, "/needs", fmt.Sprintf("Submission %d of the return as at %s withdrawn", r.GetSubmission(), view.Date(r.GetAsAt())), again)
}
