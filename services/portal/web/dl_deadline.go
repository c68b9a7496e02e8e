package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// A referral's deadline for offers: asked in the referral's questions (the
// DPS's usual time or another), shown on the commissioner's referral page
// with a form to extend it, and on the provider's inbox.

// dlUsual is the answer that leaves the deadline to the DPS's terms.
const dlUsual = "usual"

// dlOptions are the answers to "how long do providers have to offer?": the
// DPS's usual time first, then a few others.
func (s *Server) dlOptions(q *rq, dpsID string) ([]view.Option, error) {
	usual := 24
	if dpsID != "" {
		d, err := s.purchasing.GetDps(q.ctx, &purchasingv1.GetDpsRequest{DpsId: dpsID})
		if err != nil {
			return nil, err
		}
		if h := int(d.GetTerms().GetOfferWindowHours()); h > 0 {
			usual = h
		}
	}
	opts := []view.Option{{Value: dlUsual, Text: "The usual time for this DPS: " + dlHours(usual)}}
	for _, h := range []int{4, 12, 24, 48, 72} {
		if h != usual {
			opts = append(opts, view.Option{Value: strconv.Itoa(h), Text: dlHours(h)})
		}
	}
	return opts, nil
}

// dlHours says a number of hours as people do: "4 hours", "2 days".
func dlHours(h int) string {
	switch {
	case h == 1:
		return "1 hour"
	case h == 24:
		return "24 hours"
	case h%24 == 0:
		return strconv.Itoa(h/24) + " days"
	}
	return strconv.Itoa(h) + " hours"
}

// dlCheckRow is the deadline's answer on check your answers.
func dlCheckRow(d flowDraft) view.DpsCheckRow {
	return view.DpsCheckRow{ID: "offers_due_by", Key: "Time to offer", Values: []string{d.get("offers-text")}, Href: refNew.change("offers")}
}

// dlDueBy is the deadline the answers ask for, from now; nil leaves it to
// the DPS.
func (s *Server) dlDueBy(d flowDraft) *timestamppb.Timestamp {
	h, err := strconv.Atoi(d.get("offers-hours"))
	if err != nil || h <= 0 {
		return nil
	}
	return timestamppb.New(s.cfg.Now().Add(time.Duration(h) * time.Hour))
}

// dlDeadline is a referral's deadline in words, and whether it has passed.
func (s *Server) dlDeadline(v *purchasingv1.ReferralView) (string, bool) {
	if v.GetOffersDueBy() == nil {
		return "", false
	}
	return view.When(v.GetOffersDueBy()), !s.cfg.Now().Before(v.GetOffersDueBy().AsTime())
}

func (s *Server) dlRoutes() {
	s.page("GET /referrals/{id}/deadline", commissioner, s.dlExtendForm)
	s.page("POST /referrals/{id}/deadline", commissioner, s.dlExtend)
}

// dlFields are the extension form's fields: the new date and time (UK
// time) and why.
func dlFields(v map[string][]string, errs []view.FieldError) []templ.Component {
	get := func(k string) string {
		if x := v[k]; len(x) > 0 {
			return x[0]
		}
		return ""
	}
	return []templ.Component{
		view.DateInput(view.DateField{ID: "offers_due_by", Label: "New date", Hint: "For example, 17 12 2026", Errors: errs,
			Day: get("offers_due_by-day"), Month: get("offers_due_by-month"), Year: get("offers_due_by-year")}),
		view.Input(view.Field{ID: "offers_due_by-time", Label: "New time", Hint: "UK time. For example, 5pm or 17:00", Width: "5", Value: get("offers_due_by-time"), Errors: errs}),
		view.Textarea(view.Field{ID: "reason", Label: "Why are you giving providers longer? (optional)", Value: get("reason"), Errors: errs,
			Hint: "Recorded in the referral's decision log. Nothing that could identify the child."}),
	}
}

