package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// The commands on a framework that take a page each: opening for bids,
// activation, extension, termination, member councils, suspension and
// reinstatement, price uplifts.

func (s *Server) frameworkActionRoutes() {
	for _, m := range []string{"GET", "POST"} {
		s.page(m+" /frameworks/{id}/open", leadOnly, s.openForBids)
		s.page(m+" /frameworks/{id}/activate", leadOnly, s.activateFramework)
		s.page(m+" /frameworks/{id}/extend", leadOnly, s.extendFramework)
		s.page(m+" /frameworks/{id}/terminate", leadOnly, s.terminateFramework)
		s.page(m+" /frameworks/{id}/councils/add", leadOnly, s.addCouncil)
		s.page(m+" /frameworks/{id}/councils/{code}/remove", leadOnly, s.removeCouncil)
	}
	s.page("GET /frameworks/{id}/councils", leadOnly, s.frameworkCouncils)
}

// action is a page that runs one command on the framework the path names.
type action struct {
	// form is the page, showing the values v (none, or as posted) and errs.
	form func(fw *frameworkv1.Framework, v url.Values, errs []view.FieldError) view.ActionForm
	// check is the portal's own check of what was typed (dates, money),
	// before the service checks the command.
	check func(fw *frameworkv1.Framework, v url.Values) problems
	// run sends the command.
	run func(fw *frameworkv1.Framework, v url.Values, requestID string, version uint64) (uint64, error)
	// next is the page after it (the framework's by default) and banner
	// what the success banner says.
	next   func(fw *frameworkv1.Framework) string
	banner func(fw *frameworkv1.Framework, v url.Values) string
}

func (s *Server) runAction(q *rq, a action) error {
	fw, err := s.getFramework(q)
	if err != nil {
		return err
	}
	return q.runAction(fw, a)
}

func (q *rq) runAction(fw *frameworkv1.Framework, a action) error {
	base := "/frameworks/" + fw.GetFrameworkId()
	show := func(v url.Values, errs []view.FieldError, requestID string) error {
		f := a.form(fw, v, errs)
		f.RequestID, f.Version = requestID, strconv.FormatUint(fw.GetVersion(), 10)
		if f.Back == "" {
			f.Back = base
		}
		if f.Caption == "" {
			f.Caption = fw.GetTitle()
		}
		if f.Action == "-" {
			f.Action = ""
		} else if f.Action == "" {
			f.Action = q.r.URL.Path
		}
		q.page.Title = f.Heading
		return q.render(view.FrameworkAction(q.page, f))
	}
	if q.r.Method == http.MethodGet {
		return show(url.Values{}, nil, newRequestID())
	}
	if err := q.r.ParseForm(); err != nil {
		return err
	}
	v := q.r.PostForm
	if a.check != nil {
		if errs := a.check(fw, v); len(errs) > 0 {
			return q.refuse(func(errs []view.FieldError) error { return show(v, errs, formRequestID(q.r)) }, errs...)
		}
	}
	version, _ := strconv.ParseUint(v.Get("version"), 10, 64)
	next := base
	if a.next != nil {
		next = a.next(fw)
	}
	return q.command(func(requestID string) (uint64, error) {
		pos, err := a.run(fw, v, requestID, version)
		return pos, inWords(err, fw)
	}, next, a.banner(fw, v), func(errs []view.FieldError) error {
		// Shown again at the framework's version now: the person sees
		// the page as it is and may send it again.
		if now, err := q.s.framework.GetFramework(q.ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: fw.GetFrameworkId()}); err == nil {
			fw = now
		}
		return show(v, errs, formRequestID(q.r))
	})
}

// reasonField is the reason a decision is recorded with.
func reasonField(label string, v url.Values, errs []view.FieldError) templ.Component {
	return view.Textarea(view.Field{ID: "reason", Label: label, Hint: "It is recorded with the decision, in the framework's decision history.", Value: v.Get("reason"), Errors: errs})
}

// needReason is the portal's check that a reason was given.
func needReason(what string) func(*frameworkv1.Framework, url.Values) problems {
	return func(_ *frameworkv1.Framework, v url.Values) (p problems) {
		if strings.TrimSpace(v.Get("reason")) == "" {
			p.add("reason", "Enter "+what)
		}
		return p
	}
}

