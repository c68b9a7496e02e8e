package web

// dpsRoutes are the lead's dynamic purchasing pages.
func (s *Server) dpsRoutes() {}
