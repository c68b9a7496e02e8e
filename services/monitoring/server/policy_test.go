package server_test

import (
	"testing"

	"google.golang.org/grpc"

	monitoringv1 "github.com/carecoop/carecoop/proto/gen/carecoop/monitoring/v1"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/monitoring/grpcapi"
)

// Every RPC of MonitoringService, the stream included, has a policy entry,
// and every entry is an RPC: a forgotten entry would refuse a feature, a
// stale one would hide a renamed RPC's missing entry.
func TestPolicyCoversEveryRPC(t *testing.T) {
	gs := grpc.NewServer()
	grpcapi.Register(gs, nil)
	if err := grpcserver.CheckPolicyCoverage(gs, grpcapi.Policy); err != nil {
		t.Fatal(err)
	}
	if err := grpcapi.Policy.Validate(); err != nil {
		t.Fatal(err)
	}
	desc := monitoringv1.MonitoringService_ServiceDesc
	declared := map[string]bool{}
	for _, m := range desc.Methods {
		declared["/"+desc.ServiceName+"/"+m.MethodName] = true
	}
	for _, s := range desc.Streams {
		declared["/"+desc.ServiceName+"/"+s.StreamName] = true
	}
	for method := range declared {
		if len(grpcapi.Policy[method].Roles) == 0 {
			t.Errorf("%s has no policy entry", method)
		}
	}
	for method := range grpcapi.Policy {
		if !declared[method] {
			t.Errorf("policy entry %s names no RPC of MonitoringService", method)
		}
	}
}
