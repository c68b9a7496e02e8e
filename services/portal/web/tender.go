package web

func (s *Server) tenderRoutes() {}
