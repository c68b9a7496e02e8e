package web

import "github.com/carecoop/carecoop/services/portal/view"

// Placeholder until this area's pages are built (replaced by its own files).

func (s *Server) needsRoutes()            {}
func (s *Server) analystHome(q *rq) error { return q.render(view.Welcome(q.page)) }
