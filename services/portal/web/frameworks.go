package web

import (
	frameworkv1 "github.com/carecoop/carecoop/proto/gen/carecoop/framework/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

func (s *Server) frameworkRoutes() {
	s.page("GET /frameworks", leadOnly, s.listFrameworks)
	s.page("GET /frameworks/{id}", leadOnly, s.showFramework)
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

// showFramework is one framework: its terms, lots and admitted providers.
func (s *Server) showFramework(q *rq) error {
	fw, err := s.framework.GetFramework(q.ctx, &frameworkv1.GetFrameworkRequest{FrameworkId: q.r.PathValue("id"), MinPosition: q.at()})
	if err != nil {
		return err
	}
	q.page.Title = fw.GetTitle()
	return q.render(view.Framework(q.page, fw))
}
