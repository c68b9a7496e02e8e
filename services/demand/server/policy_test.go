package server_test

import (
	"testing"

	"google.golang.org/grpc"

	demandv1 "github.com/carecoop/carecoop/proto/gen/carecoop/demand/v1"
	"github.com/carecoop/carecoop/services/demand/grpcapi"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
)

// Every RPC of DemandService has a policy entry, and every entry is an RPC
// of DemandService: a forgotten entry would refuse a whole feature, a stale
// one would hide a renamed RPC's missing entry.
func TestPolicyCoversEveryRPC(t *testing.T) {
	gs := grpc.NewServer()
	grpcapi.Register(gs, nil)
	if err := grpcserver.CheckPolicyCoverage(gs, grpcapi.Policy); err != nil {
		t.Fatal(err)
	}
	if err := grpcapi.Policy.Validate(); err != nil {
		t.Fatal(err)
	}
	desc := demandv1.DemandService_ServiceDesc
	declared := map[string]bool{}
	for _, m := range desc.Methods {
		method := "/" + desc.ServiceName + "/" + m.MethodName
		declared[method] = true
		if len(grpcapi.Policy[method].Roles) == 0 {
			t.Errorf("%s has no policy entry", m.MethodName)
		}
	}
	if len(desc.Streams) != 0 {
		t.Errorf("DemandService has streams %v: check their policy", desc.Streams)
	}
	for method := range grpcapi.Policy {
		if !declared[method] {
			t.Errorf("policy entry %s names no RPC of DemandService", method)
		}
	}
}
