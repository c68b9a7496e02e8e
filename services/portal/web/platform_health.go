package web

import (
	"context"
	"time"

	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	kitv1 "github.com/carecoop/carecoop/proto/gen/carecoop/kit/v1"
	"github.com/carecoop/carecoop/services/portal/view"
)

// platStatusWait bounds each service's status call: a service that does not
// answer is shown as such, not waited on.
const platStatusWait = 3 * time.Second

// platHealth is the services' health: each read model's position and lag
// against the event store (the kit's status API, as the admin).
func (s *Server) platHealth(q *rq) error {
	q.page.Title = "Service health"
	return q.render(view.PlatformHealth(q.page, s.platServices(q)))
}

// platServices asks each service for its status; one that fails to answer
// is shown as not answering rather than failing the page.
func (s *Server) platServices(q *rq) []view.PlatformService {
	type service struct {
		name, about string
		conn        grpc.ClientConnInterface
	}
	list := []service{
		{"Framework", "Framework agreements: tenders, bids, awards, price uplifts.", s.cfg.Conns.Framework},
		{"Purchasing", "Providers, dynamic purchasing systems, referrals and placements.", s.cfg.Conns.Purchasing},
		{"Demand", "Councils' needs returns and the demand figures built from them.", s.cfg.Conns.Demand},
		{"Monitoring", "Contracts, monitoring returns, Ofsted judgements, risk levels and alerts.", s.cfg.Conns.Monitoring},
	}
	// Notify is optional: a portal run without it has no such service.
	if s.cfg.Conns.Notify != nil {
		list = append(list, service{"Notify", "Notifications: who is told of what, by email and in the portal, and deliveries that failed.", s.cfg.Conns.Notify})
	}
	out := make([]view.PlatformService, len(list))
	for i, l := range list {
		sv := view.PlatformService{Name: l.name, About: l.about}
		ctx, cancel := context.WithTimeout(q.ctx, platStatusWait)
		res, err := kitv1.NewStatusServiceClient(l.conn).GetStatus(ctx, &kitv1.GetStatusRequest{})
		cancel()
		if err != nil {
			s.log.Warn("portal: a service's status", zap.String("service", l.name), zap.Error(err))
			sv.Problem = "It did not answer: " + platProblem(err)
			out[i] = sv
			continue
		}
		sv.Answering, sv.Serving = true, res.GetServing()
		for _, rm := range res.GetReadModels() {
			sv.ReadModels = append(sv.ReadModels, view.PlatformReadModel{Name: rm.GetName(), Position: rm.GetPosition(),
				StorePosition: rm.GetStorePosition(), Lag: rm.GetLag(), Ready: rm.GetReady(), Problem: rm.GetLastError()})
		}
		out[i] = sv
	}
	return out
}

// platProblem says why a service did not answer, in words.
func platProblem(err error) string {
	switch status.Code(err) {
	case codes.Unavailable:
		return "it is not running or cannot be reached."
	case codes.DeadlineExceeded:
		return "it took longer than 3 seconds."
	case codes.Unimplemented:
		return "it does not serve the status API (an older version)."
	}
	return "it answered with an error (see the portal's log)."
}
