package web

import (
	"regexp"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

func (s *Server) frameworkRoutes() {
	s.page("GET /frameworks", leadOnly, s.listFrameworks)
	s.page("GET /frameworks/{id}", leadOnly, s.showFramework)
	s.termsRoutes()
	s.frameworkActionRoutes()
	s.bidRoutes()
	s.providerRoutes()
}

// listFrameworks lists the lead's consortium's frameworks.
func (s *Server) listFrameworks(q *rq) error {
	res, err := s.framework.ListFrameworks(q.ctx, &frameworkv1.ListFrameworksRequest{Consortium: q.sess.Principal.OrgID(), MinPosition: q.at()})
	if err != nil {
		return err
	}
	q.page.Title = "Frameworks"
	return q.render(view.Frameworks(q.page, res.GetFrameworks()))
}

var frameworkID = regexp.MustCompile(`^fw-[a-z0-9]{1,40}$`)

// getFramework is the framework the path names, read at ?at= (NOT_FOUND
// for an id no framework could have).
func (s *Server) getFramework(q *rq) (*frameworkv1.Framework, error) {
	id := q.r.PathValue("id")
	if !frameworkID.MatchString(id) {
		return nil, status.Error(codes.NotFound, "no such framework")
	}
	return s.framework.GetFramework(q.ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: id, MinPosition: q.at()})
}

// showFramework is one framework: its terms, what the lead can do in its
// status, its lots with their bids and admitted providers.
func (s *Server) showFramework(q *rq) error {
	fw, err := s.getFramework(q)
	if err != nil {
		return err
	}
	v := view.FrameworkView{Framework: fw, History: "/decisions/frameworks/" + fw.GetFrameworkId()}
	base := "/frameworks/" + fw.GetFrameworkId()
	councils := view.FrameworkLink{Href: base + "/councils", Text: "Member councils", Kind: "secondary"}
	terminate := view.FrameworkLink{Href: base + "/terminate", Text: "Terminate", Kind: "warning"}
	switch fw.GetStatus() {
	case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_DRAFT:
		v.Note = "This framework is a draft: councils and providers cannot see it until it opens for bids."
		v.Actions = []view.FrameworkLink{{Href: base + "/open", Text: "Open for bids"}, {Href: base + "/terms", Text: "Change the terms", Kind: "secondary"}, councils, terminate}
	case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_OPEN_FOR_BIDS:
		v.Note = "Bidding closes on " + view.When(fw.GetBidsCloseAt()) + ". Bids are scored after it closes."
		v.Actions = []view.FrameworkLink{councils, terminate}
	case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EVALUATING:
		v.Note = "Bidding closed on " + view.When(fw.GetBidsCloseAt()) + ": score the bids, then award the framework."
		v.Actions = []view.FrameworkLink{{Href: base + "/bids", Text: "Score bids"}, {Href: base + "/award", Text: "Award", Kind: "secondary"}, councils, terminate}
	case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_AWARDED:
		v.Note = "The framework is awarded: activate it when its term begins and councils may call off from it."
		if in, ends, from := s.sstStandstill(fw); in {
			v.Note = "The standstill period ends on " + ends + ": until then a bidder may challenge the award. You can activate the framework from " + from + "."
		}
		v.Actions = []view.FrameworkLink{{Href: base + "/activate", Text: "Activate"}, councils, terminate}
		v.ProviderActions = true
	case frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_ACTIVE, frameworkv1.FrameworkStatus_FRAMEWORK_STATUS_EXTENDED:
		ups, err := s.framework.ListPriceUplifts(q.ctx, &frameworkv1.ListPriceUpliftsRequest{FrameworkId: fw.GetFrameworkId(), MinPosition: q.at()})
		if err != nil {
			return err
		}
		for _, u := range ups.GetUplifts() {
			if u.GetStatus() == frameworkv1.UpliftStatus_UPLIFT_STATUS_PENDING {
				v.PendingUplifts++
			}
		}
		uplifts := view.FrameworkLink{Href: base + "/uplifts", Text: "Price uplifts", Kind: "secondary"}
		if v.PendingUplifts > 0 {
			uplifts.Text, uplifts.Kind = "Price uplifts ("+strconv.Itoa(v.PendingUplifts)+" to decide)", ""
		}
		v.Actions = []view.FrameworkLink{uplifts}
		if int(fw.GetExtensionsUsed()) < len(fw.GetExtensionOptionsMonths()) {
			v.Actions = append(v.Actions, view.FrameworkLink{Href: base + "/extend", Text: "Extend", Kind: "secondary"})
		}
		v.Actions = append(v.Actions, councils, terminate)
		v.ProviderActions = true
	default:
		v.Note = "The framework has ended: nothing can change it any more."
	}
	v.Changeable = len(v.Actions) > 0
	q.page.Title = fw.GetTitle()
	return q.render(view.Framework(q.page, v))
}

// sstStandstill reports whether fw's standstill is still running today (UK
// time), with its last day and the day activation may start, in words.
func (s *Server) sstStandstill(fw *frameworkv1.Framework) (running bool, ends, from string) {
	last, err := time.Parse(time.DateOnly, fw.GetStandstillEnds())
	if err != nil {
		return false, "", ""
	}
	today := s.cfg.Now().In(ukTime).Format(time.DateOnly)
	return today <= fw.GetStandstillEnds(), view.Date(fw.GetStandstillEnds()), view.Date(last.AddDate(0, 0, 1).Format(time.DateOnly))
}
