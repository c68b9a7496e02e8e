package grpcserver

import (
	"context"

	"google.golang.org/grpc"

	kitv1 "github.com/carecoop/carecoop/proto/gen/carecoop/kit/v1"
	"github.com/carecoop/carecoop/services/kit/metrics"
)

// obsRegister registers the service on gs and, with metrics on, exports
// its read models' lag: the service's own StatusService, asked directly
// (not through the chain) at each scrape, is its source.
func obsRegister(cfg HostConfig, gs *Server) error {
	if cfg.Metrics == nil {
		cfg.Register(gs.Registrar())
		return nil
	}
	reg := &obsStatusCatcher{ServiceRegistrar: gs.Registrar()}
	cfg.Register(reg)
	cfg.Metrics.InitializeGRPC(gs.GRPC())
	if reg.status == nil {
		return nil // a service without read models
	}
	return cfg.Metrics.WatchReadModels(func(ctx context.Context) ([]metrics.ReadModelStatus, error) {
		res, err := reg.status.GetStatus(ctx, &kitv1.GetStatusRequest{})
		if err != nil {
			return nil, err
		}
		out := make([]metrics.ReadModelStatus, 0, len(res.GetReadModels()))
		for _, rm := range res.GetReadModels() {
			out = append(out, metrics.ReadModelStatus{Name: rm.GetName(), Lag: rm.GetLag(), Ready: rm.GetReady()})
		}
		return out, nil
	})
}

// obsStatusCatcher passes registrations on, keeping the StatusService's.
type obsStatusCatcher struct {
	grpc.ServiceRegistrar
	status kitv1.StatusServiceServer
}

func (c *obsStatusCatcher) RegisterService(desc *grpc.ServiceDesc, impl any) {
	if s, ok := impl.(kitv1.StatusServiceServer); ok && desc.ServiceName == kitv1.StatusService_ServiceDesc.ServiceName {
		c.status = s
	}
	c.ServiceRegistrar.RegisterService(desc, impl)
}
