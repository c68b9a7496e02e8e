package web

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/a-h/templ"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// The providers admitted to a framework's lots: suspension, reinstatement,
// and their price uplift requests.

func (s *Server) providerRoutes() {
	for _, m := range []string{"GET", "POST"} {
		s.page(m+" /frameworks/{id}/lots/{lot}/providers/{provider}/suspend", leadOnly, s.suspendProvider)
		s.page(m+" /frameworks/{id}/lots/{lot}/providers/{provider}/reinstate", leadOnly, s.reinstateProvider)
		s.page(m+" /frameworks/{id}/uplifts/{uplift}", leadOnly, s.decideUplift)
	}
	s.page("GET /frameworks/{id}/uplifts", leadOnly, s.listUplifts)
}

// admission is the lot and the admitted provider the path names.
func admission(q *rq, fw *frameworkv1.Framework) (*frameworkv1.Lot, *frameworkv1.LotProvider, error) {
	for _, l := range fw.GetLots() {
		if l.GetTerms().GetLotId() != q.r.PathValue("lot") {
			continue
		}
		for _, lp := range l.GetProviders() {
			if lp.GetProviderId() == q.r.PathValue("provider") {
				return l, lp, nil
			}
		}
	}
	return nil, nil, status.Error(codes.NotFound, "no such admission")
}

func admissionRows(lot *frameworkv1.Lot, lp *frameworkv1.LotProvider) []view.CheckRow {
	rows := []view.CheckRow{
		{Key: "Provider", Lines: []string{providerName(lp.GetProviderName(), lp.GetProviderId())}},
		{Key: "Lot", Lines: []string{lot.GetTerms().GetName()}},
		{Key: "Rank", Lines: []string{fmt.Sprintf("%d, total score %.2f", lp.GetRank(), lp.GetTotalScore())}},
		{Key: "Weekly price", Lines: []string{view.Pounds(lp.GetWeeklyPricePence())}},
	}
	if lp.GetStatus() == frameworkv1.ProviderLotStatus_PROVIDER_LOT_STATUS_SUSPENDED {
		rows = append(rows, view.CheckRow{Key: "Suspended because", Lines: []string{lp.GetSuspensionReason()}})
	}
	return rows
}

func providerName(name, id string) string {
	if name != "" {
		return name
	}
	return id
}

func (s *Server) suspendProvider(q *rq) error   { return s.providerOnLot(q, true) }
func (s *Server) reinstateProvider(q *rq) error { return s.providerOnLot(q, false) }

// providerOnLot suspends (or reinstates) an admitted provider on a lot.
func (s *Server) providerOnLot(q *rq, suspend bool) error {
	fw, err := s.getFramework(q)
	if err != nil {
		return err
	}
	lot, lp, err := admission(q, fw)
	if err != nil {
		return err
	}
	name := providerName(lp.GetProviderName(), lp.GetProviderId())
	call, heading, intro, button, kind, label, banner := s.framework.ReinstateProvider, "Reinstate "+name+" on "+lot.GetTerms().GetName(),
		"Once reinstated, member councils can call off from "+name+" on this lot again.", "Reinstate the provider", "", "Why are you reinstating the provider?",
		name+" reinstated on "+lot.GetTerms().GetName()
	need := "why you are reinstating the provider"
	if suspend {
		need = "why you are suspending the provider"
		call, heading, intro, button, kind, label, banner = s.framework.SuspendProvider, "Suspend "+name+" from "+lot.GetTerms().GetName(),
			"While suspended, member councils cannot call off from "+name+" on this lot. You can reinstate the provider later.", "Suspend the provider", "warning",
			"Why are you suspending the provider?", name+" suspended from "+lot.GetTerms().GetName()
	}
	return q.runAction(fw, action{
		form: func(fw *frameworkv1.Framework, v url.Values, errs []view.FieldError) view.ActionForm {
			return view.ActionForm{Heading: heading, Intro: []string{intro}, Rows: admissionRows(lot, lp), Button: button, Kind: kind,
				Fields: []templ.Component{reasonField(label, v, errs)}}
		},
		check: needReason(need),
		run: func(fw *frameworkv1.Framework, v url.Values, requestID string, version uint64) (uint64, error) {
			res, err := call(q.ctx, &frameworkv1.ProviderOnLotRequest{RequestId: requestID, FrameworkId: fw.GetFrameworkId(), LotId: lot.GetTerms().GetLotId(),
				ProviderId: lp.GetProviderId(), Reason: strings.TrimSpace(v.Get("reason")), ExpectedVersion: version})
			return res.GetPosition(), err
		},
		banner: fixedBanner(banner),
	})
}

// lotName is the name of a framework's lot, or its id.
func lotName(fw *frameworkv1.Framework, lotID string) string {
	for _, l := range fw.GetLots() {
		if l.GetTerms().GetLotId() == lotID {
			return l.GetTerms().GetName()
		}
	}
	return lotID
}

// listUplifts lists a framework's price uplift requests, pending first.
func (s *Server) listUplifts(q *rq) error {
	fw, err := s.getFramework(q)
	if err != nil {
		return err
	}
	res, err := s.framework.ListPriceUplifts(q.ctx, &frameworkv1.ListPriceUpliftsRequest{FrameworkId: fw.GetFrameworkId(), MinPosition: q.at()})
	if err != nil {
		return err
	}
	var rows []view.UpliftRow
	for _, pending := range []bool{true, false} {
		for _, u := range res.GetUplifts() {
			if (u.GetStatus() == frameworkv1.UpliftStatus_UPLIFT_STATUS_PENDING) != pending {
				continue
			}
			r := view.UpliftRow{Uplift: u, Provider: providerName(u.GetProviderName(), u.GetProviderId()), Lot: lotName(fw, u.GetLotId()), Increase: increase(u)}
			if pending {
				r.Decide = "/frameworks/" + fw.GetFrameworkId() + "/uplifts/" + u.GetUpliftId()
			}
			rows = append(rows, r)
		}
	}
	q.page.Title = "Price uplifts"
	return q.render(view.FrameworkUplifts(q.page, fw, rows))
}

