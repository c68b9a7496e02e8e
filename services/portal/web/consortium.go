package web

// consortiumRoutes are the lead's consortium settings pages.
func (s *Server) consortiumRoutes() {}
