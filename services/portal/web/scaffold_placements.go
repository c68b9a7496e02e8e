package web

// Placeholder until this area's pages are built (replaced by its own files).

func (s *Server) placementRoutes() {}
func (s *Server) alertRoutes()     {}
