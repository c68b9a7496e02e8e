package server_test

import (
	"testing"

	"google.golang.org/grpc"

	purchasingv1 "github.com/carecoop/carecoop/proto/gen/carecoop/purchasing/v1"
	"github.com/carecoop/carecoop/services/kit/grpcserver"
	"github.com/carecoop/carecoop/services/purchasing/grpcapi"
)

// Every RPC of PurchasingService has a policy entry, and every entry is an
// RPC of PurchasingService: a forgotten entry would refuse a whole feature,
// a stale one would hide a renamed RPC's missing entry.
func TestPolicyCoversEveryRPC(t *testing.T) {
	gs := grpc.NewServer()
	grpcapi.Register(gs, nil)
	if err := grpcserver.CheckPolicyCoverage(gs, grpcapi.Policy); err != nil {
		t.Fatal(err)
	}
	if err := grpcapi.Policy.Validate(); err != nil {
		t.Fatal(err)
	}
	desc := purchasingv1.PurchasingService_ServiceDesc
	declared := map[string]bool{}
	for _, m := range desc.Methods {
		declared["/"+desc.ServiceName+"/"+m.MethodName] = true
		if _, ok := grpcapi.Policy["/"+desc.ServiceName+"/"+m.MethodName]; !ok {
			t.Errorf("%s has no policy entry", m.MethodName)
		}
	}
	for method := range grpcapi.Policy {
		if !declared[method] {
			t.Errorf("policy entry %s names no RPC of PurchasingService", method)
		}
	}
}
