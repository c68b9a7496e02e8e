// Package status serves carecoop.kit.v1.StatusService: how far each of a
// service's read models has followed the event store, for the platform's
// health page. Every service registers it next to its own API and adds
// Policy's entry to its table: only a platform admin may call it.
package status

import (
	"context"

	"google.golang.org/grpc"

	kitv1 "github.com/carecoop/carecoop/proto/gen/carecoop/kit/v1"
	"github.com/carecoop/carecoop/services/kit/auth"
	"github.com/carecoop/carecoop/services/kit/projection"
)

// Method is GetStatus's full method name.
var Method = "/" + kitv1.StatusService_ServiceDesc.ServiceName + "/GetStatus"

// Policy is who may call the status API: the platform's admins, who run the
// services. An auditor reads decisions, not the machinery.
var Policy = auth.Policy{Method: {Roles: []string{auth.PlatformAdmin}}}

// WithPolicy is a service's policy table with the status API's entry added
// (p itself is not changed).
func WithPolicy(p auth.Policy) auth.Policy { return auth.Merge(p, Policy) }

// Source is one read model the status reports: a projection runner.
type Source interface {
	Status(ctx context.Context) (projection.Status, error)
}

// Register serves the status of service's read models on g.
func Register[S Source](g grpc.ServiceRegistrar, service string, sources ...S) {
	srv := &server{service: service}
	for _, src := range sources {
		srv.sources = append(srv.sources, src)
	}
	kitv1.RegisterStatusServiceServer(g, srv)
}

type server struct {
	kitv1.UnimplementedStatusServiceServer
	service string
	sources []Source
}

func (s *server) GetStatus(ctx context.Context, _ *kitv1.GetStatusRequest) (*kitv1.GetStatusResponse, error) {
	out := &kitv1.GetStatusResponse{Service: s.service, Serving: true}
	for _, src := range s.sources {
		st, err := src.Status(ctx)
		if err != nil {
			return nil, err
		}
		rm := &kitv1.ReadModelStatus{Name: st.Name, Position: st.Position, StorePosition: st.StorePosition, Lag: st.Lag, Ready: st.Err == nil}
		if st.Err != nil {
			rm.LastError = st.Err.Error()
			out.Serving = false
		}
		out.ReadModels = append(out.ReadModels, rm)
	}
	return out, nil
}