func fixedBanner(msg string) func(*frameworkv1.Framework, url.Values) string {
	return func(*frameworkv1.Framework, url.Values) string { return msg }
}

// closingTime is the moment bidding closes, from the form's date and time
// typed in UK time.
func closingTime(v url.Values) (time.Time, problems) {
	var p problems
	day, okDay := parseDate([]string{strings.TrimSpace(v.Get("bids_close_at-day")), strings.TrimSpace(v.Get("bids_close_at-month")), strings.TrimSpace(v.Get("bids_close_at-year"))})
	h, m, okTime := parseClock(v.Get("bids_close_at-time"))
	if !okDay {
		p.add("bids_close_at-day", "Enter the closing date as a real date, for example 17 12 2026")
	}
	if !okTime {
		p.add("bids_close_at-time", "Enter the closing time, for example 5pm or 17:00")
	}
	if len(p) > 0 {
		return time.Time{}, p
	}
	d, _ := time.Parse(time.DateOnly, day)
	return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, ukTime), nil
}

func (s *Server) openForBids(q *rq) error {
	return s.runAction(q, action{
		form: func(fw *frameworkv1.Framework, v url.Values, errs []view.FieldError) view.ActionForm {
			return view.ActionForm{Heading: "Open for bids", Button: "Open for bids",
				Intro: []string{"Providers can bid on every lot until bidding closes. Once it closes, you score the bids and award the framework."},
				Fields: []templ.Component{
					view.DateInput(view.DateField{ID: "bids_close_at", Label: "Closing date", Hint: "For example, 17 12 2026", Errors: errs,
						Day: v.Get("bids_close_at-day"), Month: v.Get("bids_close_at-month"), Year: v.Get("bids_close_at-year")}),
					view.Input(view.Field{ID: "bids_close_at-time", Label: "Closing time", Hint: "UK time. For example, 5pm or 17:00", Width: "5", Value: v.Get("bids_close_at-time"), Errors: errs}),
				}}
		},
		check: func(_ *frameworkv1.Framework, v url.Values) problems {
			_, p := closingTime(v)
			return p
		},
		run: func(fw *frameworkv1.Framework, v url.Values, requestID string, version uint64) (uint64, error) {
			at, _ := closingTime(v)
			res, err := s.framework.OpenForBids(q.ctx, &frameworkv1.OpenForBidsRequest{RequestId: requestID, FrameworkId: fw.GetFrameworkId(), BidsCloseAt: timestamppb.New(at), ExpectedVersion: version})
			return res.GetPosition(), err
		},
		banner: func(_ *frameworkv1.Framework, v url.Values) string {
			at, _ := closingTime(v)
			return "Open for bids until " + view.When(timestamppb.New(at))
		},
	})
}

func (s *Server) activateFramework(q *rq) error {
	return s.runAction(q, action{
		form: func(fw *frameworkv1.Framework, v url.Values, errs []view.FieldError) view.ActionForm {
			admitted := 0
			for _, l := range fw.GetLots() {
				admitted += len(l.GetProviders())
			}
			f := view.ActionForm{Heading: "Activate the framework", Button: "Activate the framework",
				Intro: []string{"Member councils can call off from an active framework. Its term runs from " + view.Date(fw.GetTermStart()) + " to " + view.Date(fw.GetCurrentEnd()) + ".",
					countWords(admitted, "provider is", "providers are") + " admitted over " + countWords(len(fw.GetLots()), "lot", "lots") + "."},
				Fields: []templ.Component{reasonField("Why are you activating it now?", v, errs)}}
			if in, ends, from := s.sstStandstill(fw); in {
				f.Intro = append(f.Intro, "The standstill period after the contract award notice ends on "+ends+": you can activate the framework from "+from+".")
			}
			return f
		},
		check: needReason("why you are activating the framework"),
		run: func(fw *frameworkv1.Framework, v url.Values, requestID string, version uint64) (uint64, error) {
			res, err := s.framework.ActivateFramework(q.ctx, &frameworkv1.ActivateFrameworkRequest{RequestId: requestID, FrameworkId: fw.GetFrameworkId(), Reason: strings.TrimSpace(v.Get("reason")), ExpectedVersion: version})
			return res.GetPosition(), err
		},
		banner: fixedBanner("Framework activated"),
	})
}

