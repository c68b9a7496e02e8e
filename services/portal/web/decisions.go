package web

// decisionRoutes are the decision logs pages.
func (s *Server) decisionRoutes() {}
