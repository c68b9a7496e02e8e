package web

import "github.com/carecoop/carecoop/services/portal/view"

// Placeholder until this area's pages are built (replaced by its own files).

func (s *Server) platformRoutes()          {}
func (s *Server) platformHome(q *rq) error { return q.render(view.Welcome(q.page)) }
