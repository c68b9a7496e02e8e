package web

import "github.com/carecoop/carecoop/services/portal/view"

// Placeholders for the council and provider areas, each replaced by its own
// files as it is built.

func (s *Server) referralRoutes()           {}
func (s *Server) placementRoutes()          {}
func (s *Server) alertRoutes()              {}
func (s *Server) needsRoutes()              {}
func (s *Server) demandRoutes()             {}
func (s *Server) registerRoutes()           {}
func (s *Server) providerWorkRoutes()       {}
func (s *Server) providerMonitoringRoutes() {}
func (s *Server) platformRoutes()           {}

func (s *Server) commissionerHome(q *rq) error { return q.render(view.Welcome(q.page)) }
func (s *Server) analystHome(q *rq) error      { return q.render(view.Welcome(q.page)) }
func (s *Server) providerHome(q *rq) error     { return q.render(view.Welcome(q.page)) }
func (s *Server) platformHome(q *rq) error     { return q.render(view.Welcome(q.page)) }