// dlLoad is the referral a commissioner may still extend.
func (s *Server) dlLoad(q *rq) (view.RefPageData, *purchasingv1.ReferralView, error) {
	d, v, err := s.refLoad(q.ctx, q.sess.Principal, q.r.PathValue("id"), q.at(), false)
	if err != nil {
		return d, nil, err
	}
	if !d.CanAct {
		return d, nil, status.Error(codes.NotFound, "the referral is settled")
	}
	return d, v, nil
}

func (s *Server) dlForm(q *rq, d view.RefPageData, v *purchasingv1.ReferralView, values map[string][]string, errs []view.FieldError) error {
	q.page.Title = "Give providers longer to offer"
	intro := []string{"Offers are due by " + d.OffersDueBy + ". Every provider the referral went to sees the new time."}
	if d.DeadlinePassed {
		intro[0] = "Offers closed at " + d.OffersDueBy + ". A later time lets providers offer again."
	}
	version := strconv.FormatUint(v.GetVersion(), 10)
	if x := values["version"]; len(x) > 0 {
		version = x[0]
	}
	return q.render(view.FrameworkAction(q.page, view.ActionForm{Caption: d.Child, Heading: "Give providers longer to offer", Back: "/referrals/" + d.ID,
		Intro: intro, Fields: dlFields(values, errs), RequestID: formRequestID(q.r), Action: q.r.URL.Path, Button: "Extend the deadline",
		Version: version}))
}

func (s *Server) dlExtendForm(q *rq) error {
	d, v, err := s.dlLoad(q)
	if err != nil {
		return err
	}
	return s.dlForm(q, d, v, nil, nil)
}

// dlExtend gives providers longer: the new time is typed in UK time.
func (s *Server) dlExtend(q *rq) error {
	d, v, err := s.dlLoad(q)
	if err != nil {
		return err
	}
	if err := q.r.ParseForm(); err != nil {
		return err
	}
	form := q.r.PostForm
	again := func(errs []view.FieldError) error { return s.dlForm(q, d, v, form, errs) }
	var p problems
	day, okDay := parseDate(dateParts(q.r, "offers_due_by"))
	h, m, okTime := parseClock(form.Get("offers_due_by-time"))
	if !okDay {
		p.add("offers_due_by-day", "Enter the new date as a real date, for example 17 12 2026")
	}
	if !okTime {
		p.add("offers_due_by-time", "Enter the new time, for example 5pm or 17:00")
	}
	reason := strings.TrimSpace(form.Get("reason"))
	if len([]rune(reason)) > 500 {
		p.add("reason", "The reason must be 500 characters or fewer")
	}
	if len(p) > 0 {
		return q.refuse(again, p...)
	}
	date, _ := time.Parse(time.DateOnly, day)
	at := time.Date(date.Year(), date.Month(), date.Day(), h, m, 0, 0, ukTime)
	seen, _ := strconv.ParseUint(form.Get("version"), 10, 64)
	return q.command(func(requestID string) (uint64, error) {
		res, err := s.purchasing.ExtendOfferDeadline(q.ctx, &purchasingv1.ExtendOfferDeadlineRequest{RequestId: requestID, ReferralId: d.ID,
			OffersDueBy: timestamppb.New(at), Reason: reason, ExpectedVersion: seen})
		return res.GetPosition(), sayRule(err, inTable(map[string]string{
			"purchasing.offer_deadline_only_later": "The new time must be later than " + d.OffersDueBy,
		}))
	}, "/referrals/"+d.ID, "Providers now have until "+view.When(timestamppb.New(at))+" to offer", again)
}

// dlClosedWords is the refusal of a late offer as the provider reads it.
func dlClosedWords(r *purchasingv1.ReferralView) string {
	return "Offers on this referral closed at " + view.When(r.GetOffersDueBy()) + ". Ask " + view.CouncilName(r.GetCouncil()) + " council if you need longer"
}