// nextExtension is the months of the next extension option, 0 if none.
func nextExtension(fw *frameworkv1.Framework) (months uint32, n int) {
	opts := fw.GetExtensionOptionsMonths()
	used := int(fw.GetExtensionsUsed())
	if used >= len(opts) {
		return 0, used
	}
	return opts[used], used + 1
}

func (s *Server) extendFramework(q *rq) error {
	return s.runAction(q, action{
		form: func(fw *frameworkv1.Framework, v url.Values, errs []view.FieldError) view.ActionForm {
			months, n := nextExtension(fw)
			if months == 0 {
				return view.ActionForm{Heading: "Extend the framework", Action: "-",
					Intro: []string{"Every extension option of the framework has been used: it ends on " + view.Date(fw.GetCurrentEnd()) + "."}}
			}
			return view.ActionForm{Heading: "Extend the framework", Button: "Extend by " + countWords(int(months), "month", "months"),
				Intro: []string{"The framework ends on " + view.Date(fw.GetCurrentEnd()) + ". Extending it uses extension option " + strconv.Itoa(n) +
					" of " + strconv.Itoa(len(fw.GetExtensionOptionsMonths())) + ": " + countWords(int(months), "month", "months") + "."},
				Fields: []templ.Component{reasonField("Why are you extending the framework?", v, errs)}}
		},
		check: needReason("why you are extending the framework"),
		run: func(fw *frameworkv1.Framework, v url.Values, requestID string, version uint64) (uint64, error) {
			res, err := s.framework.ExtendFramework(q.ctx, &frameworkv1.ExtendFrameworkRequest{RequestId: requestID, FrameworkId: fw.GetFrameworkId(), Reason: strings.TrimSpace(v.Get("reason")), ExpectedVersion: version})
			return res.GetPosition(), err
		},
		banner: func(fw *frameworkv1.Framework, _ url.Values) string {
			months, _ := nextExtension(fw)
			return "Framework extended by " + countWords(int(months), "month", "months")
		},
	})
}

func (s *Server) terminateFramework(q *rq) error {
	return s.runAction(q, action{
		form: func(fw *frameworkv1.Framework, v url.Values, errs []view.FieldError) view.ActionForm {
			return view.ActionForm{Heading: "Terminate the framework", Button: "Terminate the framework", Kind: "warning",
				Warning: "Terminating ends the framework for every council and provider on it. It cannot be undone.",
				Fields:  []templ.Component{reasonField("Why are you terminating the framework?", v, errs)}}
		},
		check: needReason("why you are terminating the framework"),
		run: func(fw *frameworkv1.Framework, v url.Values, requestID string, version uint64) (uint64, error) {
			res, err := s.framework.TerminateFramework(q.ctx, &frameworkv1.TerminateFrameworkRequest{RequestId: requestID, FrameworkId: fw.GetFrameworkId(), Reason: strings.TrimSpace(v.Get("reason")), ExpectedVersion: version})
			return res.GetPosition(), err
		},
		banner: fixedBanner("Framework terminated"),
	})
}

// frameworkCouncils lists a framework's member councils, each to remove,
// and the way to add one.
func (s *Server) frameworkCouncils(q *rq) error {
	fw, err := s.getFramework(q)
	if err != nil {
		return err
	}
	var rows []view.CouncilRow
	ended := fw.GetStatus() == frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXPIRED || fw.GetStatus() == frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_TERMINATED
	for _, c := range fw.GetMemberCouncils() {
		r := view.CouncilRow{Name: view.FrameworkCouncil(c)}
		if !ended && len(fw.GetMemberCouncils()) > 1 {
			r.Remove = "/frameworks/" + fw.GetFrameworkId() + "/councils/" + c + "/remove"
		}
		rows = append(rows, r)
	}
	add := ""
	if !ended {
		add = "/frameworks/" + fw.GetFrameworkId() + "/councils/add"
	}
	q.page.Title = "Member councils"
	return q.render(view.FrameworkCouncils(q.page, fw, rows, add))
}