// increase: "£150.00 (3.8%)".
func increase(u *frameworkv1.PriceUplift) string {
	d := u.GetRequestedWeeklyPence() - u.GetCurrentWeeklyPence()
	if u.GetCurrentWeeklyPence() <= 0 {
		return view.Pounds(d)
	}
	return fmt.Sprintf("%s (%.1f%%)", view.Pounds(d), float64(d)*100/float64(u.GetCurrentWeeklyPence()))
}

var upliftID = regexp.MustCompile(`^up-[0-9]{1,6}$`)

// decideUplift approves or rejects one price uplift, with a reason.
func (s *Server) decideUplift(q *rq) error {
	fw, err := s.getFramework(q)
	if err != nil {
		return err
	}
	id := q.r.PathValue("uplift")
	if !upliftID.MatchString(id) {
		return status.Error(codes.NotFound, "no such uplift")
	}
	res, err := s.framework.ListPriceUplifts(q.ctx, &frameworkv1.ListPriceUpliftsRequest{FrameworkId: fw.GetFrameworkId(), MinPosition: q.at()})
	if err != nil {
		return err
	}
	var u *frameworkv1.PriceUplift
	for _, x := range res.GetUplifts() {
		if x.GetUpliftId() == id {
			u = x
		}
	}
	if u == nil {
		return status.Error(codes.NotFound, "no such uplift")
	}
	name := providerName(u.GetProviderName(), u.GetProviderId())
	back := "/frameworks/" + fw.GetFrameworkId() + "/uplifts"
	return q.runAction(fw, action{
		form: func(fw *frameworkv1.Framework, v url.Values, errs []view.FieldError) view.ActionForm {
			f := view.ActionForm{Heading: "Price uplift from " + name, Back: back, Button: "Save the decision",
				Rows: []view.CheckRow{
					{Key: "Provider", Lines: []string{name}},
					{Key: "Lot", Lines: []string{lotName(fw, u.GetLotId())}},
					{Key: "Weekly price now", Lines: []string{view.Pounds(u.GetCurrentWeeklyPence())}},
					{Key: "Weekly price asked", Lines: []string{view.Pounds(u.GetRequestedWeeklyPence())}},
					{Key: "Increase", Lines: []string{increase(u)}},
					{Key: "From", Lines: []string{view.Date(u.GetEffectiveFrom())}},
					{Key: "Asked on", Lines: []string{view.When(u.GetRequestedAt())}},
					{Key: "Justification", Lines: []string{u.GetJustification()}},
				},
				Fields: []templ.Component{
					view.Radios(view.Field{ID: "decision", Label: "Do you approve the uplift?", Value: v.Get("decision"), Errors: errs,
						Options: []view.Option{{Value: "approve", Text: "Approve it", Hint: "The provider is paid " + view.Pounds(u.GetRequestedWeeklyPence()) + " a week from " + view.Date(u.GetEffectiveFrom())},
							{Value: "reject", Text: "Reject it", Hint: "The price stays " + view.Pounds(u.GetCurrentWeeklyPence()) + " a week"}}}),
					reasonField("Reason for your decision", v, errs),
				}}
			if u.GetStatus() != frameworkv1.UpliftStatus_UPLIFT_STATUS_PENDING {
				f.Action, f.Fields = "-", nil
				f.Intro = []string{"This uplift was " + strings.ToLower(view.Words(u.GetStatus())) + " on " + view.When(u.GetDecidedAt()) + ": " + u.GetDecisionReason()}
			}
			return f
		},
		check: func(_ *frameworkv1.Framework, v url.Values) (p problems) {
			if d := v.Get("decision"); d != "approve" && d != "reject" {
				p.add("decision", "Select whether you approve or reject the uplift")
			}
			if strings.TrimSpace(v.Get("reason")) == "" {
				p.add("reason", "Enter the reason for your decision")
			}
			return p
		},
		run: func(fw *frameworkv1.Framework, v url.Values, requestID string, version uint64) (uint64, error) {
			decide := s.framework.RejectPriceUplift
			if v.Get("decision") == "approve" {
				decide = s.framework.ApprovePriceUplift
			}
			res, err := decide(q.ctx, &frameworkv1.DecidePriceUpliftRequest{RequestId: requestID, FrameworkId: fw.GetFrameworkId(), UpliftId: u.GetUpliftId(),
				Reason: strings.TrimSpace(v.Get("reason")), ExpectedVersion: version})
			return res.GetPosition(), err
		},
		next: func(*frameworkv1.Framework) string { return back },
		banner: func(_ *frameworkv1.Framework, v url.Values) string {
			if v.Get("decision") == "approve" {
				return "Uplift approved: " + name + " is paid " + view.Pounds(u.GetRequestedWeeklyPence()) + " a week from " + view.Date(u.GetEffectiveFrom())
			}
			return "Uplift rejected: the price of " + name + " stays " + view.Pounds(u.GetCurrentWeeklyPence()) + " a week"
		},
	})
}