func councilsPage(fw *frameworkv1.Framework) string {
	return "/frameworks/" + fw.GetFrameworkId() + "/councils"
}

// chosenCouncil is the council the add form names: chosen from the list,
// or typed as an LA code.
func chosenCouncil(v url.Values) string {
	if c := strings.TrimSpace(v.Get("la_code-other")); c != "" {
		return c
	}
	return v.Get("la_code")
}

func (s *Server) addCouncil(q *rq) error {
	return s.runAction(q, action{
		form: func(fw *frameworkv1.Framework, v url.Values, errs []view.FieldError) view.ActionForm {
			opts := []view.Option{{Value: "", Text: "Choose a council"}}
			for _, o := range view.FrameworkCouncilOptions() {
				if !contains(fw.GetMemberCouncils(), o.Value) {
					opts = append(opts, o)
				}
			}
			return view.ActionForm{Heading: "Add a member council", Button: "Add the council", Back: councilsPage(fw),
				Intro: []string{"A member council can call off from the framework once it is active."},
				Fields: []templ.Component{
					view.Select(view.Field{ID: "la_code", Label: "Council", Options: opts, Value: v.Get("la_code"), Errors: errs}),
					view.Input(view.Field{ID: "la_code-other", Label: "Or another council's LA code", Hint: "Three digits. For example, 370", Width: "4", Value: v.Get("la_code-other"), Errors: errs}),
					reasonField("Why is the council joining?", v, errs),
				}}
		},
		check: func(fw *frameworkv1.Framework, v url.Values) (p problems) {
			c := chosenCouncil(v)
			switch {
			case c == "":
				p.add("la_code", "Choose the council to add")
			case len(c) != 3 || strings.Trim(c, "0123456789") != "":
				p.add("la_code-other", "Enter the council's LA code as three digits, for example 370")
			}
			if strings.TrimSpace(v.Get("reason")) == "" {
				p.add("reason", "Enter why the council is joining")
			}
			return p
		},
		run: func(fw *frameworkv1.Framework, v url.Values, requestID string, version uint64) (uint64, error) {
			res, err := s.framework.AddMemberCouncil(q.ctx, &frameworkv1.AddMemberCouncilRequest{RequestId: requestID, FrameworkId: fw.GetFrameworkId(), LaCode: chosenCouncil(v), Reason: strings.TrimSpace(v.Get("reason")), ExpectedVersion: version})
			return res.GetPosition(), err
		},
		next: councilsPage,
		banner: func(_ *frameworkv1.Framework, v url.Values) string {
			return view.FrameworkCouncil(chosenCouncil(v)) + " added to the framework"
		},
	})
}

func (s *Server) removeCouncil(q *rq) error {
	fw, err := s.getFramework(q)
	if err != nil {
		return err
	}
	code := q.r.PathValue("code")
	if !contains(fw.GetMemberCouncils(), code) && q.r.Method == http.MethodGet {
		return status.Error(codes.NotFound, "not a member council")
	}
	name := view.FrameworkCouncil(code)
	return q.runAction(fw, action{
		form: func(fw *frameworkv1.Framework, v url.Values, errs []view.FieldError) view.ActionForm {
			return view.ActionForm{Heading: "Remove " + name + " from the framework", Button: "Remove the council", Kind: "warning", Back: councilsPage(fw),
				Warning: name + " will no longer be able to call off from this framework.",
				Fields:  []templ.Component{reasonField("Why is the council leaving?", v, errs)}}
		},
		check: needReason("why the council is leaving"),
		run: func(fw *frameworkv1.Framework, v url.Values, requestID string, version uint64) (uint64, error) {
			res, err := s.framework.RemoveMemberCouncil(q.ctx, &frameworkv1.RemoveMemberCouncilRequest{RequestId: requestID, FrameworkId: fw.GetFrameworkId(), LaCode: code, Reason: strings.TrimSpace(v.Get("reason")), ExpectedVersion: version})
			return res.GetPosition(), err
		},
		next:   councilsPage,
		banner: fixedBanner(name + " removed from the framework"),
	})
}
